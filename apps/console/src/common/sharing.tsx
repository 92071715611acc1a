import { Labeled, TextArrayInput, useRecordContext } from 'react-admin';
import { Box, Typography } from '@mui/material';

/** Who besides the owner may use a shared endpoint or task. */
export function SharingInputs() {
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, width: '100%', maxWidth: 560 }}>
      <TextArrayInput source="shared_with.users" label="Shared with users" helperText="User names; press Enter after each" />
      <TextArrayInput source="shared_with.roles" label="Shared with roles" helperText="e.g. Manager, Observer" />
      <TextArrayInput source="shared_with.groups" label="Shared with groups" helperText="Snap4City groups (organisations)" />
    </Box>
  );
}

export function SharingField() {
  const record = useRecordContext<{ visibility: string; shared_with: { users: string[]; roles: string[]; groups: string[] } }>();
  if (!record) return null;
  const { users, roles, groups } = record.shared_with;
  const parts = [
    users.length ? `users ${users.join(', ')}` : '',
    roles.length ? `roles ${roles.join(', ')}` : '',
    groups.length ? `groups ${groups.join(', ')}` : '',
  ].filter(Boolean);
  return (
    <Labeled label="Visibility">
      <Typography variant="body2">
        {record.visibility}
        {record.visibility === 'shared' ? `: ${parts.join('; ') || 'nobody yet'}` : ''}
      </Typography>
    </Labeled>
  );
}

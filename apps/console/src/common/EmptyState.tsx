import { Box, Typography } from '@mui/material';
import { CreateButton, useCanAccess } from 'react-admin';

/** What an empty list says, with the way to fill it when the role may. */
export function EmptyState({ resource, text, createLabel }: { resource: string; text: string; createLabel?: string }) {
  const { canAccess } = useCanAccess({ action: 'create', resource });
  return (
    <Box sx={{ textAlign: 'center', m: 4 }}>
      <Typography variant="h6" component="p" gutterBottom>
        {text}
      </Typography>
      {createLabel && canAccess && <CreateButton resource={resource} label={createLabel} variant="contained" />}
    </Box>
  );
}

import { Box, Typography } from '@mui/material';
import { useRecordContext } from 'react-admin';
import { CopyButton } from './CopyButton';

/** A 64-character public id, in full and copyable (what a Snap4City user pastes into a Node-RED block). */
export function PublicId({ value, label }: { value: string; label: string }) {
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, minWidth: 0 }}>
      <Typography
        component="code"
        variant="body2"
        sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere', wordBreak: 'break-all' }}
        data-testid={`public-id-${label.toLowerCase().replace(/\W+/g, '-')}`}
      >
        {value}
      </Typography>
      <CopyButton text={value} label={label} />
    </Box>
  );
}

/** The record's public id field with its copy button. */
export function PublicIdField({ source, label }: { source: string; label: string }) {
  const record = useRecordContext();
  const value = record?.[source] as string | undefined;
  return value ? <PublicId value={value} label={label} /> : null;
}

/** The first characters of a long id, whole on hover and for screen readers. */
export function ShortId({ value }: { value: string | null | undefined }) {
  if (!value) return <>–</>;
  return (
    <Typography component="span" variant="body2" sx={{ fontFamily: 'monospace' }} title={value} aria-label={value}>
      {value.length > 12 ? `${value.slice(0, 10)}…` : value}
    </Typography>
  );
}

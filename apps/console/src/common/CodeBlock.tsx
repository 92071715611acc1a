import { Box, Typography } from '@mui/material';
import { CopyButton } from './CopyButton';

/** A ready-to-paste example (a curl command, a Node-RED block's input), with a copy button. */
export function CodeBlock({ title, code, label }: { title: string; code: string; label: string }) {
  return (
    <Box sx={{ mb: 2 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between' }}>
        <Typography variant="subtitle2" component="h3">
          {title}
        </Typography>
        <CopyButton text={code} label={label} />
      </Box>
      <Box
        component="pre"
        tabIndex={0}
        aria-label={title}
        sx={{
          m: 0,
          p: 1.5,
          bgcolor: 'grey.100',
          borderRadius: 1,
          overflowX: 'auto',
          contain: 'inline-size',
          fontSize: '0.8rem',
          whiteSpace: 'pre',
        }}
      >
        <code>{code}</code>
      </Box>
    </Box>
  );
}

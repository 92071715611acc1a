import { Alert, AlertTitle, Box, Button } from '@mui/material';

/** The console could not start (no runtime config, a wrong one): say so, never a blank page. */
export function StartupError({ error }: { error: unknown }) {
  return (
    <Box component="main" sx={{ maxWidth: 640, mx: 'auto', mt: 8, px: 2 }}>
      <Alert severity="error" role="alert">
        <AlertTitle>The ClearGate console could not start</AlertTitle>
        {error instanceof Error ? error.message : String(error)}
      </Alert>
      <Button sx={{ mt: 2 }} variant="contained" onClick={() => window.location.reload()}>
        Try again
      </Button>
    </Box>
  );
}

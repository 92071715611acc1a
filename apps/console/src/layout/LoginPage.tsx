import { useEffect, useRef, useState } from 'react';
import { useLogin, useNotify } from 'react-admin';
import { useLocation } from 'react-router-dom';
import { Alert, Box, Button, Card, CardContent, CircularProgress, Typography } from '@mui/material';
import LoginIcon from '@mui/icons-material/Login';

/**
 * Sign-in is the realm's login page: this page sends the browser there at once (back to where
 * the user was), except after a logout, when it waits for the user to ask.
 */
export function LoginPage() {
  const login = useLogin();
  const notify = useNotify();
  const location = useLocation();
  const signedOut = new URLSearchParams(location.search).has('signed_out');
  const state = location.state as { nextPathname?: string; nextSearch?: string } | null;
  const returnTo = state?.nextPathname ? `${state.nextPathname}${state.nextSearch ?? ''}` : '/';
  const [failed, setFailed] = useState<string | null>(null);
  const started = useRef(false);

  const signIn = () => {
    setFailed(null);
    login({ returnTo }).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : 'the realm could not be reached';
      setFailed(message);
      notify(`Sign-in failed: ${message}`, { type: 'error' });
    });
  };

  useEffect(() => {
    if (signedOut || started.current) return;
    started.current = true;
    signIn();
    // Once, on arrival.
  }, []);

  return (
    <Box
      component="main"
      sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'grey.100', p: 2 }}
    >
      <Card sx={{ maxWidth: 420, width: '100%' }}>
        <CardContent sx={{ textAlign: 'center' }}>
          <Typography variant="h5" component="h1" gutterBottom>
            ClearGate console
          </Typography>
          {signedOut ? (
            <Typography sx={{ mb: 2 }}>You have signed out.</Typography>
          ) : failed ? (
            <Alert severity="error" sx={{ mb: 2, textAlign: 'left' }}>
              Sign-in failed: {failed}
            </Alert>
          ) : (
            <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'center', gap: 2, mb: 2 }} role="status">
              <CircularProgress size={20} aria-hidden />
              <Typography>Taking you to the sign-in page…</Typography>
            </Box>
          )}
          <Button variant="contained" startIcon={<LoginIcon />} onClick={signIn}>
            Sign in
          </Button>
        </CardContent>
      </Card>
    </Box>
  );
}

import type { ReactNode } from 'react';
import { AppBar, Layout as RaLayout, Logout, Menu, TitlePortal, UserMenu, useGetIdentity, useCanAccess } from 'react-admin';
import { Box, Chip, ListItemText, MenuItem, Typography } from '@mui/material';
import ScienceIcon from '@mui/icons-material/Science';
import UsageIcon from '@mui/icons-material/BarChart';

/** Who is signed in, with their ClearGate role; then the logout. */
function Identity() {
  const { identity } = useGetIdentity();
  if (!identity) return null;
  const { username, role, roles } = identity as { username?: string; role?: string; roles?: string[] };
  return (
    <MenuItem disabled sx={{ '&.Mui-disabled': { opacity: 1 } }}>
      <ListItemText
        primary={identity.fullName}
        secondary={
          <>
            {username && username !== identity.fullName ? `${username} · ` : ''}
            {role ?? roles?.join(', ')}
          </>
        }
      />
    </MenuItem>
  );
}

function ConsoleAppBar() {
  const { identity } = useGetIdentity();
  const role = (identity as { role?: string } | undefined)?.role;
  return (
    <AppBar
      userMenu={
        // The button shows the user's name: its accessible name says the same.
        <UserMenu label={identity?.fullName ?? 'Profile'}>
          <Identity />
          <Logout />
        </UserMenu>
      }
    >
      <TitlePortal />
      {role && (
        <Box sx={{ display: { xs: 'none', sm: 'block' }, mr: 1 }}>
          <Chip size="small" label={role} sx={{ color: 'inherit', borderColor: 'currentcolor' }} variant="outlined" />
        </Box>
      )}
      <Typography variant="body2" sx={{ display: { xs: 'none', md: 'block' }, mr: 1 }}>
        {identity?.fullName}
      </Typography>
    </AppBar>
  );
}

/** The menu shows only what the signed-in role may use (the resources ask the auth provider). */
function ConsoleMenu() {
  const { canAccess: mayTry } = useCanAccess({ action: 'list', resource: 'try-it' });
  return (
    <Menu>
      <Menu.DashboardItem />
      {mayTry && <Menu.Item to="/try" primaryText="Try it" leftIcon={<ScienceIcon />} />}
      <Menu.ResourceItem name="runs" />
      <Menu.ResourceItem name="ondemand-log" />
      <Menu.ResourceItem name="enqueue-log" />
      <Menu.Item to="/usage" primaryText="Usage" leftIcon={<UsageIcon />} />
      <Menu.ResourceItem name="machines" />
      <Menu.ResourceItem name="endpoints" />
      <Menu.ResourceItem name="tasks" />
      <Menu.ResourceItem name="limits" />
      <Menu.ResourceItem name="suspensions" />
      <Menu.ResourceItem name="audit" />
    </Menu>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  return (
    // The page may not grow wider than the window (react-admin lets it fit its widest child): wide tabs, tables and code
    // scroll inside their own boxes on phones instead.
    <RaLayout appBar={ConsoleAppBar} menu={ConsoleMenu} sx={{ minWidth: 0, '& .RaLayout-content': { minWidth: 0 } }}>
      {children}
    </RaLayout>
  );
}

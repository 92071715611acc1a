import { useMemo } from 'react';
import { Admin, CustomRoutes, Resource } from 'react-admin';
import { createBrowserRouter, Route, RouterProvider } from 'react-router-dom';
import EndpointIcon from '@mui/icons-material/Hub';
import MachineIcon from '@mui/icons-material/Dns';
import TaskIcon from '@mui/icons-material/Assignment';
import RunIcon from '@mui/icons-material/PlayCircle';
import OndemandLogIcon from '@mui/icons-material/ReceiptLong';
import EnqueueLogIcon from '@mui/icons-material/PlaylistAddCheck';
import LimitIcon from '@mui/icons-material/Speed';
import SuspensionIcon from '@mui/icons-material/Block';
import AuditIcon from '@mui/icons-material/History';
import { AuditList } from './admin/audit';
import { LimitCreate, LimitEdit, LimitList } from './admin/limits';
import { SuspensionCreate, SuspensionList } from './admin/suspensions';
import { createApiClient, authorizedFetch } from './api/client';
import { createAuthProvider } from './auth/auth-provider';
import { createUserManager, tokenSource } from './auth/oidc';
import { CONSOLE_BASE, type RuntimeConfig } from './config';
import { createDataProvider } from './data/data-provider';
import { Dashboard } from './dashboard/Dashboard';
import { EndpointCreate, EndpointEdit, EndpointList, EndpointShow } from './endpoints/endpoints';
import { Layout } from './layout/Layout';
import { LoginPage } from './layout/LoginPage';
import { RuntimeConfigContext } from './layout/runtime-config';
import { guarded } from './common/guarded';
import { theme } from './layout/theme';
import { EnqueueLogList } from './logs/enqueue-log';
import { OndemandLogList } from './logs/ondemand-log';
import { MachineCreate, MachineEdit, MachineList, MachineShow } from './machines/machines';
import { RunList, RunShow } from './runs/runs';
import { TaskCreate, TaskEdit, TaskList, TaskShow } from './tasks/tasks';
import { TryIt } from './tryit/TryIt';
import { Usage } from './usage/Usage';

/** The registry's pages ask whether the role may see them before loading anything. */
const GuardedMachineList = guarded('machines', 'list', MachineList);
const GuardedMachineShow = guarded('machines', 'show', MachineShow);
const GuardedMachineCreate = guarded('machines', 'create', MachineCreate);
const GuardedMachineEdit = guarded('machines', 'edit', MachineEdit);
const GuardedEndpointList = guarded('endpoints', 'list', EndpointList);
const GuardedEndpointShow = guarded('endpoints', 'show', EndpointShow);
const GuardedEndpointCreate = guarded('endpoints', 'create', EndpointCreate);
const GuardedEndpointEdit = guarded('endpoints', 'edit', EndpointEdit);
const GuardedTaskList = guarded('tasks', 'list', TaskList);
const GuardedTaskShow = guarded('tasks', 'show', TaskShow);
const GuardedTaskCreate = guarded('tasks', 'create', TaskCreate);
const GuardedTaskEdit = guarded('tasks', 'edit', TaskEdit);
/** Administrators' pages: limits, suspensions and the audit log. */
const GuardedLimitList = guarded('limits', 'list', LimitList);
const GuardedLimitCreate = guarded('limits', 'create', LimitCreate);
const GuardedLimitEdit = guarded('limits', 'edit', LimitEdit);
const GuardedSuspensionList = guarded('suspensions', 'list', SuspensionList);
const GuardedSuspensionCreate = guarded('suspensions', 'create', SuspensionCreate);
const GuardedAuditList = guarded('audit', 'list', AuditList);

function ConsoleAdmin({ config }: { config: RuntimeConfig }) {
  const { authProvider, dataProvider } = useMemo(() => {
    const users = createUserManager(config);
    const tokens = tokenSource(users);
    const api = createApiClient(config.api_base_url, tokens);
    const data = createDataProvider(api, authorizedFetch(tokens), config.api_base_url);
    return { dataProvider: data, authProvider: createAuthProvider(users, () => data.me()) };
  }, [config]);

  return (
    <RuntimeConfigContext.Provider value={config}>
      <Admin
        title="ClearGate"
        dataProvider={dataProvider}
        authProvider={authProvider}
        loginPage={LoginPage}
        dashboard={Dashboard}
        layout={Layout}
        theme={theme}
        requireAuth
        disableTelemetry
      >
        <Resource
          name="machines"
          options={{ label: 'Serving machines' }}
          icon={MachineIcon}
          list={GuardedMachineList}
          show={GuardedMachineShow}
          create={GuardedMachineCreate}
          edit={GuardedMachineEdit}
          recordRepresentation="name"
        />
        <Resource
          name="endpoints"
          icon={EndpointIcon}
          list={GuardedEndpointList}
          show={GuardedEndpointShow}
          create={GuardedEndpointCreate}
          edit={GuardedEndpointEdit}
          recordRepresentation="name"
        />
        <Resource
          name="tasks"
          icon={TaskIcon}
          list={GuardedTaskList}
          show={GuardedTaskShow}
          create={GuardedTaskCreate}
          edit={GuardedTaskEdit}
          recordRepresentation={(t: { name?: string | null; clearml_task_id: string }) => t.name ?? t.clearml_task_id}
        />
        <Resource name="runs" icon={RunIcon} list={RunList} show={RunShow} recordRepresentation="run_id" />
        <Resource name="ondemand-log" options={{ label: 'On-demand log' }} icon={OndemandLogIcon} list={OndemandLogList} />
        <Resource name="enqueue-log" options={{ label: 'Enqueue log' }} icon={EnqueueLogIcon} list={EnqueueLogList} />
        <Resource
          name="limits"
          icon={LimitIcon}
          list={GuardedLimitList}
          create={GuardedLimitCreate}
          edit={GuardedLimitEdit}
          recordRepresentation={(r: { scope: string; subject: string }) => `${r.scope} ${r.subject}`}
        />
        <Resource
          name="suspensions"
          options={{ label: 'Suspended users' }}
          icon={SuspensionIcon}
          list={GuardedSuspensionList}
          create={GuardedSuspensionCreate}
          recordRepresentation="username"
        />
        <Resource name="audit" options={{ label: 'Audit log' }} icon={AuditIcon} list={GuardedAuditList} />
        <CustomRoutes>
          <Route path="/try" element={<TryIt />} />
          <Route path="/usage" element={<Usage />} />
        </CustomRoutes>
      </Admin>
    </RuntimeConfigContext.Provider>
  );
}

export function App({ config }: { config: RuntimeConfig }) {
  // A data router (so that forms can warn before leaving with unsaved changes) on real paths
  // under /console/, which the gateway answers with the app (deep links work).
  const router = useMemo(
    () => createBrowserRouter([{ path: '*', element: <ConsoleAdmin config={config} /> }], { basename: CONSOLE_BASE }),
    [config],
  );
  return <RouterProvider router={router} />;
}

import {
  DataTable,
  List,
  Pagination,
  SelectInput,
  Show,
  SimpleList,
  TextInput,
  TopToolbar,
  ExportButton,
  FilterButton,
  usePermissions,
  useRecordContext,
} from 'react-admin';
import { Typography, useMediaQuery, type Theme } from '@mui/material';
import type { Run, RunRecord } from '../api/types';
import { RUN_STATUSES, TERMINAL_RUN_STATUSES } from '../api/types';
import { RunStatusChip } from '../common/chips';
import { ShortId } from '../common/PublicId';
import { when } from '../common/format';
import type { Permissions } from '../auth/auth-provider';
import { RunDetail } from './RunDetail';

const statusChoices = RUN_STATUSES.map((s) => ({ id: s, name: s.replace(/_/g, ' ') }));

function runFilters(admin: boolean) {
  return [
    <SelectInput key="status" source="status" choices={statusChoices} alwaysOn />,
    <TextInput key="task" source="task_id" label="Task id" />,
    ...(admin ? [<TextInput key="caller" source="caller" label="Caller" />] : []),
  ];
}

/** While a run on the page has not ended, the page is read again every few seconds. */
const refreshWhileRunning = (query: { state: { data?: { data?: Run[] } } }) =>
  query.state.data?.data?.some((r) => !TERMINAL_RUN_STATUSES.includes(r.status)) ? 3000 : false;

export function RunList() {
  const { permissions } = usePermissions<Permissions>();
  const small = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  const admin = !!permissions?.can.administer;
  return (
    <List
      title={admin ? 'Runs (everyone’s)' : 'Your runs'}
      filters={runFilters(admin)}
      actions={
        <TopToolbar>
          <FilterButton />
          <ExportButton maxResults={10000} />
        </TopToolbar>
      }
      queryOptions={{ refetchInterval: refreshWhileRunning as never }}
      pagination={<Pagination rowsPerPageOptions={[10, 25, 50, 100]} />}
      sort={{ field: 'created_at', order: 'DESC' }}
      empty={false}
    >
      {small ? (
        <SimpleList
          primaryText={(r) => (r as RunRecord).template_name ?? (r as RunRecord).task_id.slice(0, 12)}
          secondaryText={(r) => new Date((r as RunRecord).created_at).toLocaleString()}
          tertiaryText={(r) => (r as RunRecord).status.replace(/_/g, ' ')}
          linkType="show"
        />
      ) : (
        <DataTable rowClick="show" bulkActionButtons={false} empty={<EmptyRuns />}>
          <DataTable.Col source="created_at" label="Started" disableSort render={(r: Run) => when(r.created_at)} />
          <DataTable.Col
            source="template_name"
            label="Task"
            disableSort
            render={(r: Run) => r.template_name ?? <ShortId value={r.task_id} />}
          />
          {admin && <DataTable.Col source="caller" disableSort />}
          <DataTable.Col source="status" disableSort render={(r: Run) => <RunStatusChip status={r.status} />} />
          <DataTable.Col source="queue" disableSort />
          <DataTable.Col
            source="clearml_task_id"
            label="ClearML task"
            disableSort
            render={(r: Run) => <ShortId value={r.clearml_task_id} />}
          />
          <DataTable.Col source="finished_at" label="Ended" disableSort render={(r: Run) => when(r.finished_at)} />
        </DataTable>
      )}
    </List>
  );
}

function EmptyRuns() {
  return <Typography sx={{ p: 2 }}>No run matches. Start one from “Try it”.</Typography>;
}

function RunTitle() {
  const record = useRecordContext<Run>();
  return <>{record ? `Run of ${record.template_name ?? record.task_id.slice(0, 12)}` : 'Run'}</>;
}

export function RunShow() {
  return (
    <Show title={<RunTitle />} actions={false}>
      <RunDetail />
    </Show>
  );
}

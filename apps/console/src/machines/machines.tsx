import { createContext, useContext, useMemo } from 'react';
import {
  BooleanField,
  BooleanInput,
  Create,
  CreateButton,
  DataTable,
  DateField,
  DeleteWithConfirmButton,
  Edit,
  EditButton,
  FilterButton,
  List,
  NullableBooleanInput,
  NumberField,
  ReferenceManyField,
  SearchInput,
  SelectInput,
  Show,
  SimpleForm,
  SimpleList,
  TabbedShowLayout,
  TabbedShowLayoutTabs,
  TextField,
  TextInput,
  TopToolbar,
  ExportButton,
  required,
  maxLength,
  regex,
  useDataProvider,
  useListContext,
  useRecordContext,
  useCanAccess,
  Labeled,
  ArrayInput,
  SimpleFormIterator,
  Pagination,
  NumberInput,
  number,
  minValue,
  maxValue,
} from 'react-admin';
import { useQuery } from '@tanstack/react-query';
import { Alert, Box, Grid, Typography, useMediaQuery, type Theme } from '@mui/material';
import type { Machine, MachineHealth } from '../api/types';
import { CircuitChip } from '../common/chips';
import { CodeBlock } from '../common/CodeBlock';
import { EmptyState } from '../common/EmptyState';
import { FormDraft } from '../common/FormDraft';
import { when } from '../common/format';
import { PublicIdField } from '../common/PublicId';
import type { ConsoleDataProvider } from '../data/data-provider';
import { apiBase } from '../common/examples';
import { TryItButton } from '../tryit/TryItButton';

/** Health of the machines on the current page, fetched once for the page. */
const HealthContext = createContext<Map<string, MachineHealth> | undefined>(undefined);

function useMachineHealth(ids: string[]) {
  const dataProvider = useDataProvider<ConsoleDataProvider>();
  return useQuery({
    queryKey: ['machine-health', ids],
    queryFn: () => dataProvider.machineHealth(ids),
    enabled: ids.length > 0,
    refetchInterval: 15_000,
  });
}

function PageHealth({ children }: { children: React.ReactNode }) {
  const { data } = useListContext<Machine>();
  const ids = useMemo(() => (data ?? []).map((m) => m.machine_id), [data]);
  const { data: health } = useMachineHealth(ids);
  const byId = useMemo(() => new Map((health ?? []).map((h) => [h.machine_id, h])), [health]);
  return <HealthContext.Provider value={byId}>{children}</HealthContext.Provider>;
}

const percent = (rate: number | null) => (rate === null ? 'no calls' : `${Math.round(rate * 1000) / 10} % errors`);

function HealthCell() {
  const record = useRecordContext<Machine>();
  const health = useContext(HealthContext)?.get(record?.machine_id ?? '');
  if (!health) return <Typography variant="body2">–</Typography>;
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
      <CircuitChip state={health.circuit} />
      <Typography variant="body2">{percent(health.error_rate)}</Typography>
    </Box>
  );
}

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Name" />,
  <NullableBooleanInput key="enabled" source="enabled" label="Enabled" />,
];

function ListActions() {
  return (
    <TopToolbar>
      <FilterButton />
      <CreateButton label="Register a machine" />
      <ExportButton />
    </TopToolbar>
  );
}

export function MachineList() {
  const small = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  return (
    <List
      title="Serving machines"
      filters={filters}
      actions={<ListActions />}
      sort={{ field: 'created_at', order: 'DESC' }}
      pagination={<Pagination rowsPerPageOptions={[10, 25, 50, 100]} />}
      empty={<EmptyState resource="machines" text="No serving machine is registered yet." createLabel="Register a machine" />}
    >
      {small ? (
        <SimpleList
          primaryText={(m: Machine) => m.name}
          secondaryText={(m: Machine) => m.base_url}
          tertiaryText={(m: Machine) => m.protocol}
          linkType="show"
        />
      ) : (
        <PageHealth>
          <DataTable rowClick="show" bulkActionButtons={false}>
            <DataTable.Col source="name" />
            <DataTable.Col source="base_url" label="Base URL" disableSort />
            <DataTable.Col source="protocol" disableSort />
            <DataTable.NumberCol source="endpoint_count" label="Endpoints" disableSort />
            <DataTable.Col label="Health (15 min)" disableSort render={() => <HealthCell />} />
            <DataTable.Col source="enabled" disableSort field={BooleanField} />
            <DataTable.Col source="owner" disableSort />
            <DataTable.Col source="created_at" label="Registered" render={(r: { created_at: string }) => when(r.created_at)} />
          </DataTable>
        </PageHealth>
      )}
    </List>
  );
}

function MachineTitle() {
  const record = useRecordContext<Machine>();
  return <>{record ? `Machine ${record.name}` : 'Machine'}</>;
}

function HealthPanel() {
  const record = useRecordContext<Machine>();
  const { data, isPending, error } = useMachineHealth(record ? [record.machine_id] : []);
  if (!record) return null;
  if (isPending) return <Typography>Reading the machine’s health…</Typography>;
  if (error) return <Alert severity="error">{(error as Error).message}</Alert>;
  const health = data?.[0];
  if (!health) return <Typography>No health figures for this machine.</Typography>;
  return (
    <Grid container spacing={2}>
      <Grid size={{ xs: 12, sm: 6, md: 3 }}>
        <Labeled label="Circuit breaker">
          <Box>
            <CircuitChip state={health.circuit} />
            {health.circuit_since && (
              <Typography variant="body2" sx={{ mt: 0.5 }}>
                since {new Date(health.circuit_since).toLocaleString()}
              </Typography>
            )}
          </Box>
        </Labeled>
      </Grid>
      <Grid size={{ xs: 12, sm: 6, md: 3 }}>
        <Labeled label={`Calls (last ${health.window_minutes} min)`}>
          <Typography>
            {health.calls} calls, {health.errors} failed ({percent(health.error_rate)})
          </Typography>
        </Labeled>
      </Grid>
      <Grid size={{ xs: 12, md: 6 }}>
        <Labeled label="Last failed call (24 h)">
          {health.last_error ? (
            <Typography component="div">
              {new Date(health.last_error.at).toLocaleString()} · {health.last_error.endpoint} · {health.last_error.status_code}{' '}
              {health.last_error.outcome.replace(/_/g, ' ')}
              {health.last_error.error && (
                <Typography variant="body2" component="div" sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>
                  {health.last_error.error}
                </Typography>
              )}
            </Typography>
          ) : (
            <Typography>none</Typography>
          )}
        </Labeled>
      </Grid>
    </Grid>
  );
}

function MachineExamples() {
  const record = useRecordContext<Machine>();
  if (!record) return null;
  const base = apiBase();
  return (
    <Box>
      <Typography variant="body2" sx={{ mb: 2 }}>
        Give callers the machine id and an endpoint name (see its endpoints). With the id of a Snap4City user’s access token:
      </Typography>
      <CodeBlock
        title="curl"
        label="curl command"
        code={`curl -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\\n  --data '{"url": "https://example.org/5.jpg"}' \\\n  ${base}/v1/ondemand/${record.machine_id}/<endpoint>`}
      />
      <CodeBlock
        title="Node-RED “ClearML On-Demand Serving Auth” block input"
        label="Node-RED input"
        code={JSON.stringify(
          { machine_id: record.machine_id, endpoint: '<endpoint>', input: { url: 'https://example.org/5.jpg' } },
          null,
          2,
        )}
      />
    </Box>
  );
}

function ShowActions() {
  const record = useRecordContext<Machine>();
  const { canAccess: mayEdit } = useCanAccess({ action: 'edit', resource: 'machines', record });
  return (
    <TopToolbar>
      {mayEdit && <EditButton />}
      {mayEdit && (
        <DeleteWithConfirmButton
          confirmTitle={`Delete machine ${record?.name ?? ''}?`}
          confirmContent="Callers using its machine id will get 404. A machine with endpoints cannot be deleted: delete them first."
          mutationMode="pessimistic"
        />
      )}
    </TopToolbar>
  );
}

export function MachineShow() {
  return (
    <Show title={<MachineTitle />} actions={<ShowActions />}>
      <TabbedShowLayout tabs={<TabbedShowLayoutTabs variant="scrollable" scrollButtons="auto" />}>
        <TabbedShowLayout.Tab label="Summary">
          <Labeled label="Machine id (give this to callers)">
            <PublicIdField source="machine_id" label="Machine id" />
          </Labeled>
          <TextField source="name" />
          <TextField source="base_url" label="Base URL" />
          <TextField source="protocol" />
          <TextField source="serving_task_id" label="Serving task id" emptyText="–" />
          <TextField source="metrics_url" label="Metrics URL" emptyText="–" />
          <LabelsField />
          <NumberField source="max_in_flight" label="Calls in flight at most" emptyText="the router’s default" />
          <BooleanField source="enabled" />
          <TextField source="owner" />
          <DateField source="created_at" label="Registered" showTime />
          <DateField source="updated_at" label="Changed" showTime />
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="Health" path="health">
          <HealthPanel />
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="Endpoints" path="endpoints">
          <MachineEndpoints />
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="How to call it" path="examples">
          <MachineExamples />
        </TabbedShowLayout.Tab>
      </TabbedShowLayout>
    </Show>
  );
}

function MachineEndpoints() {
  const record = useRecordContext<Machine>();
  if (!record) return null;
  return (
    <>
      <CreateButton resource="endpoints" label="Add an endpoint" state={{ record: { machine_id: record.id } }} />
      <ReferenceManyField reference="endpoints" target="machine_id" source="id" label={false} perPage={50}>
        <DataTable
          rowClick="show"
          bulkActionButtons={false}
          empty={<Typography sx={{ p: 2 }}>No endpoint on this machine yet.</Typography>}
        >
          <DataTable.Col source="name" />
          <DataTable.Col source="visibility" disableSort />
          <DataTable.Col source="timeout_ms" label="Timeout (ms)" disableSort field={NumberField} />
          <DataTable.Col source="enabled" disableSort field={BooleanField} />
          <DataTable.Col label="" disableSort render={() => <TryItButton />} />
        </DataTable>
      </ReferenceManyField>
    </>
  );
}

function LabelsField() {
  const record = useRecordContext<Machine>();
  const labels = Object.entries(record?.labels ?? {});
  return (
    <Labeled label="Labels">
      <Typography component="span" variant="body2">
        {labels.length ? labels.map(([k, v]) => `${k}=${v}`).join(', ') : '–'}
      </Typography>
    </Labeled>
  );
}

const URL_PATTERN = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;

/** Labels are a record; the form edits them as key/value rows. */
type FormMachine = Omit<Partial<Machine>, 'labels'> & { labels?: Record<string, string> | { key: string; value: string }[] };

const toForm = (m: FormMachine) => ({
  ...m,
  labels: Array.isArray(m.labels) ? m.labels : Object.entries(m.labels ?? {}).map(([key, value]) => ({ key, value })),
});
const fromForm = (m: FormMachine) => ({
  ...m,
  serving_task_id: m.serving_task_id || null,
  metrics_url: m.metrics_url || null,
  max_in_flight: typeof m.max_in_flight === 'number' ? m.max_in_flight : null,
  labels: Object.fromEntries(
    ((Array.isArray(m.labels) ? m.labels : []) as { key: string; value: string }[])
      .filter((l) => l?.key)
      .map((l) => [l.key, l.value ?? '']),
  ),
});

function MachineForm() {
  return (
    <SimpleForm warnWhenUnsavedChanges>
      <FormDraft />
      <TextInput source="name" validate={[required(), maxLength(100)]} helperText="A name of your choice, unique among machines" />
      <TextInput
        source="base_url"
        label="Base URL"
        validate={[required(), regex(URL_PATTERN, 'An http(s) URL without query or fragment, e.g. http://10.0.0.5:8080')]}
        helperText="Where clearml-serving, the KServe v2 server or the OpenAI-compatible routes answer, e.g. http://10.0.0.5:8080 (for clearml-serving’s LLMs: http://10.0.0.5:8080/serve/openai)"
      />
      <SelectInput
        source="protocol"
        validate={required()}
        choices={[
          { id: 'clearml-serving', name: 'clearml-serving (POST /serve/{endpoint})' },
          { id: 'kserve-v2', name: 'KServe v2 / Triton (POST /v2/models/{model}/infer)' },
          { id: 'openai', name: 'OpenAI-compatible LLM server, vLLM (POST /v1/chat/completions…)' },
        ]}
      />
      <TextInput
        source="serving_task_id"
        label="Serving task id"
        helperText="The ClearML serving task behind the machine (optional)"
        validate={regex(/^[A-Za-z0-9_-]{1,64}$/, 'A ClearML id')}
      />
      <TextInput
        source="metrics_url"
        label="Metrics URL"
        helperText="Triton’s :8002/metrics, for Prometheus (optional)"
        validate={regex(/^https?:\/\//, 'An http(s) URL')}
      />
      <ArrayInput source="labels" helperText="Prometheus target labels (optional)">
        <SimpleFormIterator inline disableReordering>
          <TextInput source="key" label="Label" validate={regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/, 'Letters, digits, underscore')} />
          <TextInput source="value" label="Value" validate={maxLength(200)} />
        </SimpleFormIterator>
      </ArrayInput>
      <NumberInput
        source="max_in_flight"
        label="Calls in flight at most"
        validate={[number(), minValue(1), maxValue(100000)]}
        helperText="On-demand calls to this machine at once (each router replica); empty: the router’s default"
      />
      <BooleanInput source="enabled" defaultValue={true} />
    </SimpleForm>
  );
}

export function MachineCreate() {
  return (
    <Create title="Register a serving machine" redirect="show" transform={fromForm}>
      <MachineForm />
    </Create>
  );
}

export function MachineEdit() {
  return (
    <Edit
      title={<MachineTitle />}
      mutationMode="pessimistic"
      redirect="show"
      transform={fromForm}
      queryOptions={{ select: toForm as never }}
    >
      <MachineForm />
    </Edit>
  );
}

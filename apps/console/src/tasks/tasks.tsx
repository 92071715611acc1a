import { useMemo } from 'react';
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
  ExportButton,
  FilterButton,
  FormDataConsumer,
  Labeled,
  List,
  Pagination,
  RadioButtonGroupInput,
  SearchInput,
  Show,
  SimpleForm,
  SimpleList,
  SimpleShowLayout,
  TextField,
  TextInput,
  TopToolbar,
  FunctionField,
  maxLength,
  regex,
  required,
  useCanAccess,
  useRecordContext,
} from 'react-admin';
import { Box, Divider, Typography, useMediaQuery, type Theme } from '@mui/material';
import type { Task } from '../api/types';
import { CodeBlock } from '../common/CodeBlock';
import { EmptyState } from '../common/EmptyState';
import { apiBase } from '../common/examples';
import { FormDraft } from '../common/FormDraft';
import { when } from '../common/format';
import { PublicIdField, ShortId } from '../common/PublicId';
import { SharingField, SharingInputs } from '../common/sharing';
import { TryItButton } from '../tryit/TryItButton';
import { queueList } from './queues';
import { checkSchemaText, schemaToFields } from './schema-form';
import { SchemaPreview } from './SchemaFields';

const filters = [<SearchInput key="q" source="q" alwaysOn placeholder="Name" />];

export function TaskList() {
  const small = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  return (
    <List
      title="Runnable tasks"
      filters={filters}
      actions={
        <TopToolbar>
          <FilterButton />
          <CreateButton label="Register a task" />
          <ExportButton />
        </TopToolbar>
      }
      sort={{ field: 'created_at', order: 'DESC' }}
      pagination={<Pagination rowsPerPageOptions={[10, 25, 50, 100]} />}
      empty={<EmptyState resource="tasks" text="No ClearML task is registered as runnable yet." createLabel="Register a task" />}
    >
      {small ? (
        <SimpleList primaryText={(t: Task) => t.name ?? t.clearml_task_id} secondaryText={(t: Task) => t.default_queue} linkType="show" />
      ) : (
        <DataTable rowClick="show" bulkActionButtons={false}>
          <DataTable.Col source="name" render={(t: Task) => t.name ?? '(the ClearML task’s name)'} />
          <DataTable.Col source="task_id" label="Task id" disableSort render={(t: Task) => <ShortId value={t.task_id} />} />
          <DataTable.Col source="clearml_task_id" label="ClearML task" disableSort />
          <DataTable.Col source="default_queue" label="Queue" disableSort />
          <DataTable.Col source="visibility" disableSort />
          <DataTable.Col source="enabled" disableSort field={BooleanField} />
          <DataTable.Col source="created_at" label="Registered" render={(r: { created_at: string }) => when(r.created_at)} />
          <DataTable.Col label="" disableSort render={() => <TryItButton />} />
        </DataTable>
      )}
    </List>
  );
}

function TaskTitle() {
  const record = useRecordContext<Task>();
  return <>{record ? `Task ${record.name ?? record.clearml_task_id}` : 'Task'}</>;
}

/** An example input for a schema: its defaults, or one value per field. */
function exampleParams(task: Task): Record<string, unknown> {
  const { fields } = schemaToFields(task.params_schema);
  if (!fields.length) return { parameter_1: 'value' };
  return Object.fromEntries(
    fields.map((f) => [
      f.name,
      f.defaultValue ??
        (f.kind === 'number' || f.kind === 'integer' ? (f.minimum ?? 1) : f.kind === 'boolean' ? true : (f.choices?.[0]?.id ?? 'value')),
    ]),
  );
}

function Examples() {
  const record = useRecordContext<Task>();
  if (!record) return null;
  const base = apiBase();
  const params = exampleParams(record);
  return (
    <Box>
      <Typography variant="h6" component="h2" gutterBottom>
        How to start it
      </Typography>
      <CodeBlock
        title="curl"
        label="curl command"
        code={`curl -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\\n  --data '${JSON.stringify({ task_id: record.task_id, params })}' \\\n  ${base}/v1/runs`}
      />
      <CodeBlock
        title="Node-RED “ClearML Enqueue Task” block input"
        label="Node-RED input"
        code={JSON.stringify({ task_id: record.task_id, queue_name: record.default_queue, input: params }, null, 2)}
      />
    </Box>
  );
}

function SchemaShow() {
  const record = useRecordContext<Task>();
  const mapping = useMemo(() => schemaToFields(record?.params_schema), [record?.params_schema]);
  if (!record) return null;
  return (
    <Box
      sx={{ display: 'grid', gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(0, 1fr) minmax(0, 1fr)' }, gap: 2, width: '100%' }}
    >
      <Labeled label="Parameter schema">
        <Box
          component="pre"
          tabIndex={0}
          sx={{ m: 0, p: 1.5, bgcolor: 'grey.100', borderRadius: 1, overflowX: 'auto', contain: 'inline-size', fontSize: '0.8rem' }}
        >
          {record.params_schema ? JSON.stringify(record.params_schema, null, 2) : 'none: any JSON object is accepted'}
        </Box>
      </Labeled>
      <SchemaPreview mapping={mapping} />
    </Box>
  );
}

function ShowActions() {
  const record = useRecordContext<Task>();
  const { canAccess: mayEdit } = useCanAccess({ action: 'edit', resource: 'tasks', record });
  return (
    <TopToolbar>
      <TryItButton />
      {mayEdit && <EditButton />}
      {mayEdit && (
        <DeleteWithConfirmButton
          confirmTitle={`Delete task ${record?.name ?? record?.clearml_task_id ?? ''}?`}
          confirmContent="Callers using its task id will get 404. A task with runs cannot be deleted."
          mutationMode="pessimistic"
        />
      )}
    </TopToolbar>
  );
}

export function TaskShow() {
  return (
    <Show title={<TaskTitle />} actions={<ShowActions />}>
      <SimpleShowLayout>
        <Labeled label="Task id (give this to callers)">
          <PublicIdField source="task_id" label="Task id" />
        </Labeled>
        <TextField source="name" emptyText="(the ClearML task’s name)" />
        <TextField source="clearml_task_id" label="ClearML task" />
        <TextField source="default_queue" label="Default queue" />
        <FunctionField
          source="allowed_queues"
          label="Other queues callers may choose"
          render={(t: Task) => (t.allowed_queues.length ? t.allowed_queues.join(', ') : 'none: only the default queue')}
        />
        <TextField source="params_section" label="Hyperparameter section" />
        <SharingField />
        <BooleanField source="enabled" />
        <TextField source="owner" />
        <DateField source="created_at" label="Registered" showTime />
      </SimpleShowLayout>
      <Box sx={{ px: 2, pb: 2 }}>
        <SchemaShow />
        <Divider sx={{ my: 2 }} />
        <Examples />
      </Box>
    </Show>
  );
}

/** The schema is edited as text and sent as the object it parses to. */
const schemaText = (value: unknown) => (typeof value === 'string' ? value : value ? JSON.stringify(value, null, 2) : '');
const validateSchema = (value: unknown) => checkSchemaText(schemaText(value)).errors[0];
const fromForm = (task: Partial<Omit<Task, 'allowed_queues'>> & { params_schema?: unknown; allowed_queues?: unknown }) => {
  const text = schemaText(task.params_schema);
  return {
    ...task,
    name: task.name || null,
    params_schema: text.trim() ? JSON.parse(text) : null,
    allowed_queues: queueList(task.allowed_queues),
  };
};

const queueText = (value: unknown) => (Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : '');
const validateQueues = (value: unknown) => {
  const queues = queueList(value);
  if (queues.length > 50) return 'At most 50 queues';
  const bad = queues.find((q) => q.length > 200 || !/^[^\s]+(\s[^\s]+)*$/.test(q));
  return bad ? `Not a queue name: ${bad}` : undefined;
};

function SchemaEditor() {
  return (
    <Box
      sx={{ display: 'grid', gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(0, 1fr) minmax(0, 1fr)' }, gap: 2, width: '100%' }}
    >
      <Box>
        <TextInput
          source="params_schema"
          label="Parameter JSON Schema"
          multiline
          minRows={10}
          fullWidth
          format={schemaText}
          parse={(v: string) => v}
          validate={validateSchema}
          helperText="Optional. The registry checks every run's parameters against it (draft-07 or 2020-12)."
          slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace', fontSize: '0.85rem' } } }}
        />
      </Box>
      <Box>
        <FormDataConsumer>
          {({ formData }) => {
            const { schema, errors } = checkSchemaText(schemaText(formData.params_schema));
            return errors.length ? (
              <Typography variant="body2" color="error" role="status">
                The preview waits for a valid schema.
              </Typography>
            ) : (
              <SchemaPreview mapping={schemaToFields(schema)} />
            );
          }}
        </FormDataConsumer>
      </Box>
    </Box>
  );
}

function TaskForm() {
  return (
    <SimpleForm warnWhenUnsavedChanges>
      <FormDraft />
      <TextInput
        source="clearml_task_id"
        label="ClearML task id"
        validate={[required(), regex(/^[A-Za-z0-9_-]{1,64}$/, 'A ClearML id')]}
        helperText="The template task each run clones"
      />
      <TextInput
        source="default_queue"
        label="Default queue"
        validate={[required(), maxLength(200)]}
        helperText="Where runs go unless the caller names a queue"
      />
      <TextInput
        source="allowed_queues"
        label="Other queues callers may choose"
        format={queueText}
        parse={(v: string) => v}
        validate={validateQueues}
        helperText="Separated by commas; empty: only the default queue. Any other queue is refused before it reaches ClearML."
      />
      <TextInput source="name" validate={maxLength(200)} helperText="Clone name prefix; the ClearML task’s own name when empty" />
      <TextInput
        source="params_section"
        label="Hyperparameter section"
        defaultValue="General"
        validate={regex(/^[A-Za-z0-9_. -]+$/, 'A section name')}
      />
      <RadioButtonGroupInput
        source="visibility"
        defaultValue="private"
        choices={[
          { id: 'private', name: 'Private (you and administrators)' },
          { id: 'shared', name: 'Shared with users, roles or groups' },
          { id: 'public', name: 'Public (every signed-in user)' },
        ]}
      />
      <FormDataConsumer>{({ formData }) => (formData.visibility === 'shared' ? <SharingInputs /> : null)}</FormDataConsumer>
      <BooleanInput source="enabled" defaultValue={true} />
      <SchemaEditor />
    </SimpleForm>
  );
}

export function TaskCreate() {
  return (
    <Create title="Register a runnable task" redirect="show" transform={fromForm}>
      <TaskForm />
    </Create>
  );
}

export function TaskEdit() {
  return (
    <Edit title={<TaskTitle />} mutationMode="pessimistic" redirect="show" transform={fromForm}>
      <TaskForm />
    </Edit>
  );
}

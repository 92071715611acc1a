import {
  AutocompleteInput,
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
  NumberField,
  NumberInput,
  Pagination,
  RadioButtonGroupInput,
  ReferenceField,
  ReferenceInput,
  SearchInput,
  Show,
  SimpleForm,
  SimpleList,
  SimpleShowLayout,
  TextField,
  TextInput,
  TopToolbar,
  maxLength,
  maxValue,
  minValue,
  number,
  regex,
  required,
  useCanAccess,
  useRecordContext,
} from 'react-admin';
import { Box, Divider, Typography, useMediaQuery, type Theme } from '@mui/material';
import type { Endpoint, OpenaiModel } from '../api/types';
import { CodeBlock } from '../common/CodeBlock';
import { EmptyState } from '../common/EmptyState';
import { apiBase } from '../common/examples';
import { FormDraft } from '../common/FormDraft';
import { when } from '../common/format';
import { PublicIdField } from '../common/PublicId';
import { SharingInputs, SharingField } from '../common/sharing';
import { useLlmModel } from '../llm/models';
import { TryItButton } from '../tryit/TryItButton';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Name" />,
  <ReferenceInput key="machine" source="machine_id" reference="machines" label="Machine">
    <AutocompleteInput label="Machine" optionText="name" />
  </ReferenceInput>,
];

export function EndpointList() {
  const small = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  return (
    <List
      filters={filters}
      actions={
        <TopToolbar>
          <FilterButton />
          <CreateButton label="Register an endpoint" />
          <ExportButton />
        </TopToolbar>
      }
      sort={{ field: 'created_at', order: 'DESC' }}
      pagination={<Pagination rowsPerPageOptions={[10, 25, 50, 100]} />}
      empty={<EmptyState resource="endpoints" text="No on-demand endpoint is registered yet." createLabel="Register an endpoint" />}
    >
      {small ? (
        <SimpleList
          primaryText={(e: Endpoint) => e.name}
          secondaryText={(e: Endpoint) => e.machine_name}
          tertiaryText={(e: Endpoint) => e.visibility}
          linkType="show"
        />
      ) : (
        <DataTable rowClick="show" bulkActionButtons={false}>
          <DataTable.Col source="name" />
          <DataTable.Col source="machine_name" label="Machine" disableSort />
          <DataTable.Col source="visibility" disableSort />
          <DataTable.Col source="timeout_ms" label="Timeout (ms)" disableSort field={NumberField} />
          <DataTable.Col source="enabled" disableSort field={BooleanField} />
          <DataTable.Col source="owner" disableSort />
          <DataTable.Col source="created_at" label="Registered" render={(r: { created_at: string }) => when(r.created_at)} />
          <DataTable.Col label="" disableSort render={() => <TryItButton />} />
        </DataTable>
      )}
    </List>
  );
}

function EndpointTitle() {
  const record = useRecordContext<Endpoint>();
  return <>{record ? `Endpoint ${record.name} on ${record.machine_name}` : 'Endpoint'}</>;
}

/** How programs call an LLM endpoint: OpenAI's API on the gateway, the user's token as the key. */
function LlmExamples({ model }: { model: OpenaiModel }) {
  const base = apiBase();
  const request = { model: model.id, stream: true, messages: [{ role: 'user', content: 'Which tram line reaches Careggi?' }] };
  return (
    <Box>
      <Typography variant="h6" component="h2" gutterBottom>
        How to call it
      </Typography>
      <Typography variant="body2" sx={{ mb: 2 }}>
        A language model: OpenAI’s SDKs and clients reach it at <code>{base}/openai/v1</code> with a Snap4City access token as the API key
        and <code>"model": "{model.id}"</code>.
      </Typography>
      <CodeBlock
        title="curl (a streamed chat)"
        label="curl command"
        code={`curl -N -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\\n  --data '${JSON.stringify(request)}' \\\n  ${base}/openai/v1/chat/completions`}
      />
      <CodeBlock
        title="Python (the openai package)"
        label="Python example"
        code={`from openai import OpenAI\n\nclient = OpenAI(base_url="${base}/openai/v1", api_key=TOKEN)\nfor chunk in client.chat.completions.create(\n    model="${model.id}", messages=[{"role": "user", "content": "Which tram line reaches Careggi?"}], stream=True\n):\n    print(chunk.choices[0].delta.content or "", end="", flush=True)`}
      />
    </Box>
  );
}

function Examples() {
  const record = useRecordContext<Endpoint>();
  const llm = useLlmModel(record?.machine_id, record?.name);
  if (!record) return null;
  if (llm) return <LlmExamples model={llm} />;
  const base = apiBase();
  const input = { url: 'https://raw.githubusercontent.com/allegroai/clearml-serving/main/examples/pytorch/5.jpg' };
  return (
    <Box>
      <Typography variant="h6" component="h2" gutterBottom>
        How to call it
      </Typography>
      <CodeBlock
        title="curl (JSON input)"
        label="curl command"
        code={`curl -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\\n  --data '${JSON.stringify(input)}' \\\n  ${base}/v1/ondemand/${record.machine_id}/${record.name}`}
      />
      <CodeBlock
        title="curl (an image)"
        label="curl command for an image"
        code={`curl -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: image/jpeg' --data-binary @5.jpg \\\n  ${base}/v1/ondemand/${record.machine_id}/${record.name}`}
      />
      <CodeBlock
        title="Node-RED “ClearML On-Demand Serving Auth” block input"
        label="Node-RED input"
        code={JSON.stringify({ machine_id: record.machine_id, endpoint: record.name, input }, null, 2)}
      />
    </Box>
  );
}

function ShowActions() {
  const record = useRecordContext<Endpoint>();
  const { canAccess: mayEdit } = useCanAccess({ action: 'edit', resource: 'endpoints', record });
  return (
    <TopToolbar>
      <TryItButton />
      {mayEdit && <EditButton />}
      {mayEdit && (
        <DeleteWithConfirmButton
          confirmTitle={`Delete endpoint ${record?.name ?? ''}?`}
          confirmContent="Callers of this endpoint will get 404 from now on."
          mutationMode="pessimistic"
        />
      )}
    </TopToolbar>
  );
}

export function EndpointShow() {
  return (
    <Show title={<EndpointTitle />} actions={<ShowActions />}>
      <SimpleShowLayout>
        <TextField source="name" />
        <ReferenceField source="machine_id" reference="machines" label="Machine" link="show">
          <TextField source="name" />
        </ReferenceField>
        <Labeled label="Machine id (with the endpoint name, what callers send)">
          <PublicIdField source="machine_id" label="Machine id" />
        </Labeled>
        <TextField source="path" label="Upstream path" emptyText="the protocol’s default" />
        <NumberField source="timeout_ms" label="Timeout (ms)" />
        <NumberField source="max_in_flight" label="Calls in flight at most" emptyText="only the machine’s cap" />
        <SharingField />
        <BooleanField source="enabled" />
        <TextField source="owner" />
        <DateField source="created_at" label="Registered" showTime />
      </SimpleShowLayout>
      <Box sx={{ px: 2, pb: 2 }}>
        <Divider sx={{ mb: 2 }} />
        <Examples />
      </Box>
    </Show>
  );
}

function EndpointForm({ create }: { create?: boolean }) {
  return (
    <SimpleForm warnWhenUnsavedChanges>
      <FormDraft />
      {create && (
        <ReferenceInput source="machine_id" reference="machines">
          <AutocompleteInput label="Machine" optionText="name" validate={required()} />
        </ReferenceInput>
      )}
      <TextInput
        source="name"
        validate={[
          required(),
          maxLength(128),
          regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, 'Letters, digits, _ . - and / between segments'),
        ]}
        helperText="As clearml-serving named it (a version after a slash: mnist/2)"
      />
      <TextInput
        source="path"
        label="Upstream path"
        helperText="Only to override the protocol’s route, e.g. /serve/{endpoint}"
        validate={regex(/^\/[A-Za-z0-9_.~\-/{}%]*$/, 'An absolute path')}
      />
      <NumberInput source="timeout_ms" label="Timeout (ms)" defaultValue={30000} validate={[number(), minValue(100), maxValue(600000)]} />
      <NumberInput
        source="max_in_flight"
        label="Calls in flight at most"
        validate={[number(), minValue(1), maxValue(100000)]}
        helperText="Calls to this endpoint at once (each router replica), so that a slow model cannot take every slot; empty: only the machine’s cap"
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
    </SimpleForm>
  );
}

export function EndpointCreate() {
  return (
    <Create title="Register an on-demand endpoint" redirect="show">
      <EndpointForm create />
    </Create>
  );
}

export function EndpointEdit() {
  return (
    <Edit title={<EndpointTitle />} mutationMode="pessimistic" redirect="show">
      <EndpointForm />
    </Edit>
  );
}

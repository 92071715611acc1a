import {
  BooleanInput,
  Create,
  CreateButton,
  DataTable,
  DeleteWithConfirmButton,
  List,
  SimpleForm,
  TextInput,
  TopToolbar,
  maxLength,
  required,
  useRecordContext,
} from 'react-admin';
import type { Suspension } from '../api/types';
import { EmptyState } from '../common/EmptyState';
import { when } from '../common/format';

function LiftButton() {
  const s = useRecordContext<Suspension>();
  if (!s) return null;
  return (
    <DeleteWithConfirmButton
      label="Lift"
      aria-label={`Lift the suspension of ${s.username}`}
      confirmTitle={`Lift the suspension of ${s.username}?`}
      confirmContent="Their requests are accepted again at once."
      mutationMode="pessimistic"
      successMessage={`${s.username} may use ClearGate again`}
      redirect={false}
    />
  );
}

export function SuspensionList() {
  return (
    <List
      title="Suspended users"
      actions={
        <TopToolbar>
          <CreateButton label="Suspend a user" />
        </TopToolbar>
      }
      sort={{ field: 'suspended_at', order: 'DESC' }}
      pagination={false}
      empty={<EmptyState resource="suspensions" text="No user is suspended." createLabel="Suspend a user" />}
    >
      <DataTable rowClick={false} bulkActionButtons={false}>
        <DataTable.Col source="username" label="User" />
        <DataTable.Col source="reason" disableSort />
        <DataTable.Col source="suspended_by" label="By" />
        <DataTable.Col source="suspended_at" label="Since" render={(s: Suspension) => when(s.suspended_at)} />
        <DataTable.Col label="" disableSort render={() => <LiftButton />} />
      </DataTable>
    </List>
  );
}

export function SuspensionCreate() {
  return (
    <Create title="Suspend a user" redirect="list">
      <SimpleForm warnWhenUnsavedChanges>
        <TextInput source="username" label="User name" validate={[required(), maxLength(255)]} helperText="As in the realm" />
        <TextInput
          source="reason"
          label="Reason"
          multiline
          fullWidth
          validate={[required(), maxLength(1000)]}
          helperText="Shown to the user with every refusal, and kept in the audit record"
        />
        <BooleanInput
          source="stop_runs"
          label="Also stop their runs that are not finished"
          defaultValue={false}
          helperText="Through ClearML"
        />
      </SimpleForm>
    </Create>
  );
}

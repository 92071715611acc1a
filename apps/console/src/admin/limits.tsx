import {
  BooleanInput,
  Create,
  CreateButton,
  DataTable,
  DeleteWithConfirmButton,
  Edit,
  FormDataConsumer,
  List,
  NumberInput,
  SelectInput,
  SimpleForm,
  TextInput,
  TopToolbar,
  maxLength,
  minValue,
  number,
  required,
  useRecordContext,
} from 'react-admin';
import { Box, Typography } from '@mui/material';
import type { LimitRule, LimitScope, LimitValues } from '../api/types';
import { LIMIT_FIELDS, LIMIT_SCOPES } from '../api/types';
import { EmptyState } from '../common/EmptyState';
import { when } from '../common/format';

const SCOPE_LABELS: Record<LimitScope, string> = {
  role: 'A role (callers whose highest role it is)',
  user: 'A user',
  endpoint: 'An endpoint (its id)',
  task: 'A task (its id or public task id)',
};
const scopes = LIMIT_SCOPES.map((s) => ({ id: s, name: SCOPE_LABELS[s] }));

/** What each limit is, as its input says. */
export const LIMIT_LABELS: Record<keyof LimitValues, { label: string; help: string; min: number; integer: boolean }> = {
  calls_per_second: {
    label: 'Calls per second',
    help: 'On-demand calls per second, shared by every gateway replica',
    min: 0.001,
    integer: false,
  },
  burst: { label: 'Burst', help: 'Calls allowed at once after a quiet spell (with calls per second)', min: 1, integer: true },
  max_in_flight: { label: 'Calls in flight', help: 'On-demand calls of the caller at once', min: 1, integer: true },
  runs_per_day: { label: 'Runs per day', help: 'Runs requested per UTC day (0 refuses every run)', min: 0, integer: true },
  max_concurrent_runs: { label: 'Runs at once', help: 'Runs not finished at once (0 refuses every run)', min: 0, integer: true },
  tokens_per_day: {
    label: 'LLM tokens per day',
    help: 'Prompt and completion tokens of LLM endpoints per UTC day (0 refuses every LLM call)',
    min: 0,
    integer: true,
  },
};

/** A rule's limits in a few words: "5 calls/s (burst 10), 20 runs/day"; unlimited where lifted. */
export function limitsSummary(limits: LimitValues): string {
  const parts: string[] = [];
  for (const field of LIMIT_FIELDS) {
    const value = limits[field];
    if (value === undefined || field === 'burst') continue;
    const text = value === null ? 'unlimited' : String(value);
    if (field === 'calls_per_second') parts.push(`${text} calls/s${limits.burst ? ` (burst ${limits.burst})` : ''}`);
    else if (field === 'max_in_flight') parts.push(`${text} in flight`);
    else if (field === 'runs_per_day') parts.push(`${text} runs/day`);
    else if (field === 'tokens_per_day') parts.push(`${text} LLM tokens/day`);
    else parts.push(`${text} runs at once`);
  }
  return parts.join(', ') || 'nothing set (inherits everything)';
}

/** Who a rule applies to, as people read it. */
function subjectText(rule: LimitRule): string {
  const target =
    rule.scope === 'endpoint' && rule.target?.endpoint
      ? `${rule.target.endpoint} (${rule.target.machine_id?.slice(0, 12) ?? ''}…)`
      : rule.scope === 'task' && rule.target?.task_id
        ? `${rule.target.task_id.slice(0, 12)}…`
        : rule.subject;
  return rule.user ? `${target}, for ${rule.user}` : target;
}

export function LimitList() {
  return (
    <List
      title="Limits"
      actions={
        <TopToolbar>
          <CreateButton label="Add a rule" />
        </TopToolbar>
      }
      filters={[<SelectInput key="scope" source="scope" choices={scopes} alwaysOn emptyText="Every scope" />]}
      sort={{ field: 'scope', order: 'ASC' }}
      pagination={false}
      empty={<EmptyState resource="limits" text="No limit is set: every caller is unlimited." createLabel="Add a rule" />}
    >
      <DataTable rowClick="edit" bulkActionButtons={false}>
        <DataTable.Col source="scope" />
        <DataTable.Col source="subject" label="Applies to" disableSort render={(r: LimitRule) => subjectText(r)} />
        <DataTable.Col source="limits" disableSort render={(r: LimitRule) => limitsSummary(r.limits)} />
        <DataTable.Col source="updated_by" label="Set by" />
        <DataTable.Col source="updated_at" label="Set" render={(r: LimitRule) => when(r.updated_at)} />
      </DataTable>
    </List>
  );
}

/** One limit: a number, or empty to inherit it, or marked unlimited to lift it. */
function LimitInput({ field }: { field: keyof LimitValues }) {
  const { label, help, min, integer } = LIMIT_LABELS[field];
  return (
    <FormDataConsumer>
      {({ formData }) => {
        const lifted = (formData as { unlimited?: Record<string, boolean> }).unlimited?.[field] === true;
        return (
          <Box sx={{ display: 'flex', gap: 2, alignItems: 'baseline', flexWrap: 'wrap' }}>
            {lifted ? (
              // Lifted: no number to give (a disabled input would show its help too faintly to read).
              <Typography variant="body1" sx={{ minWidth: 260, py: 2 }} data-testid={`limit-${field}-lifted`}>
                {label}: unlimited, whatever a less specific rule says
              </Typography>
            ) : (
              <NumberInput
                source={`limits.${field}`}
                label={label}
                helperText={`${help}. Empty: inherited.`}
                min={min}
                step={integer ? 1 : 'any'}
                validate={[number(), minValue(min)]}
                sx={{ minWidth: 260 }}
              />
            )}
            <BooleanInput source={`unlimited.${field}`} label="Unlimited" helperText={false} />
          </Box>
        );
      }}
    </FormDataConsumer>
  );
}

function LimitForm({ creating }: { creating: boolean }) {
  return (
    <SimpleForm warnWhenUnsavedChanges>
      {creating ? (
        <>
          <SelectInput source="scope" choices={scopes} validate={required()} defaultValue="role" />
          <TextInput
            source="subject"
            label="Subject"
            validate={[required(), maxLength(255)]}
            helperText="The role (e.g. Public, Manager), the user name, the endpoint's id or the task's id"
          />
          <FormDataConsumer>
            {({ formData }) =>
              formData.scope === 'endpoint' || formData.scope === 'task' ? (
                <TextInput source="user" label="Only for user" validate={maxLength(255)} helperText="Empty: every caller" />
              ) : null
            }
          </FormDataConsumer>
        </>
      ) : (
        <RuleHeading />
      )}
      <Typography variant="subtitle2" component="h2" sx={{ mt: 1 }}>
        Limits (per caller)
      </Typography>
      {LIMIT_FIELDS.map((field) => (
        <LimitInput key={field} field={field} />
      ))}
      <TextInput source="reason" label="Why" multiline fullWidth validate={maxLength(1000)} helperText="Kept in the audit record" />
    </SimpleForm>
  );
}

function RuleHeading() {
  const rule = useRecordContext<LimitRule>();
  if (!rule) return null;
  return (
    <Typography variant="body1" component="p" data-testid="limit-rule-subject">
      {SCOPE_LABELS[rule.scope]}: <strong>{subjectText(rule)}</strong>
    </Typography>
  );
}

function RuleTitle() {
  const rule = useRecordContext<LimitRule>();
  return <>{rule ? `Limits of ${rule.scope} ${subjectText(rule)}` : 'Limits'}</>;
}

function EditActions() {
  const rule = useRecordContext<LimitRule>();
  return (
    <TopToolbar>
      <DeleteWithConfirmButton
        confirmTitle={`Delete the limits of ${rule ? `${rule.scope} ${subjectText(rule)}` : 'this rule'}?`}
        confirmContent="Its callers get the limits of the next, less specific rule."
        mutationMode="pessimistic"
        redirect="list"
      />
    </TopToolbar>
  );
}

export function LimitCreate() {
  return (
    <Create title="Add a limit rule" redirect="list">
      <LimitForm creating />
    </Create>
  );
}

export function LimitEdit() {
  return (
    <Edit title={<RuleTitle />} actions={<EditActions />} mutationMode="pessimistic" redirect="list">
      <LimitForm creating={false} />
    </Edit>
  );
}

import { useEffect, useMemo, useState } from 'react';
import {
  AutocompleteInput,
  Form,
  FormDataConsumer,
  RadioButtonGroupInput,
  ReferenceInput,
  SaveButton,
  TextInput,
  Title,
  required,
  useDataProvider,
  useGetOne,
  usePermissions,
  type HttpError,
} from 'react-admin';
import { useFormContext, useWatch } from 'react-hook-form';
import { useSearchParams } from 'react-router-dom';
import { Alert, Box, Card, CardContent, Chip, Tab, Tabs, Typography } from '@mui/material';
import SendIcon from '@mui/icons-material/Send';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import type { Endpoint, Run, Task } from '../api/types';
import type { Permissions } from '../auth/auth-provider';
import { FormDraft } from '../common/FormDraft';
import { ms } from '../common/format';
import type { ConsoleDataProvider, InvokeAnswer } from '../data/data-provider';
import { Chat } from '../llm/Chat';
import { useLlmModel } from '../llm/models';
import { RunDetail } from '../runs/RunDetail';
import { SchemaFields } from '../tasks/SchemaFields';
import { defaultParams, formValuesToParams, schemaToFields } from '../tasks/schema-form';

const validJson = (value: unknown) => {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  try {
    JSON.parse(value);
    return undefined;
  } catch {
    return 'Must be valid JSON';
  }
};

/** Picking a registered endpoint fills in its machine id and name. */
function EndpointPicker() {
  const { setValue } = useFormContext();
  return (
    <ReferenceInput source="endpoint_id" reference="endpoints" perPage={100}>
      <AutocompleteInput
        label="Registered endpoint"
        optionText={(e: Endpoint) => `${e.name} on ${e.machine_name}`}
        helperText="Or type the machine id and the endpoint name below"
        onChange={(_id: unknown, record: unknown) => {
          const e = record as Endpoint | '' | undefined;
          if (!e) return;
          setValue('machine_id', e.machine_id, { shouldDirty: true });
          setValue('endpoint', e.name, { shouldDirty: true });
        }}
      />
    </ReferenceInput>
  );
}

function AnswerView({ answer }: { answer: InvokeAnswer }) {
  const [text, setText] = useState<string | null>(null);
  const [image, setImage] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    if (answer.contentType?.startsWith('image/')) {
      url = URL.createObjectURL(answer.body);
      setImage(url);
    } else {
      void answer.body.text().then((t) => {
        try {
          setText(JSON.stringify(JSON.parse(t), null, 2));
        } catch {
          setText(t);
        }
      });
    }
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [answer]);
  const ok = answer.status < 400;
  return (
    <Card sx={{ mt: 2 }} component="section" aria-labelledby="answer-title" data-testid="invoke-answer">
      <CardContent>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
          <Typography variant="h6" component="h2" id="answer-title">
            Answer
          </Typography>
          <Chip
            size="small"
            variant="outlined"
            color={ok ? 'success' : 'error'}
            label={`HTTP ${answer.status}`}
            data-testid="invoke-status"
          />
          <Chip size="small" variant="outlined" label={ms(answer.ms)} data-testid="invoke-time" />
          {answer.contentType && <Chip size="small" variant="outlined" label={answer.contentType} />}
        </Box>
        {answer.requestId && (
          <Typography variant="caption" component="div" sx={{ mt: 1 }}>
            request id {answer.requestId}
          </Typography>
        )}
        {image ? (
          <Box component="img" src={image} alt="The model’s answer" sx={{ mt: 2, maxWidth: '100%' }} />
        ) : (
          <Box
            component="pre"
            tabIndex={0}
            aria-label="Answer body"
            sx={{ mt: 2, p: 1.5, bgcolor: 'grey.100', borderRadius: 1, overflowX: 'auto', contain: 'inline-size', fontSize: '0.85rem' }}
            data-testid="invoke-body"
          >
            {text ?? ''}
          </Box>
        )}
      </CardContent>
    </Card>
  );
}

interface Target {
  machineId: string;
  endpoint: string;
}

/** Reports the machine id and endpoint name the form holds, as they are typed or picked. */
function WatchTarget({ onChange }: { onChange: (target: Target) => void }) {
  const [machineId, endpoint] = useWatch({ name: ['machine_id', 'endpoint'] }) as [unknown, unknown];
  useEffect(() => {
    onChange({ machineId: String(machineId ?? '').trim(), endpoint: String(endpoint ?? '').trim() });
  }, [machineId, endpoint, onChange]);
  return null;
}

function CallEndpoint({ registrar }: { registrar: boolean }) {
  const dataProvider = useDataProvider<ConsoleDataProvider>();
  const [params] = useSearchParams();
  const [answer, setAnswer] = useState<InvokeAnswer | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [target, setTarget] = useState<Target>({ machineId: '', endpoint: '' });
  const llm = useLlmModel(target.machineId, target.endpoint);
  const defaults = useMemo(
    () => ({
      machine_id: params.get('machine_id') ?? '',
      endpoint: params.get('endpoint') ?? '',
      mode: 'json',
      json: '{\n  "url": "https://raw.githubusercontent.com/allegroai/clearml-serving/main/examples/pytorch/5.jpg"\n}',
    }),
    [params],
  );
  const submit = async (values: Record<string, unknown>) => {
    // An LLM is called from its chat (Enter in the machine id or name must not send the form).
    if (llm) return undefined;
    setFailure(null);
    const file = values['mode'] === 'image' ? (values['image'] as { rawFile?: File } | undefined)?.rawFile : undefined;
    if (values['mode'] === 'image' && !file) return { image: 'Choose an image' };
    try {
      const result = file
        ? await dataProvider.invoke(
            String(values['machine_id']).trim(),
            String(values['endpoint']).trim(),
            file,
            file.type || 'application/octet-stream',
          )
        : await dataProvider.invoke(
            String(values['machine_id']).trim(),
            String(values['endpoint']).trim(),
            String(values['json'] ?? ''),
            'application/json',
          );
      setAnswer(result);
    } catch (err) {
      setAnswer(null);
      setFailure((err as Error).message);
    }
    return undefined;
  };
  return (
    <>
      <Form defaultValues={defaults} onSubmit={submit}>
        <FormDraft name="try-endpoint" />
        {registrar && <EndpointPicker />}
        <TextInput
          source="machine_id"
          label="Machine id"
          validate={required()}
          helperText="The serving machine’s public id (64 hex characters)"
          fullWidth
        />
        <TextInput source="endpoint" label="Endpoint name" validate={required()} />
        <WatchTarget onChange={setTarget} />
        {llm ? (
          <Alert severity="info" sx={{ width: '100%', boxSizing: 'border-box' }}>
            {llm.endpoint} is a language model on an OpenAI-compatible machine: chat with it below.
          </Alert>
        ) : (
          <>
            <RadioButtonGroupInput
              source="mode"
              label="Input"
              choices={[
                { id: 'json', name: 'JSON' },
                { id: 'image', name: 'An image' },
              ]}
            />
            <FormDataConsumer>
              {({ formData }) =>
                formData.mode === 'image' ? (
                  <ImageChooser />
                ) : (
                  <TextInput
                    source="json"
                    label="JSON body"
                    multiline
                    minRows={4}
                    fullWidth
                    validate={validJson}
                    slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }}
                  />
                )
              }
            </FormDataConsumer>
            <SaveButton label="Send" icon={<SendIcon />} alwaysEnable />
          </>
        )}
      </Form>
      {llm ? (
        // Another endpoint is another conversation.
        <Chat key={llm.id} model={llm} send={dataProvider.openaiChat} />
      ) : (
        <>
          {failure && (
            <Alert severity="error" sx={{ mt: 2 }}>
              {failure}
            </Alert>
          )}
          {answer && <AnswerView answer={answer} />}
        </>
      )}
    </>
  );
}

/** A plain file input for the image (kept out of the saved draft: a file cannot be stored). */
function ImageChooser() {
  const { setValue, formState } = useFormContext();
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);
  const error = formState.errors['image']?.message as string | undefined;
  return (
    <Box sx={{ my: 2 }}>
      <Typography component="label" htmlFor="tryit-image" variant="body2" sx={{ display: 'block', mb: 1 }}>
        Image to send (its type is the request’s Content-Type)
      </Typography>
      <input
        id="tryit-image"
        type="file"
        accept="image/*"
        onChange={(e) => {
          const file = e.target.files?.[0];
          setValue('image', file ? { rawFile: file } : undefined);
          setPreview(file ? URL.createObjectURL(file) : null);
        }}
      />
      {error && (
        <Typography color="error" variant="body2" role="alert">
          {error}
        </Typography>
      )}
      {preview && <Box component="img" src={preview} alt="The image to send" sx={{ display: 'block', mt: 1, maxHeight: 160 }} />}
    </Box>
  );
}

/** The parameter inputs of the chosen task: its schema's form, or JSON when the schema cannot be read. */
function TaskParams({ registrar }: { registrar: boolean }) {
  const { watch, reset, getValues } = useFormContext();
  const taskId = String(watch('task_id') ?? '').trim();
  const readable = registrar && /^[a-f0-9]{64}$/.test(taskId);
  const { data: task, error } = useGetOne<Task>('tasks', { id: taskId }, { enabled: readable, retry: false });
  const mapping = useMemo(() => schemaToFields(task?.params_schema), [task]);
  useEffect(() => {
    // The task's defaults, unless the user already typed something.
    if (task && !getValues('params')) reset({ ...getValues(), params: defaultParams(mapping.fields) }, { keepDefaultValues: true });
  }, [task, mapping, reset, getValues]);
  if (readable && task && mapping.fields.length) {
    return (
      <Box sx={{ width: '100%' }}>
        <Typography variant="subtitle1" component="h3" sx={{ mb: 1 }}>
          Parameters of {task.name ?? task.clearml_task_id}
        </Typography>
        <SchemaFields fields={mapping.fields} />
      </Box>
    );
  }
  return (
    <>
      {readable && error && <Alert severity="warning">{(error as HttpError).message}</Alert>}
      <TextInput
        source="params_json"
        label="Parameters (JSON object)"
        multiline
        minRows={4}
        fullWidth
        validate={validJson}
        defaultValue="{}"
        slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }}
      />
    </>
  );
}

function StartTask({ registrar }: { registrar: boolean }) {
  const dataProvider = useDataProvider<ConsoleDataProvider>();
  const [params] = useSearchParams();
  const [run, setRun] = useState<Run | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [taskFields, setTaskFields] = useState<ReturnType<typeof schemaToFields> | null>(null);
  const defaults = useMemo(() => ({ task_id: params.get('task_id') ?? '', queue: '' }), [params]);

  const submit = async (values: Record<string, unknown>) => {
    setFailure(null);
    const taskId = String(values['task_id']).trim();
    let fields = taskFields;
    if (registrar && /^[a-f0-9]{64}$/.test(taskId)) {
      const { data } = await dataProvider.getOne<Task>('tasks', { id: taskId }).catch(() => ({ data: undefined }));
      fields = schemaToFields(data?.params_schema);
      setTaskFields(fields);
    }
    const runParams = fields?.fields.length
      ? formValuesToParams(fields.fields, values['params'] as Record<string, unknown>)
      : (JSON.parse(String(values['params_json'] || '{}')) as Record<string, unknown>);
    try {
      const { data } = await dataProvider.create('runs', {
        data: { task_id: taskId, queue: values['queue'] || undefined, params: runParams },
      });
      setRun(data as Run);
      return undefined;
    } catch (err) {
      const e = err as HttpError & { body?: { errors?: Record<string, string> } };
      setFailure(e.message);
      return e.body?.errors;
    }
  };
  return (
    <>
      <Form defaultValues={defaults} onSubmit={submit}>
        <FormDraft name="try-task" />
        {registrar && (
          <ReferenceInput source="task_id" reference="tasks" perPage={100}>
            <AutocompleteInput
              label="Registered task"
              optionValue="task_id"
              optionText={(t: Task) => t.name ?? t.clearml_task_id}
              helperText="The tasks you registered (administrators: all of them)"
              validate={required()}
            />
          </ReferenceInput>
        )}
        {!registrar && (
          <TextInput
            source="task_id"
            label="Task id"
            validate={required()}
            helperText="The task’s public id (64 hex characters)"
            fullWidth
          />
        )}
        <TextInput source="queue" label="Queue" helperText="Empty for the task’s default queue" />
        <TaskParams registrar={registrar} />
        <SaveButton label="Start the run" icon={<PlayArrowIcon />} alwaysEnable />
      </Form>
      {failure && (
        <Alert severity="error" sx={{ mt: 2 }}>
          {failure}
        </Alert>
      )}
      {run && (
        <Card sx={{ mt: 2 }}>
          <RunDetail runId={run.run_id} />
        </Card>
      )}
    </>
  );
}

/** Call an endpoint or start a task from the console and see what comes back. */
export function TryIt() {
  const [params, setParams] = useSearchParams();
  const { permissions } = usePermissions<Permissions>();
  const registrar = !!permissions?.can.register;
  const tab = params.has('task_id') || params.get('tab') === 'task' ? 1 : 0;
  return (
    <Box sx={{ mt: 2, mb: 4 }}>
      <Title title="Try it" />
      <Typography variant="h5" component="h1" gutterBottom>
        Try it
      </Typography>
      <Tabs
        value={tab}
        onChange={(_e, value: number) => setParams(value === 1 ? { tab: 'task' } : {})}
        aria-label="What to try"
        sx={{ mb: 2 }}
      >
        <Tab label="Call an endpoint" id="tab-endpoint" aria-controls="panel-endpoint" />
        <Tab label="Start a task" id="tab-task" aria-controls="panel-task" />
      </Tabs>
      <Card>
        <CardContent>
          {tab === 0 ? (
            <Box role="tabpanel" id="panel-endpoint" aria-labelledby="tab-endpoint">
              <CallEndpoint registrar={registrar} />
            </Box>
          ) : (
            <Box role="tabpanel" id="panel-task" aria-labelledby="tab-task">
              <StartTask registrar={registrar} />
            </Box>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}

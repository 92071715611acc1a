/**
 * tasks.* endpoints (apiserver/services/tasks.py, bll/task/task_bll.py, bll/task/task_operations.py,
 * bll/task/hyperparams.py).
 */
import { CallContext, EndpointDef } from './context';
import { ApiError, ERR, apiError } from './errors';
import {
  TASK_EXCLUDE_BY_DEFAULT,
  TASK_FIELDS,
  TASK_QUERY,
  TASK_SIMPLE_FIELDS,
  getMany,
  getProjection,
  project,
  splitProjection,
} from './query';
import { PeerStore, clone, newId, toWire } from './store';
import { changeStatus, isTaskStatus } from './status';
import { ConfigurationItem, Doc, ParamsItem, TASK_STATUSES, TASK_TYPES, TaskDoc, TaskStatus } from './types';
import { Req } from './validate';

const DELETED_PREFIX = '__DELETED__';

// ------------------------------------------------------------------------------------ helpers

/** services/utils.py validate_tags */
function validateTags(...lists: (unknown[] | undefined)[]): void {
  for (const list of lists) {
    if (list && list.some((t) => typeof t === 'string' && t.startsWith('__$'))) {
      throw apiError(ERR.fieldsValueError, "Tags cannot start with '__$'");
    }
  }
}

/** Artifacts are stored keyed by "key" and returned as a list (artifacts_unprepare_from_saved). */
function conformTask(d: Doc): Doc {
  const execution = d.execution as Doc | undefined;
  if (execution && execution.artifacts && !Array.isArray(execution.artifacts) && typeof execution.artifacts === 'object') {
    execution.artifacts = Object.values(execution.artifacts as Doc);
  }
  return d;
}

export function taskToWire(task: TaskDoc): unknown {
  return toWire(conformTask(project(task, [], TASK_EXCLUDE_BY_DEFAULT)));
}

/** artifacts_prepare_for_save: list of artifacts -> dict keyed by "key" (mode default output). */
function artifactsForSave(execution: Doc | undefined): void {
  if (!execution || !Array.isArray(execution.artifacts)) return;
  const out: Doc = {};
  for (const a of execution.artifacts as Doc[]) {
    if (a && typeof a === 'object') out[String(a.key)] = { mode: 'output', ...a };
  }
  execution.artifacts = out;
}

/** mongoengine validation of the document before save (min_length, required params items fields). */
function validateTaskDocument(t: Partial<TaskDoc>): void {
  const errors: Doc = {};
  if (typeof t.name === 'string' && t.name.trim().length < 3) errors.name = 'String value is too short';
  if (t.type !== undefined && !(TASK_TYPES as readonly string[]).includes(String(t.type))) {
    errors.type = `Value must be one of ${JSON.stringify(TASK_TYPES)}`;
  }
  for (const [section, params] of Object.entries(t.hyperparams ?? {})) {
    if (!params || typeof params !== 'object') {
      errors[`hyperparams.${section}`] = 'Invalid dictionary';
      continue;
    }
    for (const [name, item] of Object.entries(params)) {
      for (const f of ['section', 'name', 'value'] as const) {
        const v = (item as unknown as Doc | null)?.[f];
        if (v === undefined || v === null) errors[`hyperparams.${section}.${name}.${f}`] = 'Field is required';
        else if (typeof v !== 'string') errors[`hyperparams.${section}.${name}.${f}`] = 'StringField only accepts string values';
      }
    }
  }
  for (const [name, item] of Object.entries(t.configuration ?? {})) {
    for (const f of ['name', 'value'] as const) {
      const v = (item as unknown as Doc | null)?.[f];
      if (v === undefined || v === null) errors[`configuration.${name}.${f}`] = 'Field is required';
      else if (typeof v !== 'string') errors[`configuration.${name}.${f}`] = 'StringField only accepts string values';
    }
  }
  for (const [k, v] of Object.entries(t.container ?? {})) {
    if (v !== null && typeof v !== 'string') errors[`container.${k}`] = 'StringField only accepts string values';
  }
  if (Object.keys(errors).length) throw apiError(ERR.dataValidationError, null, errors);
}

/** TaskBLL.validate */
function validateReferences(store: PeerStore, t: Partial<TaskDoc>, opts: { parent: boolean; project: boolean }): void {
  if (opts.parent && t.parent && !t.parent.startsWith(DELETED_PREFIX) && !store.tasks.has(t.parent)) {
    throw apiError(ERR.invalidTaskId, 'invalid parent', { parent: t.parent });
  }
  if (t.project && opts.project && !store.projects.has(t.project)) {
    throw apiError(ERR.invalidProjectId, null, { id: t.project });
  }
}

/** param_utils.escape_paths prefix replacement for legacy paths in projection/ordering/filters. */
function escapeLegacyPath(path: string): string {
  const swaps: [string, string][] = [
    ['execution.parameters', 'hyperparams.Args'],
    ['execution.model_desc', 'configuration'],
    ['execution.docker_cmd', 'container'],
  ];
  let out = path;
  for (const [from, to] of swaps) out = out.split(from).join(to);
  return out;
}

function prepareQueryParams(store: PeerStore, data: Doc): Doc {
  const params: Doc = {};
  for (const [k, v] of Object.entries(data)) params[escapeLegacyPath(k)] = v;
  const projection = getProjection(params);
  if (Array.isArray(projection) && projection.length) {
    delete params.only_fields;
    params.projection = projection.map((p) => escapeLegacyPath(String(p)));
  }
  if (Array.isArray(params.order_by)) params.order_by = params.order_by.map((p) => escapeLegacyPath(String(p)));
  else if (typeof params.order_by === 'string') params.order_by = escapeLegacyPath(params.order_by);
  // process_include_subprojects
  if (params.include_subprojects && params.project) {
    const ids = Array.isArray(params.project) ? (params.project as unknown[]) : [params.project];
    const expanded = new Set<unknown>();
    for (const id of ids) {
      if (typeof id === 'string' && store.projects.has(id)) for (const c of store.projectWithChildren(id)) expanded.add(c);
      else expanded.add(id);
    }
    params.project = [...expanded];
  }
  return params;
}

/** services/tasks.py _hidden_query */
const hiddenFilter = (data: Doc) =>
  data.search_hidden || (Array.isArray(data.id) ? data.id.length : data.id) ? undefined : (t: TaskDoc) => !t.system_tags.includes('hidden');

// ------------------------------------------------------------------------------------ get_*

function getById(ctx: CallContext): Doc {
  const id = ctx.req.str('task', { required: true });
  return { task: taskToWire(ctx.store.assertTask(id)) };
}

/** mongoengine only() resolution of projection fields for tasks.get_all (no join support). */
function checkGetAllProjection(projection: unknown): void {
  if (!Array.isArray(projection)) return;
  for (const raw of projection) {
    const p = String(raw).replace(/^-/, '');
    const [top, ...rest] = p.split('.');
    if (p === '*' || p === '') continue;
    if (!TASK_FIELDS.has(top)) throw new ApiError(500, 0, `Cannot resolve field "${top}"`);
    if (rest.length && rest[0] !== '*' && TASK_SIMPLE_FIELDS.has(top)) {
      throw new ApiError(500, 0, `Cannot resolve subfield or operator ${rest[0]} on the field ${top}`);
    }
  }
}

function getAll(ctx: CallContext): Doc {
  const params = prepareQueryParams(ctx.store, ctx.data);
  checkGetAllProjection(params.projection);
  const ret: Doc = {};
  const { items } = getMany({
    store: ctx.store,
    docs: ctx.store.tasks.values(),
    params,
    options: TASK_QUERY,
    extra: hiddenFilter(ctx.data),
    excludeByDefault: TASK_EXCLUDE_BY_DEFAULT,
    ret,
  });
  return { tasks: items.map((t) => toWire(conformTask(t))), ...ret };
}

/** Task reference fields (sorted, as get_reference_fields) and the documents they point to. */
interface RefSpec {
  field: string;
  path: string[];
  lookup: (store: PeerStore, id: string) => Doc | undefined;
  exclude: readonly string[];
}
const TASK_REFS: RefSpec[] = [
  { field: 'company', path: ['company'], lookup: (s, id) => (id === s.company.id ? { ...s.company } : undefined), exclude: [] },
  { field: 'execution.queue', path: ['execution', 'queue'], lookup: (s, id) => s.queues.get(id), exclude: [] },
  { field: 'models.input.model', path: ['models', 'input', '*', 'model'], lookup: () => undefined, exclude: [] },
  { field: 'models.output.model', path: ['models', 'output', '*', 'model'], lookup: () => undefined, exclude: [] },
  { field: 'parent', path: ['parent'], lookup: (s, id) => s.tasks.get(id), exclude: TASK_EXCLUDE_BY_DEFAULT },
  { field: 'project', path: ['project'], lookup: (s, id) => s.projects.get(id), exclude: ['path', 'company_origin', 'logo_blob'] },
  { field: 'user', path: ['user'], lookup: (s, id) => s.users.get(id), exclude: [] },
];

function replaceAtPath(obj: unknown, path: string[], fn: (v: unknown) => unknown): void {
  if (!obj || typeof obj !== 'object') return;
  const [head, ...rest] = path;
  if (head === '*') {
    if (Array.isArray(obj)) for (const el of obj) replaceAtPath(el, rest, fn);
    return;
  }
  if (Array.isArray(obj) || !(head in (obj as Doc))) return;
  if (!rest.length) (obj as Doc)[head] = fn((obj as Doc)[head]);
  else replaceAtPath((obj as Doc)[head], rest, fn);
}

/**
 * tasks.get_all_ex: Task.get_many_with_join. Every reference field in the result becomes an object
 * {id}; projecting "project.name" (or any "<ref>.<field>") joins the referenced document.
 */
function getAllEx(ctx: CallContext): Doc {
  if (ctx.data.filters !== undefined && ctx.data.filters !== null) {
    throw apiError(ERR.validationError, 'the "filters" field is not supported by this ClearML peer');
  }
  const params = prepareQueryParams(ctx.store, ctx.data);
  const projection = (getProjection(params) as unknown[]).map(String);
  // ProjectionHelper._collect_projection_fields
  const docProjection = new Set<string>();
  const joins = new Map<RefSpec, Set<string>>();
  for (const field of projection) {
    const bare = field.replace(/^-/, '');
    const ref = TASK_REFS.find((r) => bare.startsWith(`${r.field}.`));
    if (ref) {
      if (!joins.has(ref)) joins.set(ref, new Set());
      const sub = bare.slice(ref.field.length + 1);
      if (sub) joins.get(ref)!.add(sub);
      continue;
    }
    const f = field.endsWith('.*') ? field.slice(0, -2) : field;
    if (!f.replace(/^-/, '')) throw apiError(ERR.invalidFields, null, { field, object: 'Task' });
    docProjection.add(f);
  }
  const invalid = [...docProjection].filter((f) => f !== '*' && !TASK_FIELDS.has(f.split('.')[0].replace(/^-/, '')));
  if (invalid.length) throw apiError(ERR.invalidFields, null, { fields: invalid, object: 'Task' });
  for (const ref of joins.keys()) {
    if (![...docProjection].some((f) => ref.field.startsWith(f))) docProjection.add(ref.field);
  }
  let doc = [...docProjection];
  if (doc.includes('*')) doc = doc.filter((f) => f !== '*' && f.startsWith('-'));
  else if (doc.length && !doc.every((p) => p.startsWith('-')) && !doc.includes('id')) doc.push('id');

  const ret: Doc = {};
  const { items } = getMany({
    store: ctx.store,
    docs: ctx.store.tasks.values(),
    params,
    options: TASK_QUERY,
    extra: hiddenFilter(ctx.data),
    projection: doc,
    excludeByDefault: TASK_EXCLUDE_BY_DEFAULT,
    ret,
  });
  for (const item of items) {
    for (const ref of TASK_REFS) {
      const subfields = joins.get(ref);
      replaceAtPath(item, ref.path, (id) => {
        const proxy: Doc = typeof id === 'string' && id ? { id } : {};
        if (subfields && typeof id === 'string' && id) {
          const target = ref.lookup(ctx.store, id);
          if (target) {
            const all = subfields.has('*') || !subfields.size;
            const { include, exclude } = splitProjection(all ? [] : ['id', ...subfields], ref.exclude);
            Object.assign(proxy, project(target, include, exclude));
          }
        }
        return proxy;
      });
    }
    conformTask(item);
  }
  return { tasks: items.map((t) => toWire(t)), ...ret };
}

function getHyperParams(ctx: CallContext): Doc {
  const ids = ctx.req.strList('tasks') ?? [];
  const missing = ids.filter((id) => !ctx.store.tasks.has(id));
  if (missing.length || new Set(ids).size !== ids.length) throw apiError(ERR.invalidTaskId, null, { ids });
  return {
    params: ids.map((id) => {
      const t = ctx.store.tasks.get(id)!;
      const list = Object.values(t.hyperparams).flatMap((s) => Object.values(s));
      list.sort((a, b) => (a.section === b.section ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.section < b.section ? -1 : 1));
      return { task: id, hyperparams: toWire(list) };
    }),
  };
}

// ------------------------------------------------------------------------------------ create / clone / edit

const CREATE_FIELDS = [
  'name',
  'tags',
  'system_tags',
  'type',
  'comment',
  'parent',
  'project',
  'input',
  'models',
  'container',
  'output_dest',
  'execution',
  'hyperparams',
  'configuration',
  'script',
  'runtime',
] as const;

function parseTaskFields(ctx: CallContext, allowed: readonly string[], previous?: TaskDoc): Doc {
  const fields: Doc = {};
  for (const key of allowed) {
    if (ctx.data[key] !== undefined) fields[key] = clone(ctx.data[key]);
  }
  validateTags(fields.tags as unknown[] | undefined, fields.system_tags as unknown[] | undefined);
  for (const key of ['tags', 'system_tags']) {
    if (fields[key] !== undefined && !Array.isArray(fields[key]))
      throw apiError(ERR.validationError, `value is wrong, expected type "list" ${String(fields[key])}`);
    if (Array.isArray(fields[key])) fields[key] = [...new Set(fields[key] as string[])].sort();
  }
  if (fields.output_dest !== undefined && fields.output_dest !== null) {
    fields.output = { ...(previous?.output ?? {}), destination: fields.output_dest };
  }
  delete fields.output_dest;
  if (fields.execution && typeof fields.execution === 'object') artifactsForSave(fields.execution as Doc);
  for (const key of ['container', 'hyperparams', 'configuration', 'execution', 'script', 'runtime', 'models']) {
    if (fields[key] !== undefined && fields[key] !== null && (typeof fields[key] !== 'object' || Array.isArray(fields[key]))) {
      throw apiError(ERR.validationError, `value is wrong, expected type "dict" ${String(fields[key])}`);
    }
  }
  const script = fields.script as Doc | undefined;
  if (script) {
    for (const k of ['binary', 'repository', 'tag', 'branch', 'version_num', 'entry_point', 'working_dir']) {
      if (typeof script[k] === 'string') script[k] = (script[k] as string).trim();
    }
  }
  if (typeof fields.name === 'string') fields.name = fields.name.trim();
  return fields;
}

function create(ctx: CallContext): Doc {
  ctx.req.str('name', { required: true });
  ctx.req.str('type', { required: true, choices: TASK_TYPES });
  const fields = parseTaskFields(ctx, CREATE_FIELDS);
  const task = ctx.store.newTaskDoc({
    ...(fields as Partial<TaskDoc>),
    name: String(fields.name),
    type: String(fields.type),
    user: ctx.identity.user,
  });
  if (fields.execution) task.execution = { test_split: 0, parameters: {}, model_desc: {}, artifacts: {}, ...(fields.execution as Doc) };
  if (fields.script) task.script = { binary: 'python', repository: '', entry_point: '', requirements: {}, ...(fields.script as Doc) };
  if (fields.models) task.models = { input: [], output: [], ...(fields.models as Doc) } as TaskDoc['models'];
  validateReferences(ctx.store, task, { parent: true, project: true });
  validateTaskDocument(task);
  ctx.store.insertTask(task);
  return { id: task.id };
}

/** TaskBLL.clone_task */
function cloneTask(ctx: CallContext): Doc {
  const r = ctx.req;
  const taskId = r.str('task', { required: true });
  const name = r.str('new_task_name');
  const comment = r.str('new_task_comment');
  const tags = r.strList('new_task_tags');
  const systemTags = r.strList('new_task_system_tags');
  const parent = r.str('new_task_parent');
  let projectId = r.str('new_task_project');
  const hyperparams = r.dict('new_task_hyperparams');
  const configuration = r.dict('new_task_configuration');
  let container = r.dict('new_task_container');
  const overrides = clone(r.dict('execution_overrides'));
  const inputModels = r.list('new_task_input_models');
  const validateRefs = r.bool('validate_references', false);
  const newProjectName = r.str('new_project_name');
  validateTags(tags, systemTags);

  const source = ctx.store.tasks.get(taskId);
  if (!source) throw apiError(ERR.invalidTaskId, null, { id: taskId });
  const now = ctx.store.clock.date();
  const user = ctx.identity.user;
  const nonEmpty = (d: Doc | undefined): d is Doc => !!d && Object.keys(d).length > 0;

  let models = clone(source.models.input);
  if (inputModels && inputModels.length) {
    models = (inputModels as Doc[]).map((m) => ({ model: m.model, name: m.name, updated: now }));
  }
  const execution = clone(source.execution);
  if (nonEmpty(overrides)) {
    const model = overrides.model;
    delete overrides.model;
    if (!(inputModels && inputModels.length) && model) models = [{ model, name: 'Input Model', updated: now }];
    const dockerCmd = overrides.docker_cmd;
    delete overrides.docker_cmd;
    if (!nonEmpty(container) && typeof dockerCmd === 'string' && dockerCmd) {
      const i = dockerCmd.indexOf(' ');
      container = i < 0 ? { image: dockerCmd, arguments: '' } : { image: dockerCmd.slice(0, i), arguments: dockerCmd.slice(i + 1) };
    }
    artifactsForSave(overrides);
    delete overrides.parameters;
    delete overrides.configuration;
    Object.assign(execution, overrides);
  }
  const artifacts = execution.artifacts as Doc | undefined;
  if (artifacts && typeof artifacts === 'object') {
    execution.artifacts = Object.fromEntries(Object.entries(artifacts).filter(([, a]) => ((a as Doc)?.mode ?? 'output') !== 'output'));
  }
  delete execution.queue;

  let newProject: Doc | undefined;
  if (!projectId && newProjectName) {
    const p = ctx.store.projectByName(newProjectName) ?? ctx.store.addProject({ name: newProjectName, user });
    projectId = p.id;
    newProject = { id: p.id, name: newProjectName };
  }
  const cleanSystemTags = (list: string[]): string[] => list.filter((t) => t !== 'development' && t !== 'archived');
  const parentTask = source.parent && !source.parent.startsWith(DELETED_PREFIX) ? source.parent : source.id;
  const output: Doc = source.output?.destination ? { destination: source.output.destination } : {};

  const task = ctx.store.newTaskDoc({
    id: newId(),
    user,
    created: now,
    last_update: now,
    last_change: now,
    last_changed_by: user,
    name: name || source.name,
    type: source.type,
    parent: parent || parentTask,
    tags: [...(tags && tags.length ? tags : source.tags)].sort(),
    system_tags: [...(systemTags && systemTags.length ? systemTags : cleanSystemTags(source.system_tags))].sort(),
    script: clone(source.script),
    output,
    models: { input: models, output: [] },
    container: nonEmpty(container) ? (clone(container) as TaskDoc['container']) : clone(source.container),
    execution,
    configuration: nonEmpty(configuration) ? (clone(configuration) as Record<string, ConfigurationItem>) : clone(source.configuration),
    hyperparams: nonEmpty(hyperparams) ? (clone(hyperparams) as Record<string, Record<string, ParamsItem>>) : clone(source.hyperparams),
  });
  const c = comment || source.comment;
  if (c !== undefined) task.comment = c;
  const proj = projectId || source.project;
  if (proj) task.project = proj;
  validateReferences(ctx.store, task, { parent: validateRefs || !!parent, project: validateRefs || !!projectId });
  validateTaskDocument(task);
  ctx.store.insertTask(task);
  return { id: task.id, ...(newProject ? { new_project: newProject } : {}) };
}

/** Task fields a user may set without touching last_update (user_set_allowed). */
const USER_SET_ALLOWED = new Set(['name', 'status_message', 'comment', 'created', 'project', 'tags', 'system_tags']);
const EMBEDDED_FIELDS = new Set(['execution', 'script', 'output', 'models']);

function edit(ctx: CallContext): Doc {
  const id = ctx.req.str('task', { required: true });
  const force = ctx.req.bool('force', false);
  ctx.req.str('status_reason');
  ctx.req.str('status_message');
  const task = ctx.store.taskForWrite(id);
  if (!force && task.status !== 'created') {
    throw apiError(ERR.invalidTaskStatus, null, { expected: 'created', status: task.status });
  }
  const fields = parseTaskFields(ctx, [...CREATE_FIELDS, 'status'], task);
  for (const key of Object.keys(fields)) {
    const current = task[key];
    const value = fields[key];
    if (EMBEDDED_FIELDS.has(key) && current && typeof current === 'object' && value && typeof value === 'object') {
      fields[key] = { ...(current as Doc), ...(value as Doc) };
    }
  }
  if (fields.status !== undefined && !isTaskStatus(fields.status)) {
    throw apiError(ERR.dataValidationError, null, { status: `Value must be one of ${JSON.stringify(TASK_STATUSES)}` });
  }
  validateReferences(ctx.store, { ...task, ...fields } as TaskDoc, { parent: true, project: true });
  if (fields.hyperparams || fields.configuration || fields.container) {
    validateTaskDocument({
      hyperparams: fields.hyperparams as TaskDoc['hyperparams'],
      configuration: fields.configuration as TaskDoc['configuration'],
      container: fields.container as TaskDoc['container'],
    });
  }
  if (!Object.keys(fields).length) return { updated: 0 };
  const now = ctx.store.clock.date();
  const lastChange: Doc = { last_change: now, last_changed_by: ctx.identity.user };
  if (!Object.keys(fields).every((k) => USER_SET_ALLOWED.has(k))) lastChange.last_update = now;
  Object.assign(fields, lastChange);
  for (const [k, v] of Object.entries(fields)) {
    if (v === null) delete task[k];
    else task[k] = clone(v);
  }
  ctx.store.touchProject(task.project);
  return { updated: 1, fields: toWire(conformTask(clone(fields))) };
}

/** HyperParams.edit_params */
function editHyperParams(ctx: CallContext): Doc {
  const id = ctx.req.str('task', { required: true });
  const items = ctx.req.list('hyperparams', { required: true })!;
  const replace = ctx.req.str('replace_hyperparams', { choices: ['none', 'section', 'all'], default: 'none' });
  const force = ctx.req.bool('force', false);
  const params: ParamsItem[] = items.map((raw) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      throw apiError(ERR.validationError, `value is wrong, expected type "dict" ${String(raw)}`);
    }
    const item = new Req(raw as Doc);
    const p: ParamsItem = {
      section: item.str('section', { required: true }),
      name: item.str('name', { required: true }),
      value: item.str('value', { required: true }),
    };
    const type = item.str('type');
    const description = item.str('description');
    if (type !== undefined) p.type = type;
    if (description !== undefined) p.description = description;
    return p;
  });
  for (const p of params) if (p.section.toLowerCase() === 'properties') p.section = 'properties';
  const propertiesOnly = params.every((p) => p.section === 'properties');
  const task = ctx.store.taskForWrite(id);
  if (!propertiesOnly) {
    const allowed: TaskStatus[] = force ? ['created', 'in_progress'] : ['created'];
    if (!allowed.includes(task.status)) throw apiError(ERR.invalidTaskStatus, null, { expected: 'created', status: task.status });
  }
  const sections: Record<string, Record<string, ParamsItem>> = {};
  for (const p of params) (sections[p.section] ??= {})[p.name] = { ...p };
  if (replace === 'all') task.hyperparams = sections;
  else if (replace === 'section') Object.assign(task.hyperparams, sections);
  else for (const [s, ps] of Object.entries(sections)) task.hyperparams[s] = { ...(task.hyperparams[s] ?? {}), ...ps };
  const now = ctx.store.clock.date();
  task.last_update = now;
  task.last_change = now;
  task.last_changed_by = ctx.identity.user;
  return { updated: 1 };
}

// ------------------------------------------------------------------------------------ status operations

/** task_operations.enqueue_task */
function enqueue(ctx: CallContext): Doc {
  const r = ctx.req;
  const id = r.str('task', { required: true });
  let queueId = r.str('queue');
  const queueName = r.str('queue_name');
  const statusReason = r.str('status_reason');
  const statusMessage = r.str('status_message');
  const force = r.bool('force', false);
  const verifyWatched = r.bool('verify_watched_queue', false);
  const updateExecutionQueue = r.bool('update_execution_queue', true);
  if (verifyWatched && !updateExecutionQueue) {
    throw apiError(ERR.validationError, 'verify_watched_queue cannot be used with update_execution_queue=False');
  }
  if (queueId && queueName) throw apiError(ERR.validationError, 'Either queue id or queue name should be provided');
  const store = ctx.store;
  const task = store.taskForWrite(id);
  if (!updateExecutionQueue && !(task.status === 'queued' && task.execution.queue)) {
    throw apiError(
      ERR.validationError,
      'Cannot skip setting execution queue for a task that is not enqueued or does not have execution queue set',
    );
  }
  if (queueName) queueId = (store.queueByName(queueName) ?? store.addQueue({ name: queueName })).id;
  if (!queueId) queueId = store.defaultQueue().id;

  const original = task.status;
  const beforeEnqueue = task.status === 'queued' && task.enqueue_status ? task.enqueue_status : task.status;
  const res = changeStatus(store, task, {
    newStatus: 'queued',
    statusReason,
    statusMessage,
    force,
    userId: ctx.identity.user,
    set: { enqueue_status: beforeEnqueue },
  });
  try {
    store.addToQueue(queueId, task.id);
  } catch (e) {
    // failed enqueueing, revert to the previous state
    changeStatus(store, task, {
      newStatus: original,
      currentStatusOverride: 'queued',
      force: true,
      statusReason: 'failed enqueueing',
      userId: ctx.identity.user,
      unset: ['enqueue_status'],
    });
    throw e;
  }
  if (updateExecutionQueue) {
    task.execution.queue = queueId;
    res.fields['execution.queue'] = queueId;
  }
  store.removeFromAllQueues(task.id, queueId);
  const out: Doc = { queued: 1, updated: res.updated, fields: toWire(res.fields) };
  if (verifyWatched) {
    out.queue_watched = [...store.workers.values()].some((w) => w.queues.includes(queueId!));
  }
  return out;
}

/** TaskBLL.dequeue (silent): remove a queued task from its execution queue. */
function dequeueSilently(store: PeerStore, task: TaskDoc): Doc | undefined {
  if (task.status !== 'queued' || !task.execution.queue) return undefined;
  try {
    return { removed: store.removeFromQueue(String(task.execution.queue), task.id) };
  } catch (e) {
    if (e instanceof ApiError) return undefined;
    throw e;
  }
}

/** task_operations.stop_task */
function stop(ctx: CallContext): Doc {
  const id = ctx.req.str('task', { required: true });
  const force = ctx.req.bool('force', false);
  const statusReason = ctx.req.str('status_reason');
  ctx.req.str('status_message'); // accepted by the schema, not used by the server
  const store = ctx.store;
  const task = store.taskForWrite(id);
  const nowMs = store.clock.now();
  const runByWorker = !!task.last_worker && !!task.last_update && (nowMs - task.last_update.getTime()) / 1000 < 600;
  const isQueued = task.status === 'queued';
  const setStopped = isQueued || task.system_tags.includes('development') || !runByWorker;
  let newStatus: TaskStatus;
  let statusMessage: string;
  if (setStopped) {
    if (isQueued) dequeueSilently(store, task);
    newStatus = 'stopped';
    statusMessage = `Stopped by ${ctx.identity.user_name}`;
  } else {
    newStatus = task.status;
    statusMessage = 'stopping';
  }
  const res = changeStatus(store, task, { newStatus, statusReason, statusMessage, force, userId: ctx.identity.user });
  return { updated: res.updated, fields: toWire(res.fields) };
}

/** task_operations.reset_task */
function reset(ctx: CallContext): Doc {
  const r = ctx.req;
  const id = r.str('task', { required: true });
  const force = r.bool('force', false);
  const clearAll = r.bool('clear_all', false);
  const returnFileUrls = r.bool('return_file_urls', false);
  r.bool('delete_output_models', true);
  r.bool('delete_external_artifacts', true);
  const store = ctx.store;
  const task = store.taskForWrite(id);
  if (!force && task.status === 'published') {
    throw apiError(ERR.invalidTaskStatus, null, { task_id: task.id, status: task.status });
  }
  const dequeued = dequeueSilently(store, task) ?? {};
  store.removeFromAllQueues(task.id);
  const unset = [
    'output.result',
    'output.error',
    'last_worker',
    'last_worker_report',
    'started',
    'completed',
    'published',
    'active_duration',
    'enqueue_status',
  ];
  if (clearAll) {
    task.execution = { test_split: 0, parameters: {}, model_desc: {}, artifacts: {} };
    unset.push('script');
  } else {
    unset.push('execution.queue');
    const artifacts = task.execution.artifacts as Doc | undefined;
    if (artifacts && typeof artifacts === 'object') {
      task.execution.artifacts = Object.fromEntries(Object.entries(artifacts).filter(([, a]) => (a as Doc)?.mode === 'input'));
    }
  }
  task.last_iteration = 0;
  task.last_metrics = {};
  task.metric_stats = {};
  task.models = { ...task.models, output: [] };
  task.runtime = {};
  const res = changeStatus(store, task, {
    newStatus: 'created',
    force,
    statusReason: 'reset',
    statusMessage: 'reset',
    userId: ctx.identity.user,
    unset,
  });
  // the task's events are deleted with it
  store.logs.delete(task.id);
  return {
    updated: res.updated,
    fields: toWire(res.fields),
    dequeued,
    deleted_models: 0,
    ...(returnFileUrls ? { urls: { model_urls: [], event_urls: [], artifact_urls: [] } } : {}),
  };
}

/** task_operations.dequeue_task */
function dequeue(ctx: CallContext): Doc {
  const id = ctx.req.str('task', { required: true });
  const statusReason = ctx.req.str('status_reason');
  const statusMessage = ctx.req.str('status_message');
  const removeFromAll = ctx.req.bool('remove_from_all_queues', false);
  const newStatus = ctx.req.str('new_status');
  if (newStatus && !isTaskStatus(newStatus)) throw apiError(ERR.validationError, `Invalid task status: ${newStatus}`);
  const store = ctx.store;
  const task = store.tasks.get(id);
  if (!task) {
    store.removeFromAllQueues(id);
    return { dequeued: 1, updated: 0 };
  }
  dequeueSilently(store, task);
  if (removeFromAll) store.removeFromAllQueues(task.id);
  if (task.status !== 'queued' && task.status !== 'in_progress') return { dequeued: 1, updated: 0 };
  const res = changeStatus(store, task, {
    newStatus: (newStatus as TaskStatus | undefined) || task.enqueue_status || 'created',
    statusReason,
    statusMessage,
    userId: ctx.identity.user,
    force: true,
    unset: ['enqueue_status'],
  });
  return { dequeued: 1, updated: res.updated, fields: toWire({ ...res.fields, enqueue_status: null }) };
}

export const TASK_ENDPOINTS: EndpointDef[] = [
  { name: 'tasks.get_by_id', minVersion: '1.0', handler: getById },
  { name: 'tasks.get_all', minVersion: '1.0', handler: getAll },
  { name: 'tasks.get_all_ex', minVersion: '1.0', handler: getAllEx },
  { name: 'tasks.get_hyper_params', minVersion: '1.0', handler: getHyperParams },
  { name: 'tasks.create', minVersion: '1.0', handler: create, write: true },
  { name: 'tasks.clone', minVersion: '1.0', handler: cloneTask, write: true },
  { name: 'tasks.edit', minVersion: '1.0', handler: edit, write: true },
  { name: 'tasks.edit_hyper_params', minVersion: '1.0', handler: editHyperParams, write: true },
  { name: 'tasks.enqueue', minVersion: '1.0', handler: enqueue, write: true },
  { name: 'tasks.dequeue', minVersion: '1.0', handler: dequeue, write: true },
  { name: 'tasks.stop', minVersion: '1.0', handler: stop, write: true },
  { name: 'tasks.reset', minVersion: '1.0', handler: reset, write: true },
];

import { Hyperparams, ParamsItem, TaskParam, TasksCloneRequest, toHyperparams } from '@cleargate/clearml';
import { CLEARGATE_TAG, MessagePayload, runRequested, runTag } from '@cleargate/contracts';

export type RunRequest = MessagePayload<typeof runRequested>;

/** What a run needs from its template task; cached between runs. */
export interface TemplateTask {
  id: string;
  name: string | undefined;
  project: string | undefined;
  hyperparams: Record<string, Record<string, TaskParam>>;
}

/**
 * What the SDK's `set_base_docker(None)` writes. An empty map would not do: `tasks.clone`
 * treats `{}` as "not given" and copies the template's container.
 */
export const CLEARED_CONTAINER: Readonly<Record<string, string>> = { image: '', arguments: '', setup_shell_script: '' };

/** Raised when the caller's parameters cannot be written as ClearML hyperparameters. */
export class InvalidParamsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidParamsError';
  }
}

/** `<prefix>_<yyyymmdd_hhmmss>` in UTC, the name format of the Flask API's clones. */
export function cloneName(prefix: string, at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}_` +
    `${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  return `${prefix}_${stamp}`;
}

function templateItem(section: string, name: string, param: TaskParam): ParamsItem {
  const item: ParamsItem = {
    section: typeof param.section === 'string' && param.section ? param.section : section,
    name: typeof param.name === 'string' && param.name ? param.name : name,
    value: typeof param.value === 'string' ? param.value : '',
  };
  if (typeof param.type === 'string') item.type = param.type;
  if (typeof param.description === 'string') item.description = param.description;
  return item;
}

/**
 * The template's hyperparameters with the caller's params written into `section` the way the
 * SDK's `task.connect(params, name=section)` stores them. `tasks.clone` replaces every section
 * with what it is given, so the template's other parameters and sections are carried over; a
 * parameter the caller sets keeps the template's description.
 */
export function mergeHyperparams(
  template: Record<string, Record<string, TaskParam>> | undefined,
  params: Record<string, unknown>,
  section: string,
): Hyperparams {
  const merged: Hyperparams = {};
  for (const [sectionName, items] of Object.entries(template ?? {})) {
    merged[sectionName] = {};
    for (const [name, param] of Object.entries(items ?? {})) merged[sectionName][name] = templateItem(sectionName, name, param ?? {});
  }
  let written: ParamsItem[];
  try {
    written = toHyperparams(params, section);
  } catch (err) {
    throw new InvalidParamsError(`parameters cannot be written as ClearML hyperparameters: ${(err as Error).message}`);
  }
  for (const item of written) {
    const target = (merged[item.section] ??= {});
    const description = target[item.name]?.description;
    target[item.name] = description !== undefined && item.description === undefined ? { ...item, description } : item;
  }
  return merged;
}

/** The one `tasks.clone` that creates a run's task: parameters, cleared container, run tags. */
export function buildCloneRequest(run: RunRequest, template: TemplateTask): TasksCloneRequest {
  const prefix = run.template_name?.trim() || template.name?.trim() || template.id;
  const request: TasksCloneRequest = {
    task: template.id,
    new_task_name: cloneName(prefix, new Date(run.requested_at)),
    new_task_hyperparams: mergeHyperparams(template.hyperparams, run.params, run.params_section),
    new_task_container: { ...CLEARED_CONTAINER },
    new_task_system_tags: [CLEARGATE_TAG, runTag(run.run_id)],
  };
  if (template.project) request.new_task_project = template.project;
  return request;
}

/** Characters Python's `re.escape` escapes (3.7+); ClearML matches names with Python regexes. */
const PY_REGEX_SPECIAL = /[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g;

/** `'^%s$' % re.escape(name)`, the SDK's `exact_match_regex`. */
export function exactMatchRegex(name: string): string {
  return `^${name.replace(PY_REGEX_SPECIAL, (c) => `\\${c}`)}$`;
}

import { ClearmlPeer, startClearmlPeer } from './index';
import { PeerClient } from './testing';

const TEMPLATE = '1'.repeat(32);
const PARENTED = '2'.repeat(32);
const PROJECT = 'p'.repeat(32);

describe('ClearML peer: create, clone, edit', () => {
  let peer: ClearmlPeer;
  let api: PeerClient;

  beforeAll(async () => {
    peer = await startClearmlPeer({
      agents: false,
      seed: {
        projects: [{ id: PROJECT, name: 'Snap4City' }, { name: 'Other' }],
        queues: [{ name: 'default', default: true }],
        tasks: [
          {
            id: TEMPLATE,
            name: 'traffic template',
            project: PROJECT,
            status: 'completed',
            comment: 'the template',
            tags: ['template'],
            system_tags: ['development', 'archived', 'keep'],
            hyperparams: { General: { lr: '0.1', epochs: '10' }, Args: { batch: '32' } },
            configuration: { conf: '{"a": 1}' },
            container: { image: 'snap4city/forecast:1.4', arguments: '--ipc=host', setup_shell_script: '' },
            execution: {
              queue: 'whatever',
              artifacts: { out: { key: 'out', type: 'str', mode: 'output' }, in: { key: 'in', type: 'str', mode: 'input' } },
            },
          },
          { id: PARENTED, name: 'child template', parent: TEMPLATE, project: PROJECT },
        ],
      },
    });
    api = new PeerClient(peer.url);
    await api.login();
  });
  afterAll(() => peer.close());

  const getTask = async (id: string) => (await api.ok('tasks.get_by_id', { task: id })).task;

  it('clones with the server-side rules of task_bll.clone_task', async () => {
    const before = Date.now();
    const { id } = await api.ok('tasks.clone', { task: TEMPLATE });
    const t = await getTask(id);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(t).toMatchObject({
      name: 'traffic template',
      comment: 'the template',
      status: 'created',
      parent: TEMPLATE,
      project: PROJECT,
      tags: ['template'],
      system_tags: ['keep'],
      user: 'cleargate-user',
      container: { image: 'snap4city/forecast:1.4', arguments: '--ipc=host', setup_shell_script: '' },
      hyperparams: { General: { lr: { section: 'General', name: 'lr', value: '0.1' } } },
      last_iteration: 0,
    });
    expect(t.execution).not.toHaveProperty('queue');
    expect(t.execution.artifacts).toEqual([{ key: 'in', type: 'str', mode: 'input' }]);
    expect(t).not.toHaveProperty('status_changed');
    expect(Date.parse(t.created)).toBeGreaterThanOrEqual(before - 5);

    // parent defaults to the source's parent when it has one
    const child = await getTask((await api.ok('tasks.clone', { task: PARENTED })).id);
    expect(child.parent).toBe(TEMPLATE);
  });

  it('applies every new_task_* field; new_task_hyperparams replaces all sections', async () => {
    const { id } = await api.ok('tasks.clone', {
      task: TEMPLATE,
      new_task_name: 'run 42',
      new_task_comment: 'from ClearGate',
      new_task_tags: ['cleargate'],
      new_task_system_tags: ['api'],
      new_task_parent: PARENTED,
      new_task_hyperparams: { General: { horizon: { section: 'General', name: 'horizon', value: '60', type: 'int' } } },
      new_task_configuration: { other: { name: 'other', value: 'x' } },
      new_task_container: { image: 'other:2', arguments: '' },
      execution_overrides: { framework: 'pytorch' },
    });
    const t = await getTask(id);
    expect(t).toMatchObject({
      name: 'run 42',
      comment: 'from ClearGate',
      tags: ['cleargate'],
      system_tags: ['api'],
      parent: PARENTED,
      container: { image: 'other:2', arguments: '' },
      configuration: { other: { name: 'other', value: 'x' } },
    });
    expect(Object.keys(t.hyperparams)).toEqual(['General']);
    expect(t.hyperparams.General).toEqual({ horizon: { section: 'General', name: 'horizon', value: '60', type: 'int' } });
    expect(t.execution.framework).toBe('pytorch');
  });

  it('keeps the source container when new_task_container is empty (the documented quirk)', async () => {
    const t = await getTask((await api.ok('tasks.clone', { task: TEMPLATE, new_task_container: {} })).id);
    expect(t.container.image).toBe('snap4city/forecast:1.4');
    // empty tags / system tags lists are falsy too: the source's are used
    const t2 = await getTask((await api.ok('tasks.clone', { task: TEMPLATE, new_task_tags: [], new_task_system_tags: [] })).id);
    expect(t2.tags).toEqual(['template']);
    expect(t2.system_tags).toEqual(['keep']);
  });

  it('creates or reuses a project from new_project_name', async () => {
    const res = await api.ok('tasks.clone', { task: TEMPLATE, new_project_name: 'ClearGate runs' });
    expect(res.new_project).toEqual({ id: expect.any(String), name: 'ClearGate runs' });
    expect((await getTask(res.id)).project).toBe(res.new_project.id);
    const again = await api.ok('tasks.clone', { task: TEMPLATE, new_project_name: 'ClearGate runs' });
    expect(again.new_project.id).toBe(res.new_project.id);
  });

  it('validates references that are given explicitly', async () => {
    const badProject = await api.call('tasks.clone', { task: TEMPLATE, new_task_project: 'nope' });
    expect(badProject.body.meta).toMatchObject({ result_code: 400, result_subcode: 401, result_msg: 'Invalid project id: id=nope' });
    const badParent = await api.call('tasks.clone', { task: TEMPLATE, new_task_parent: 'nope' });
    expect(badParent.body.meta).toMatchObject({ result_subcode: 101, result_msg: 'Invalid task id (invalid parent): parent=nope' });
    const badSource = await api.call('tasks.clone', { task: 'nope' });
    expect(badSource.body.meta).toMatchObject({ result_subcode: 101, error_data: { id: 'nope' } });
    const badParams = await api.call('tasks.clone', { task: TEMPLATE, new_task_hyperparams: { General: { lr: { value: 0.1 } } } });
    expect(badParams.body.meta).toMatchObject({ result_code: 400, result_subcode: 800 });
  });

  it('edits only draft tasks unless force is set', async () => {
    const denied = await api.call('tasks.edit', { task: TEMPLATE, comment: 'x' });
    expect(denied.status).toBe(400);
    expect(denied.body.meta).toMatchObject({ result_subcode: 110, result_msg: 'Invalid task status: expected=created, status=completed' });

    const forced = await api.ok('tasks.edit', { task: TEMPLATE, force: true, comment: 'forced' });
    expect(forced.updated).toBe(1);
    expect((await getTask(TEMPLATE)).comment).toBe('forced');

    const { id } = await api.ok('tasks.clone', { task: TEMPLATE });
    const before = await getTask(id);
    await new Promise((r) => setTimeout(r, 5));
    // the SDK's set_base_docker(None) and connect(): container and the whole hyperparams object
    const res = await api.ok('tasks.edit', {
      task: id,
      container: { image: '', arguments: '', setup_shell_script: '' },
      hyperparams: { General: { lr: { section: 'General', name: 'lr', value: '0.5', type: 'float' } } },
    });
    expect(res.fields).toMatchObject({ container: { image: '' }, last_update: expect.any(String), last_change: expect.any(String) });
    const after = await getTask(id);
    expect(after.container).toEqual({ image: '', arguments: '', setup_shell_script: '' });
    expect(after.hyperparams).toEqual({ General: { lr: { section: 'General', name: 'lr', value: '0.5', type: 'float' } } });
    expect(Date.parse(after.last_update)).toBeGreaterThan(Date.parse(before.last_update));

    // user_set_allowed fields (name, comment, tags...) change last_change but not last_update
    const renamed = await api.ok('tasks.edit', { task: id, name: 'renamed' });
    expect(renamed.fields).not.toHaveProperty('last_update');
    expect(renamed.fields).toHaveProperty('last_change');

    // execution is an embedded document: edits are merged into it
    await api.ok('tasks.edit', { task: id, execution: { framework: 'keras' } });
    expect((await getTask(id)).execution).toMatchObject({ framework: 'keras', test_split: 0 });
  });

  it('edits hyperparameters with replace_hyperparams none / section / all and the force rules', async () => {
    const { id } = await api.ok('tasks.clone', { task: TEMPLATE });
    const item = (section: string, name: string, value: string) => ({ section, name, value });

    await api.ok('tasks.edit_hyper_params', { task: id, hyperparams: [item('General', 'lr', '0.2'), item('General', 'extra', 'x')] });
    let t = await getTask(id);
    expect(t.hyperparams.General).toMatchObject({ lr: { value: '0.2' }, epochs: { value: '10' }, extra: { value: 'x' } });
    expect(t.hyperparams.Args).toBeDefined();

    await api.ok('tasks.edit_hyper_params', { task: id, hyperparams: [item('General', 'only', '1')], replace_hyperparams: 'section' });
    t = await getTask(id);
    expect(Object.keys(t.hyperparams.General)).toEqual(['only']);
    expect(t.hyperparams.Args).toBeDefined();

    await api.ok('tasks.edit_hyper_params', { task: id, hyperparams: [item('New', 'a', 'b')], replace_hyperparams: 'all' });
    t = await getTask(id);
    expect(Object.keys(t.hyperparams)).toEqual(['New']);

    const notString = await api.call('tasks.edit_hyper_params', {
      task: id,
      hyperparams: [{ section: 'General', name: 'lr', value: 0.3 }],
    });
    expect(notString.body.meta.result_subcode).toBe(12);
    const badMode = await api.call('tasks.edit_hyper_params', {
      task: id,
      hyperparams: [item('General', 'lr', '1')],
      replace_hyperparams: 'everything',
    });
    expect(badMode.body.meta.result_subcode).toBe(12);

    // completed task: refused even with force (force only allows created and in_progress)
    const refused = await api.call('tasks.edit_hyper_params', { task: TEMPLATE, hyperparams: [item('General', 'lr', '1')], force: true });
    expect(refused.body.meta).toMatchObject({ result_subcode: 110, result_msg: 'Invalid task status: expected=created, status=completed' });
    // ... except for the "properties" section
    const props = await api.call('tasks.edit_hyper_params', { task: TEMPLATE, hyperparams: [item('Properties', 'owner', 'me')] });
    expect(props.status).toBe(200);
    expect((await getTask(TEMPLATE)).hyperparams.properties.owner.value).toBe('me');

    peer.control.setTaskStatus(id, 'in_progress');
    expect((await api.call('tasks.edit_hyper_params', { task: id, hyperparams: [item('General', 'lr', '1')] })).status).toBe(400);
    expect((await api.call('tasks.edit_hyper_params', { task: id, hyperparams: [item('General', 'lr', '1')], force: true })).status).toBe(
      200,
    );
  });

  it('creates tasks with the model validations', async () => {
    const { id } = await api.ok('tasks.create', { name: 'created by api', type: 'training', project: PROJECT, container: { image: 'x' } });
    const t = await getTask(id);
    expect(t).toMatchObject({
      name: 'created by api',
      status: 'created',
      project: PROJECT,
      container: { image: 'x' },
      script: { binary: 'python' },
    });
    expect((await api.call('tasks.create', { name: 'x', type: 'nope' })).body.meta.result_subcode).toBe(12);
    expect((await api.call('tasks.create', { name: 'ab', type: 'training' })).body.meta).toMatchObject({
      result_subcode: 800,
      error_data: { name: 'String value is too short' },
    });
    expect((await api.call('tasks.create', { type: 'training' })).body.meta.result_msg).toBe(
      "Validation error (error for field 'name'. field is required!)",
    );
    expect((await api.call('tasks.create', { name: 'abc', type: 'training', project: 'nope' })).body.meta.result_subcode).toBe(401);
  });

  it('counts clone and edit calls as writes', async () => {
    peer.resetCalls();
    await api.ok('tasks.clone', { task: TEMPLATE });
    await api.call('tasks.edit', { task: TEMPLATE, comment: 'x' });
    await api.ok('tasks.get_by_id', { task: TEMPLATE });
    expect(peer.calls()).toEqual({ 'tasks.clone': 1, 'tasks.edit': 1, 'tasks.get_by_id': 1 });
    expect(peer.writeCalls()).toBe(2);
  });
});

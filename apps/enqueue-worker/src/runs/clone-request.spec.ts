import { buildCloneRequest, cloneName, exactMatchRegex, mergeHyperparams, RunRequest, TemplateTask } from './clone-request';

const template: TemplateTask = {
  id: 'tpl0000000000000000000000000001',
  name: 'Traffic forecast',
  project: 'proj000000000000000000000000001',
  hyperparams: {
    General: {
      lr: { section: 'General', name: 'lr', value: '0.01', type: 'float', description: 'learning rate' },
      epochs: { section: 'General', name: 'epochs', value: '10', type: 'int' },
    },
    Args: { seed: { section: 'Args', name: 'seed', value: '42', type: 'int', description: null } },
  },
};

const run: RunRequest = {
  run_id: '0b7f3c1e-2a4d-4c5e-9f60-1a2b3c4d5e6f',
  task_id: 'a'.repeat(64),
  clearml_task_id: template.id,
  template_name: null,
  params_section: 'General',
  queue: 'default',
  params: { lr: 0.1, opt: { momentum: 0.9, nesterov: true }, tags: [1, 2], note: null },
  caller: 'alice',
  route: 'compat',
  requested_at: '2025-03-07T09:05:03.250Z',
};

describe('cloneName', () => {
  it('appends the UTC time as yyyymmdd_hhmmss, as the Flask API named its clones', () => {
    expect(cloneName('Traffic forecast', new Date('2025-03-07T09:05:03.999Z'))).toBe('Traffic forecast_20250307_090503');
    expect(cloneName('x', new Date('2024-12-31T23:59:59+02:00'))).toBe('x_20241231_215959');
  });
});

describe('mergeHyperparams', () => {
  it("writes the caller's params like task.connect() and keeps the template's other params and sections", () => {
    const merged = mergeHyperparams(template.hyperparams, run.params, 'General');
    expect(merged).toEqual({
      General: {
        lr: { section: 'General', name: 'lr', value: '0.1', type: 'float', description: 'learning rate' },
        epochs: { section: 'General', name: 'epochs', value: '10', type: 'int' },
        'opt/momentum': { section: 'General', name: 'opt/momentum', value: '0.9', type: 'float' },
        'opt/nesterov': { section: 'General', name: 'opt/nesterov', value: 'True', type: 'bool' },
        tags: { section: 'General', name: 'tags', value: '[1, 2]', type: 'list/int' },
        note: { section: 'General', name: 'note', value: '' },
      },
      Args: { seed: { section: 'Args', name: 'seed', value: '42', type: 'int' } },
    });
  });

  it('writes into another section without touching General, creating the section if needed', () => {
    const merged = mergeHyperparams(template.hyperparams, { seed: 7 }, 'Args');
    expect(merged['Args']!['seed']).toEqual({ section: 'Args', name: 'seed', value: '7', type: 'int' });
    expect(merged['General']!['lr']!.value).toBe('0.01');
    expect(mergeHyperparams(undefined, { batch: 32 }, 'Training')).toEqual({
      Training: { batch: { section: 'Training', name: 'batch', value: '32', type: 'int' } },
    });
  });

  it('does not modify the cached template', () => {
    const before = JSON.stringify(template.hyperparams);
    mergeHyperparams(template.hyperparams, { lr: 1, extra: 'x' }, 'General');
    expect(JSON.stringify(template.hyperparams)).toBe(before);
  });
});

describe('buildCloneRequest', () => {
  it('makes one clone request with the merged params, a cleared container, the run tags and the template project', () => {
    const request = buildCloneRequest(run, template);
    expect(request).toMatchObject({
      task: template.id,
      new_task_name: 'Traffic forecast_20250307_090503',
      new_task_container: { image: '', arguments: '', setup_shell_script: '' },
      new_task_system_tags: ['cleargate', `cleargate-run:${run.run_id}`],
      new_task_project: template.project,
    });
    expect(request.new_task_hyperparams!['General']!['lr']!.value).toBe('0.1');
    expect(Object.keys(request.new_task_hyperparams!)).toEqual(['General', 'Args']);
  });

  it("prefers the registered template name, then the task's name, then its id", () => {
    expect(buildCloneRequest({ ...run, template_name: 'forecast' }, template).new_task_name).toBe('forecast_20250307_090503');
    expect(buildCloneRequest(run, { ...template, name: undefined }).new_task_name).toBe(`${template.id}_20250307_090503`);
  });

  it('leaves the project out for a template outside any project', () => {
    expect(buildCloneRequest(run, { ...template, project: undefined })).not.toHaveProperty('new_task_project');
  });
});

describe('exactMatchRegex', () => {
  it("escapes like Python's re.escape so only the exact name matches", () => {
    expect(exactMatchRegex('default')).toBe('^default$');
    expect(exactMatchRegex('gpu.a100 (x2)')).toBe('^gpu\\.a100\\ \\(x2\\)$');
    const re = new RegExp(exactMatchRegex('a+b|c'));
    expect(re.test('a+b|c')).toBe(true);
    expect(re.test('aab')).toBe(false);
  });
});

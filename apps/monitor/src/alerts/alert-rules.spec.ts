import { z } from 'zod';
import { alertRuleSchema } from '../config';
import { matchRule, ObservedTask } from './alert-rules';

const rules = z.array(alertRuleSchema).parse([
  { name: 'prod-failures', statuses: ['failed'], projects: ['/^Snap4City/'], queues: ['gpu'], min_iterations: 2 },
  { name: 'runs-done', statuses: ['completed', 'stopped'], cleargate_runs_only: true },
  { name: 'manual-too', statuses: ['failed'], include_manual: true, users: ['u-42'] },
]);

const task = (over: Partial<ObservedTask> = {}): ObservedTask => ({
  id: 't1',
  name: 'train',
  status: 'failed',
  projectName: 'Snap4City/traffic',
  queueName: 'gpu',
  user: 'u-1',
  systemTags: [],
  lastIteration: 5,
  ...over,
});

describe('matchRule', () => {
  it('matches status, project regex, queue and minimum iterations', () => {
    expect(matchRule(rules, task())?.name).toBe('prod-failures');
    expect(matchRule(rules, task({ projectName: 'Other' }))).toBeNull();
    expect(matchRule(rules, task({ queueName: 'cpu' }))).toBeNull();
    expect(matchRule(rules, task({ lastIteration: 1 }))).toBeNull();
    expect(matchRule(rules, task({ status: 'completed' }))).toBeNull();
  });

  it('skips tasks run by hand unless a rule includes them, and filters by user', () => {
    expect(matchRule(rules, task({ systemTags: ['development'] }))).toBeNull();
    expect(matchRule(rules, task({ systemTags: ['development'], user: 'u-42' }))?.name).toBe('manual-too');
  });

  it('limits a rule to ClearGate runs', () => {
    expect(matchRule(rules, task({ status: 'completed' }))).toBeNull();
    expect(matchRule(rules, task({ status: 'stopped', systemTags: ['cleargate', 'cleargate-run:x'] }))?.name).toBe('runs-done');
  });

  it('rejects unknown statuses and fields in the configuration', () => {
    expect(alertRuleSchema.safeParse({ name: 'x', statuses: ['aborted'] }).success).toBe(false);
    expect(alertRuleSchema.safeParse({ name: 'x', project: 'typo' }).success).toBe(false);
  });
});

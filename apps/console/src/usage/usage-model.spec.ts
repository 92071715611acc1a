import type { Usage } from '../api/types';
import {
  defaultUsageForm,
  groupChoices,
  groupOf,
  usageFormError,
  usageFormFrom,
  usageQuery,
  usageSeries,
  usageTotals,
} from './usage-model';

const NOW = Date.parse('2026-03-10T09:42:00Z');

describe('the usage query', () => {
  it('defaults to the last 30 UTC days, per day, ungrouped', () => {
    expect(defaultUsageForm(NOW)).toEqual({ from: '2026-02-09', to: '2026-03-10', bucket: 'day', group_by: 'none' });
  });

  it('reads the address, keeping grouping by user and one user for administrators', () => {
    const search = new URLSearchParams({ from: '2026-03-01', to: '2026-03-05', bucket: 'month', group_by: 'user', user: 'alice' });
    expect(usageFormFrom(search, NOW, true)).toEqual({
      from: '2026-03-01',
      to: '2026-03-05',
      bucket: 'month',
      group_by: 'user',
      user: 'alice',
    });
    // Everyone else sees their own: no grouping by user, no other user.
    expect(usageFormFrom(search, NOW, false)).toEqual({ from: '2026-03-01', to: '2026-03-05', bucket: 'month', group_by: 'none' });
    expect(groupChoices(false)).not.toContain('user');
    expect(usageFormFrom(new URLSearchParams({ from: 'yesterday', bucket: 'hour' }), NOW, true)).toEqual(defaultUsageForm(NOW));
  });

  it('asks whole UTC days, the last one included', () => {
    expect(usageQuery({ from: '2026-03-01', to: '2026-03-31', bucket: 'day', group_by: 'endpoint' })).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      bucket: 'day',
      group_by: 'endpoint',
    });
    expect(usageFormError({ from: '2026-03-02', to: '2026-03-01', bucket: 'day', group_by: 'none' })).toBe(
      'The end comes before the start.',
    );
    expect(usageFormError({ from: '2025-01-01', to: '2026-03-01', bucket: 'day', group_by: 'none' })).toBe('At most 400 days at once.');
    expect(usageFormError({ from: '2026-03-01', to: '2026-03-01', bucket: 'day', group_by: 'none' })).toBeUndefined();
  });
});

describe('the usage figures', () => {
  const call = (bucket: string, user: string, calls: number, errors: number, tokens = 0) => ({
    bucket,
    user,
    calls,
    errors,
    duration_ms_total: calls * 40,
    duration_ms_p95: 80,
    request_bytes: calls * 100,
    response_bytes: calls * 50,
    prompt_tokens: tokens,
    completion_tokens: tokens * 2,
  });
  const usage: Usage = {
    from: '2026-03-01T00:00:00.000Z',
    to: '2026-03-04T00:00:00.000Z',
    bucket: 'day',
    group_by: 'user',
    ondemand: [
      call('2026-03-01T00:00:00.000Z', 'alice', 10, 1),
      call('2026-03-01T00:00:00.000Z', 'bob', 5, 0, 7),
      call('2026-03-03T00:00:00.000Z', 'alice', 2, 2),
    ],
    runs: [
      {
        bucket: '2026-03-03T00:00:00.000Z',
        user: 'alice',
        runs: 3,
        completed: 1,
        failed: 1,
        stopped: 0,
        wait_seconds: 4,
        run_seconds: 90,
        gpu_seconds: 0,
      },
    ],
  };

  it('sums the groups of each bucket, every day of the range present', () => {
    const series = usageSeries(usage);
    expect(series.map((p) => [p.label, p.calls, p.errors, p.promptTokens, p.runs, p.completed])).toEqual([
      ['1 Mar', 15, 1, 7, 0, 0],
      ['2 Mar', 0, 0, 0, 0, 0],
      ['3 Mar', 2, 2, 0, 3, 1],
    ]);
  });

  it('gives months by calendar month', () => {
    const months = usageSeries({
      ...usage,
      bucket: 'month',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      ondemand: [],
      runs: [],
    });
    expect(months.map((p) => p.label)).toEqual(['Jan 2026', 'Feb 2026', 'Mar 2026']);
  });

  it('totals the range, and names each row’s group', () => {
    expect(usageTotals(usage)).toMatchObject({ calls: 17, errors: 3, promptTokens: 7, completionTokens: 14, runs: 3, runSeconds: 90 });
    expect(groupOf(usage.ondemand![1]!, 'user')).toBe('bob');
    expect(groupOf({ endpoint: 'llama', machine_id: 'ab'.repeat(32) }, 'endpoint')).toBe('llama @ abababababab');
  });
});

import { Reachability } from './reachability';

describe('Reachability', () => {
  let now: number;
  const clock = { now: () => now };
  const boom = new Error('connect ECONNREFUSED');

  beforeEach(() => {
    now = Date.parse('2026-12-01T10:00:00Z');
  });

  it('raises the unreachable alert once failures have lasted the threshold, and only once', () => {
    const r = new Reachability(clock, 30_000);
    expect(r.failed(boom)).toBeNull();
    now += 29_999;
    expect(r.failed(boom)).toBeNull();
    now += 1;
    const alert = r.failed(boom)!;
    expect(alert).toMatchObject({
      alert_id: 'clearml-unreachable:2026-12-01T10:00:00.000Z',
      kind: 'clearml_unreachable',
      severity: 'critical',
      at: '2026-12-01T10:00:30.000Z',
      details: 'Failing since 2026-12-01T10:00:00.000Z: connect ECONNREFUSED',
    });
    r.raised();
    now += 60_000;
    expect(r.failed(boom)).toBeNull();
  });

  it('tries again on the next failure when the alert could not be sent', () => {
    const r = new Reachability(clock, 1000);
    r.failed(boom);
    now += 1000;
    expect(r.failed(boom)).not.toBeNull();
    now += 1000;
    expect(r.failed(boom)?.alert_id).toBe('clearml-unreachable:2026-12-01T10:00:00.000Z');
  });

  it('says it recovered only after an unreachable alert went out, and starts over', () => {
    const r = new Reachability(clock, 1000);
    r.failed(boom);
    now += 500;
    expect(r.succeeded()).toBeNull(); // a blip shorter than the threshold says nothing
    now += 500;
    expect(r.failed(boom)).toBeNull(); // the count started again
    now += 1000;
    r.failed(boom);
    r.raised();
    now += 5000;
    expect(r.succeeded()).toMatchObject({
      alert_id: 'clearml-recovered:2026-12-01T10:00:01.000Z',
      kind: 'clearml_recovered',
      details: 'Unreachable from 2026-12-01T10:00:01.000Z to 2026-12-01T10:00:07.000Z',
    });
    expect(r.succeeded()).toBeNull();
  });
});

import { EVENT_LOOP_SAMPLE_MS, LATENCY_BUCKETS_SECONDS, Metrics } from './metrics';

describe('Metrics', () => {
  it("reports the event loop's delay with its sampling period included, which the dashboard and the benchmark take off", async () => {
    const metrics = new Metrics('spec');
    await new Promise((resolve) => setTimeout(resolve, 20 * EVENT_LOOP_SAMPLE_MS));
    const page = await metrics.registry.metrics();
    const p50 = Number(/^nodejs_eventloop_lag_p50_seconds (\S+)/m.exec(page)?.[1]) * 1000;
    // An idle loop: every tick is one sampling period apart, give or take the timer's own jitter.
    expect(p50).toBeGreaterThanOrEqual(0.8 * EVENT_LOOP_SAMPLE_MS);
  });

  it('makes latency histograms with the shared buckets, under the service prefix', async () => {
    const metrics = new Metrics('spec', { defaultMetrics: false });
    metrics.latencyHistogram('call_duration_seconds', 'Call duration', ['route']).labels('/x').observe(0.003);
    const page = await metrics.registry.metrics();
    const buckets = [...page.matchAll(/^cleargate_spec_call_duration_seconds_bucket\{le="([^"]+)",route="\/x"\} (\d+)$/gm)];
    expect(buckets.map((m) => m[1])).toEqual([...LATENCY_BUCKETS_SECONDS.map(String), '+Inf']);
    expect(buckets.find((m) => m[1] === '0.0025')?.[2]).toBe('0');
    expect(buckets.find((m) => m[1] === '0.005')?.[2]).toBe('1');
  });
});

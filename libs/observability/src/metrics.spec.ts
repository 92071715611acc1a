import { EVENT_LOOP_SAMPLE_MS, Metrics } from './metrics';

describe('Metrics', () => {
  it("reports the event loop's delay with its sampling period included, which the dashboard and the benchmark take off", async () => {
    const metrics = new Metrics('spec');
    await new Promise((resolve) => setTimeout(resolve, 20 * EVENT_LOOP_SAMPLE_MS));
    const page = await metrics.registry.metrics();
    const p50 = Number(/^nodejs_eventloop_lag_p50_seconds (\S+)/m.exec(page)?.[1]) * 1000;
    // An idle loop: every tick is one sampling period apart, give or take the timer's own jitter.
    expect(p50).toBeGreaterThanOrEqual(0.8 * EVENT_LOOP_SAMPLE_MS);
  });
});

import { Metrics } from '@cleargate/observability';
import { RoutingEndpoint, RoutingMachine } from '@cleargate/contracts';
import { PredictionCounter, valueAt } from './prediction-counter';

const endpoint = (max: number): RoutingEndpoint => ({
  id: '00000000-0000-4000-8000-000000000001',
  machine_id: 'a'.repeat(64),
  name: 'mnist',
  path: null,
  timeout_ms: 1000,
  enabled: true,
  owner: 'x',
  visibility: 'public',
  shared_with: { users: [], roles: [], groups: [] },
  count_predictions: { json_path: 'digit', max_values: max },
  max_in_flight: null,
});
const machine = { name: 'gpu-1' } as RoutingMachine;
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('PredictionCounter', () => {
  it('counts each predicted value and folds values past the cap into (other)', async () => {
    const metrics = new Metrics('test', { defaultMetrics: false });
    const counter = new PredictionCounter(metrics);
    for (const digit of [5, 5, 3, 7, 9]) counter.observe(machine, endpoint(3), 'application/json', json({ digit }));
    counter.observe(machine, endpoint(3), 'application/json', json({ other: 1 }));
    counter.observe(machine, endpoint(3), 'text/plain', json({ digit: 1 }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('cleargate_test_predictions_total{machine="gpu-1",endpoint="mnist",value="5"} 2');
    expect(text).toContain('cleargate_test_predictions_total{machine="gpu-1",endpoint="mnist",value="3"} 1');
    expect(text).toContain('cleargate_test_predictions_total{machine="gpu-1",endpoint="mnist",value="7"} 1');
    expect(text).toContain('cleargate_test_predictions_total{machine="gpu-1",endpoint="mnist",value="(other)"} 1');
    expect(text).not.toContain('value="9"');
  });

  it('reads dotted paths through objects and arrays', () => {
    expect(valueAt({ outputs: [{ data: [0.1, 7] }] }, 'outputs.0.data.1')).toBe(7);
    expect(valueAt({ a: 1 }, 'a.b')).toBeUndefined();
  });
});

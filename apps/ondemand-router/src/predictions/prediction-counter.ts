import { Injectable } from '@nestjs/common';
import { RoutingEndpoint, RoutingMachine } from '@cleargate/contracts';
import { Metrics } from '@cleargate/observability';

const OTHER = '(other)';

/**
 * Counts the values a model predicts (e.g. MNIST's `digit`), for endpoints that ask for it
 * (`count_predictions: {json_path, max_values}`): the distribution the original dashboard showed.
 * Label values stay bounded: the first `max_values` distinct values of an endpoint get their own
 * series, the rest count as `(other)`.
 */
@Injectable()
export class PredictionCounter {
  private readonly counter;
  private readonly seen = new Map<string, Set<string>>();

  constructor(metrics: Metrics) {
    this.counter = metrics.counter('predictions_total', 'Predicted values in model answers, by machine, endpoint and value', [
      'machine',
      'endpoint',
      'value',
    ]);
  }

  observe(machine: RoutingMachine, endpoint: RoutingEndpoint, contentType: string | undefined, body: Uint8Array): void {
    const config = endpoint.count_predictions;
    if (!config || !contentType?.includes('json') || body.length > 1024 * 1024) return;
    let value: unknown;
    try {
      value = valueAt(JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')), config.json_path);
    } catch {
      return;
    }
    if (value === undefined || value === null || typeof value === 'object') return;
    let label = String(value).slice(0, 64);
    const key = `${endpoint.machine_id}/${endpoint.name}`;
    let values = this.seen.get(key);
    if (!values) this.seen.set(key, (values = new Set()));
    if (!values.has(label)) {
      if (values.size >= config.max_values) label = OTHER;
      else values.add(label);
    }
    this.counter.inc({ machine: machine.name, endpoint: endpoint.name, value: label });
  }
}

/** `digit`, `outputs.0.data.0`: object keys and array indices separated by dots. */
export function valueAt(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current) ? current[Number(part)] : (current as Record<string, unknown>)[part];
  }
  return current;
}

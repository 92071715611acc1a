import { OndemandCallRecord, ondemandCallRecords, ondemandCallsRecorded } from '@cleargate/contracts';
import type { MessagePublisher, NatsService } from '@cleargate/messaging';
import { createRuntime } from '@cleargate/observability';
import { waitFor } from '@cleargate/testing';
import { loadRouterConfig } from '../config';
import { CallLogBatcher } from './call-log-batcher';

const record = (n: number): OndemandCallRecord => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  at: new Date(0).toISOString(),
  correlation_id: `req-${n}`,
  caller: 'alice',
  machine_id: 'a'.repeat(64),
  machine_name: 'gpu',
  endpoint: 'mnist',
  route: 'v1',
  status_code: 200,
  outcome: 'ok',
  duration_ms: 1,
  upstream_ms: 1,
  request_bytes: 1,
  response_bytes: 1,
  error: null,
  response_excerpt: null,
  prompt_tokens: null,
  completion_tokens: null,
});

/** A publisher that refuses while `down` is set and remembers what it was given. */
function fakePublisher() {
  const calls: { batchId: string; msgId: string | undefined; ids: string[] }[] = [];
  const publisher = {
    down: false,
    calls,
    async publish(contract: unknown, payload: unknown, options: { msgId?: string } = {}) {
      expect(contract).toBe(ondemandCallsRecorded);
      const batch = ondemandCallsRecorded.payload.parse(payload);
      calls.push({ batchId: batch.batch_id, msgId: options.msgId, ids: ondemandCallRecords(batch.columns).map((r) => r.id) });
      if (publisher.down) throw new Error('NATS is away');
      return { duplicate: false, seq: calls.length };
    },
  };
  return publisher;
}

function batcher(env: Record<string, string>) {
  const publisher = fakePublisher();
  const runtime = createRuntime('ondemand-router', 'silent');
  const config = loadRouterConfig({ NATS_URL: 'nats://127.0.0.1:4222', CALLLOG_FLUSH_MS: '60000', ...env });
  const b = new CallLogBatcher(publisher as unknown as MessagePublisher, {} as NatsService, config, runtime.logger, runtime.metrics);
  return { b, publisher, metrics: runtime.metrics };
}

describe('CallLogBatcher', () => {
  it('publishes a full batch as columns at once, with the batch id as message id', async () => {
    const { b, publisher } = batcher({ CALLLOG_BATCH_MAX: '3' });
    for (const n of [1, 2, 3]) b.add(record(n));
    await b.flush();
    expect(publisher.calls).toHaveLength(1);
    expect(publisher.calls[0]!.ids).toEqual([1, 2, 3].map((n) => record(n).id));
    expect(publisher.calls[0]!.msgId).toBe(publisher.calls[0]!.batchId);
    expect(b.buffered()).toBe(0);
    await b.onModuleDestroy();
  });

  it('publishes a record that comes after a quiet CALLLOG_FLUSH_MS at once, and those of the next CALLLOG_FLUSH_MS together after it', async () => {
    const { b, publisher } = batcher({ CALLLOG_FLUSH_MS: '1000' });
    const published = () => publisher.calls.map((c) => c.ids.map((id) => Number(id.slice(-12))));
    const added = performance.now();
    b.add(record(1));
    b.add(record(2)); // the same turn of the event loop: the same batch
    await waitFor(() => publisher.calls.length === 1, { timeoutMs: 5_000, intervalMs: 5 });
    const first = performance.now();
    expect(first - added).toBeLessThan(1000); // not held for CALLLOG_FLUSH_MS
    for (const n of [3, 4]) b.add(record(n));
    await waitFor(() => publisher.calls.length === 2, { timeoutMs: 5_000, intervalMs: 5 });
    expect(published()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // one batch per CALLLOG_FLUSH_MS: the second waited for the first's to end
    expect(performance.now() - first).toBeGreaterThanOrEqual(900);
    await b.onModuleDestroy();
  });

  it('keeps batches while NATS is away and retries each under the same id, so JetStream can drop a repeat', async () => {
    const { b, publisher } = batcher({ CALLLOG_BATCH_MAX: '2' });
    publisher.down = true;
    for (const n of [1, 2, 3]) b.add(record(n));
    await b.flush();
    expect(b.buffered()).toBe(3);
    publisher.down = false;
    await b.flush();
    expect(b.buffered()).toBe(0);
    const attempts = publisher.calls.map((c) => c.batchId);
    // [batch 1 refused] then [batch 1, batch 2] accepted: batch 1 kept its id.
    expect(attempts[1]).toBe(attempts[0]);
    expect(new Set(attempts).size).toBe(2);
    expect(publisher.calls.slice(1).flatMap((c) => c.ids)).toEqual([1, 2, 3].map((n) => record(n).id));
    await b.onModuleDestroy();
  });

  it('drops the oldest waiting batches beyond CALLLOG_BUFFER_MAX (not the one being sent) and counts the records', async () => {
    const { b, publisher, metrics } = batcher({ CALLLOG_BATCH_MAX: '500', CALLLOG_BUFFER_MAX: '1000' });
    publisher.down = true;
    for (let n = 0; n < 1500; n++) b.add(record(n));
    await b.flush();
    expect(b.buffered()).toBe(1000);
    publisher.down = false;
    await b.flush();
    // The first batch was being sent when the third arrived, so the second one went.
    const published = publisher.calls.slice(-2).flatMap((c) => c.ids);
    const ids = (from: number) => Array.from({ length: 500 }, (_v, i) => record(from + i).id);
    expect(published).toEqual([...ids(0), ...ids(1000)]);
    const page = await metrics.registry.metrics();
    expect(page).toMatch(/cleargate_ondemand_router_calllog_records_dropped_total 500/);
    expect(page).toMatch(/cleargate_ondemand_router_calllog_records_published_total 1000/);
    await b.onModuleDestroy();
  });

  it('drops a batch its contract refuses instead of retrying it forever, and goes on with the next', async () => {
    const { b, publisher, metrics } = batcher({ CALLLOG_BATCH_MAX: '1' });
    b.add({ ...record(1), status_code: 42 });
    b.add(record(2));
    await b.flush();
    expect(b.buffered()).toBe(0);
    expect(publisher.calls.map((c) => c.ids)).toEqual([[record(2).id]]);
    expect(await metrics.registry.metrics()).toMatch(/cleargate_ondemand_router_calllog_records_dropped_total 1/);
    await b.onModuleDestroy();
  });
});

import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { StreamKey, STREAMS } from '@cleargate/contracts';
import { NatsService, streamName } from '@cleargate/messaging';
import { Logger, InjectLogger, Metrics } from '@cleargate/observability';
import { REGISTRY_CONFIG, RegistryConfig } from '../config';

const PROBE_TIMEOUT_MS = 2_000;

/**
 * What the operator's alerts need about the two stores the registry owns, read when Prometheus
 * scrapes: whether PostgreSQL answers and how fast (a `SELECT 1` round trip), and how full the
 * JetStream streams are (bytes and messages per stream, and the server's store use and limit
 * from NATS's monitoring port when NATS_MONITOR_URL is set). Every replica reports the same
 * values: the rules take the max.
 */
@Injectable()
export class PlatformGauges {
  constructor(
    dataSource: DataSource,
    nats: NatsService,
    @Inject(REGISTRY_CONFIG) config: RegistryConfig,
    @InjectLogger() logger: Logger,
    metrics: Metrics,
  ) {
    const probeSeconds = metrics.gauge('postgres_probe_seconds', 'Round trip of a SELECT 1 to PostgreSQL at the last scrape');
    metrics.gauge('postgres_up', '1 when PostgreSQL answered a SELECT 1 within 2 s at this scrape', [], async function () {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          dataSource.query('SELECT 1'),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS))),
        ]);
        this.set(1);
      } catch {
        this.set(0);
      } finally {
        clearTimeout(timer);
        probeSeconds.set((performance.now() - started) / 1000);
      }
    });

    const keys = Object.keys(STREAMS) as StreamKey[];
    const messages = metrics.gauge('jetstream_stream_messages', 'Messages held by each JetStream stream', ['stream']);
    const maxBytes = metrics.gauge('jetstream_stream_max_bytes', "Each stream's own byte limit (-1: none, as NATS says)", ['stream']);
    metrics.gauge('jetstream_stream_bytes', 'Bytes held by each JetStream stream', ['stream'], async function () {
      this.reset();
      messages.reset();
      maxBytes.reset();
      for (const key of keys) {
        try {
          const { state, config: stream } = await nats.manager.streams.info(streamName(nats, key));
          const label = { stream: STREAMS[key].name };
          this.set(label, state.bytes);
          messages.set(label, state.messages);
          maxBytes.set(label, stream.max_bytes > 0 ? stream.max_bytes : -1);
        } catch (err) {
          logger.debug({ err, stream: STREAMS[key].name }, 'stream info not available');
        }
      }
    });

    if (config.NATS_MONITOR_URL) {
      const url = new URL('/jsz', config.NATS_MONITOR_URL).toString();
      const limit = metrics.gauge('jetstream_store_limit_bytes', "The NATS server's JetStream file store limit (max_file_store)");
      metrics.gauge('jetstream_store_bytes', 'File storage the JetStream server uses (NATS /jsz)', [], async function () {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
          const jsz = (await res.json()) as { storage?: number; config?: { max_storage?: number } };
          if (typeof jsz.storage === 'number') this.set(jsz.storage);
          if (typeof jsz.config?.max_storage === 'number' && jsz.config.max_storage > 0) limit.set(jsz.config.max_storage);
        } catch (err) {
          logger.debug({ err: String(err) }, 'NATS monitoring not reachable');
        }
      });
    }
  }
}

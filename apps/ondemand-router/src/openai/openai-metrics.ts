import { LRUCache } from 'lru-cache';
import { Metrics } from '@cleargate/observability';
import { TokenUsage } from './sse-relay';

interface LlmSeries {
  prompt: { inc(v: number): void };
  completion: { inc(v: number): void };
  ttft: { observe(v: number): void };
}

/** Token counts and time to first token per LLM endpoint (labels: machine and endpoint name, both registered by admins). */
export class OpenaiMetrics {
  private readonly tokens;
  private readonly ttft;
  private readonly byEndpoint = new LRUCache<string, LlmSeries>({ max: 10_000 });
  readonly streams;

  constructor(metrics: Metrics) {
    this.tokens = metrics.counter('llm_tokens_total', 'Tokens reported by LLM endpoints (usage), by machine, endpoint and kind', [
      'machine',
      'endpoint',
      'kind',
    ]);
    this.ttft = metrics.latencyHistogram(
      'llm_time_to_first_token_seconds',
      'Time from receiving an LLM call to the first piece of its answer from the serving machine',
      ['machine', 'endpoint'],
    );
    this.streams = metrics.gauge('llm_streams_in_flight', 'LLM answers being relayed now');
  }

  firstToken(machine: string, endpoint: string, seconds: number): void {
    this.seriesOf(machine, endpoint).ttft.observe(seconds);
  }

  usage(machine: string, endpoint: string, usage: TokenUsage): void {
    const series = this.seriesOf(machine, endpoint);
    if (usage.prompt_tokens) series.prompt.inc(usage.prompt_tokens);
    if (usage.completion_tokens) series.completion.inc(usage.completion_tokens);
  }

  private seriesOf(machine: string, endpoint: string): LlmSeries {
    const key = `${machine}\u0000${endpoint}`;
    let series = this.byEndpoint.get(key);
    if (!series) {
      series = {
        prompt: this.tokens.labels(machine, endpoint, 'prompt'),
        completion: this.tokens.labels(machine, endpoint, 'completion'),
        ttft: this.ttft.labels(machine, endpoint),
      };
      this.byEndpoint.set(key, series);
    }
    return series;
  }
}

import { Alert } from '@cleargate/contracts';
import { Clock } from '@cleargate/observability';

/**
 * Whether ClearML can be reached, from the outcome of each poll: an alert once polls have failed
 * for `afterMs` without a success, and one when the next poll succeeds after that alert.
 */
export class Reachability {
  private failingSince: number | null = null;
  private alerted = false;

  constructor(
    private readonly clock: Clock,
    private readonly afterMs: number,
  ) {}

  /** A poll failed; the unreachable alert when this failure crosses the threshold. */
  failed(err: unknown): Alert | null {
    const now = this.clock.now();
    this.failingSince ??= now;
    if (this.alerted || now - this.failingSince < this.afterMs) return null;
    const since = new Date(this.failingSince).toISOString();
    return {
      alert_id: `clearml-unreachable:${since}`,
      kind: 'clearml_unreachable',
      severity: 'critical',
      title: 'The ClearML API is unreachable',
      at: new Date(now).toISOString(),
      task: null,
      console_lines: [],
      details: `Failing since ${since}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 4000),
      labels: { kind: 'clearml_unreachable' },
      links: [],
    };
  }

  /** The unreachable alert went out. */
  raised(): void {
    this.alerted = true;
  }

  /** A poll succeeded; the recovery alert when an unreachable alert went out before. */
  succeeded(): Alert | null {
    const wasAlerted = this.alerted && this.failingSince !== null;
    const since = this.failingSince;
    this.failingSince = null;
    this.alerted = false;
    if (!wasAlerted) return null;
    const now = new Date(this.clock.now()).toISOString();
    const from = new Date(since!).toISOString();
    return {
      alert_id: `clearml-recovered:${from}`,
      kind: 'clearml_recovered',
      severity: 'info',
      title: 'The ClearML API is reachable again',
      at: now,
      task: null,
      console_lines: [],
      details: `Unreachable from ${from} to ${now}`,
      labels: { kind: 'clearml_recovered' },
      links: [],
    };
  }
}

export type ReadinessCheck = () => Promise<void> | void;

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, string>;
}

/**
 * Readiness checks registered by the modules that own a dependency (NATS, PostgreSQL,
 * ClearML...). Liveness never calls them: it does no I/O.
 */
export class HealthRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly startup = new Map<string, ReadinessCheck>();
  private shuttingDown = false;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /**
   * A step that completes the start once every module has started (startService runs them after
   * the application's bootstrap hooks), such as NATS confirming the subscriptions those hooks
   * made: a service whose start has resolved answers its first request.
   */
  registerStartup(name: string, step: ReadinessCheck): void {
    this.startup.set(name, step);
  }

  /** Runs the start-up steps, each within `timeoutMs`; returns the ones that failed, by name. */
  async completeStartup(timeoutMs = 2000): Promise<Record<string, string>> {
    return failures(await runChecks(this.startup, timeoutMs));
  }

  /** After this, readiness fails so load balancers stop sending work during shutdown. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async readiness(timeoutMs = 2000): Promise<HealthReport> {
    if (this.shuttingDown) return { status: 'unavailable', checks: { shutdown: 'in progress' } };
    const checks = await runChecks(this.checks, timeoutMs);
    return { status: Object.values(checks).every((v) => v === 'ok') ? 'ok' : 'unavailable', checks };
  }
}

/** Runs every check at once, each within `timeoutMs`: 'ok' or the reason it failed, by name. */
async function runChecks(checks: Map<string, ReadinessCheck>, timeoutMs: number): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  await Promise.all(
    [...checks].map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        results[name] = 'ok';
      } catch (err) {
        results[name] = err instanceof Error ? err.message : String(err);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return results;
}

function failures(results: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(results).filter(([, v]) => v !== 'ok'));
}

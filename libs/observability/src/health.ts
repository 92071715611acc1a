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
  private shuttingDown = false;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** After this, readiness fails so load balancers stop sending work during shutdown. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async readiness(timeoutMs = 2000): Promise<HealthReport> {
    const checks: Record<string, string> = {};
    if (this.shuttingDown) return { status: 'unavailable', checks: { shutdown: 'in progress' } };
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          checks[name] = 'ok';
        } catch (err) {
          checks[name] = err instanceof Error ? err.message : String(err);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { status: Object.values(checks).every((v) => v === 'ok') ? 'ok' : 'unavailable', checks };
  }
}

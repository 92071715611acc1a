import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStackBase, ServiceProcess, StackBase } from '@cleargate/testing';

export interface StackProgram {
  base: Promise<StackBase>;
  /** Starts one more service unless the end has come meanwhile; it is stopped at the end. */
  add(service: ServiceProcess): Promise<void>;
}

/**
 * The frame of a stack run as a program of its own for the Python tests: a throwaway database and
 * namespace, the services `start` adds, and one JSON line on stdout (what `start` returns) once
 * they are ready. On SIGTERM, SIGINT or when standard input closes (the test process is gone) it
 * stops the services, keeps their log lines in `INTEROP_LOG_DIR` (as `<logPrefix><service>.log`),
 * drops the database and the namespace, releases `resources`, and exits; a failed start does the
 * same and exits with 1.
 */
export async function runStackProgram(
  options: { name: string; databasePrefix: string; logPrefix?: string; resources?: { close(): Promise<unknown> }[] },
  start: (program: StackProgram) => Promise<Record<string, string>>,
): Promise<void> {
  const logDir = process.env.INTEROP_LOG_DIR;
  const services: ServiceProcess[] = [];
  const base = createStackBase({ databasePrefix: options.databasePrefix });

  // Registered at once: whatever exists when the end comes, even mid-start, is removed.
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.allSettled(services.map((s) => s.stop()));
      if (logDir) {
        mkdirSync(logDir, { recursive: true });
        for (const s of services) writeFileSync(join(logDir, `${options.logPrefix ?? ''}${s.name}.log`), `${s.lines.join('\n')}\n`);
      }
      const ground = await base.catch(() => undefined);
      const removed = await Promise.allSettled([ground?.close(), ...(options.resources ?? []).map((r) => r.close())]);
      for (const r of removed) if (r.status === 'rejected') process.stderr.write(`cleanup failed: ${String(r.reason)}\n`);
    })());
  const exit = (code: number) => () => void stop().finally(() => process.exit(code));
  process.once('SIGTERM', exit(0));
  process.once('SIGINT', exit(0));
  process.stdin.once('end', exit(0)).resume();
  const add = async (service: ServiceProcess): Promise<void> => {
    if (stopping) throw new Error('stopped while starting');
    services.push(service);
    await service.start();
  };

  try {
    const ready = await start({ base, add });
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  } catch (err) {
    if (stopping) return;
    process.stderr.write(`${options.name} failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    await stop();
    process.exit(1);
  }
}

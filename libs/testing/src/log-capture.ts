import { Writable } from 'node:stream';
import { createLogger, Logger } from '@cleargate/observability';

/** A real service logger whose JSON lines are kept in memory, to assert what was (not) logged. */
export function capturingLogger(service: string, level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger({ service, level, destination }), lines };
}

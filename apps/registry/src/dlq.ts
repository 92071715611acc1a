import { z } from 'zod';
import { commonEnv, ConfigError, loadConfig } from '@cleargate/config';
import { DeadLetters, natsOptionsOf, NatsService } from '@cleargate/messaging';
import { createLogger } from '@cleargate/observability';

const USAGE = `npm run dlq -- <command>    (or: node dist/apps/registry/src/dlq.js <command>)
  list [--limit N]      the dead letters, oldest first: one JSON line each (seq, subject, reason, ...)
  show <seq>            one dead letter with its payload
  replay <seq>...       publish each back on its original subject, with its correlation id, and
                        remove it from DEAD_LETTER once JetStream has stored the new copy
  replay --all          every dead letter, oldest first
Connects with NATS_URL, NATS_NAMESPACE and the operator's NATS_USER/NATS_PASSWORD (deploy/nats/auth.conf).`;

const dlqEnv = z.object({
  NATS_URL: commonEnv.NATS_URL,
  NATS_NAMESPACE: commonEnv.NATS_NAMESPACE,
  NATS_USER: commonEnv.NATS_USER,
  NATS_PASSWORD: commonEnv.NATS_PASSWORD,
  NATS_ANONYMOUS: commonEnv.NATS_ANONYMOUS,
  NATS_TLS_CA_FILE: commonEnv.NATS_TLS_CA_FILE,
  NATS_REQUEST_TIMEOUT_MS: commonEnv.NATS_REQUEST_TIMEOUT_MS,
});

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || !['list', 'show', 'replay'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig('dlq', dlqEnv);
  const nats = await NatsService.connect(natsOptionsOf('operator', config), createLogger({ service: 'dlq', level: 'warn' }));
  try {
    const letters = new DeadLetters(nats);
    if (command === 'list') {
      const limit = rest[0] === '--limit' ? Number(rest[1]) : 100;
      for (const letter of await letters.list(limit)) print(letter);
      return 0;
    }
    if (command === 'show') {
      const found = await letters.get(Number(rest[0]));
      if (!found) {
        process.stderr.write(`no dead letter at sequence ${rest[0]}\n`);
        return 1;
      }
      const text = new TextDecoder().decode(found.data);
      let payload: unknown = text;
      try {
        payload = JSON.parse(text);
      } catch {
        payload = `(${found.data.length} bytes, not JSON)`;
      }
      print({ ...found.letter, payload });
      return 0;
    }
    const seqs = rest[0] === '--all' ? (await letters.list(Number.MAX_SAFE_INTEGER)).map((l) => l.seq) : rest.map(Number);
    if (!seqs.length || seqs.some((s) => !Number.isInteger(s) || s <= 0)) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    let failed = 0;
    for (const seq of seqs) {
      try {
        print({ replayed: await letters.replay(seq) });
      } catch (err) {
        failed++;
        print({ seq, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return failed ? 1 : 0;
  } finally {
    await nats.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

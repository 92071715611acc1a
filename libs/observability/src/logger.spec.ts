import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { withCorrelation } from './correlation';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { lines, logger: createLogger({ service: 'test', level: 'info', destination }) };
}

describe('createLogger', () => {
  it('writes JSON with the service and the current correlation id', async () => {
    const { lines, logger } = capture();
    withCorrelation('req-42', () => logger.info({ endpoint: 'mnist' }, 'called'));
    logger.info('outside');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ service: 'test', level: 'info', correlation_id: 'req-42', endpoint: 'mnist', msg: 'called' });
    expect(lines[1]).not.toHaveProperty('correlation_id');
  });

  it('redacts tokens, passwords and webhook URLs wherever they sit in the logged object', async () => {
    const { lines, logger } = capture();
    const secret = 'eyJhbGciOiJSUzI1NiJ9.secret-token';
    logger.info(
      {
        access_token: secret,
        body: { access_token: secret, machine_id: 'abc' },
        req: { headers: { authorization: `Bearer ${secret}`, 'x-api-key': secret } },
        channel: { webhook_url: 'https://hooks.slack.com/services/T/B/SECRET' },
        password: 'pw',
      },
      'request',
    );
    await new Promise((r) => setImmediate(r));
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('SECRET');
    expect(text).not.toContain('"pw"');
    expect(lines[0]).toMatchObject({ body: { machine_id: 'abc' } });
  });
});

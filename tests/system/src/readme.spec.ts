import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { api, ROOT } from '@cleargate/testing';
import { OndemandStack, startOndemandStack } from './support/ondemand-stack';

jest.setTimeout(60_000);

/** The fenced blocks of the README's "Using it" section, in order. */
function usingItBlocks(): Array<{ lang: string; body: string }> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Using it\n');
  expect(start).toBeGreaterThan(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));
}

let stack: OndemandStack;

beforeAll(async () => {
  stack = await startOndemandStack();
});
afterAll(async () => {
  await stack?.close();
});

describe("the README's first calls", () => {
  it('get a token, find the demo machine and answer the shipped sample as the README shows', async () => {
    // what `npm run demo` registers before the README's commands are typed
    const admin = await stack.oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] });
    const machine = await api(stack.gatewayUrl, '/v1/machines', {
      token: admin,
      body: { name: 'demo-gpu', base_url: stack.serving.url, protocol: 'clearml-serving' },
    });
    expect(machine.status).toBe(201);
    const endpoint = await api(stack.gatewayUrl, '/v1/endpoints', {
      token: admin,
      body: { machine_id: machine.json.machine_id, name: 'test_model_pytorch', timeout_ms: 10000 },
    });
    expect(endpoint.status).toBe(201);

    const blocks = usingItBlocks();
    const setup = blocks.find((b) => b.lang === 'bash' && b.body.includes('TOKEN='));
    const callAt = blocks.findIndex((b) => b.lang === 'bash' && b.body.includes('@samples/5.png'));
    expect(setup).toBeDefined();
    expect(callAt).toBeGreaterThan(-1);
    const shown = blocks[callAt + 1]!;
    expect(shown.lang).toBe('text');

    // The commands as printed, pointed at this stack's gateway and OIDC issuer instead of the demo's ports.
    const script = `${setup!.body}\n${blocks[callAt]!.body}`
      .replaceAll('http://127.0.0.1:8080', stack.gatewayUrl)
      .replaceAll('http://127.0.0.1:8180/auth/realms/snap4city', stack.oidc.issuer);
    expect(script).not.toMatch(/:8080|:8180/);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, timeout: 30_000 });
    expect(stdout.trim()).toBe(shown.body.trim());
  });
});

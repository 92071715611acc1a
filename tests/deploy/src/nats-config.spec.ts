import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_USERS, natsPermissions, natsUserName } from '@cleargate/messaging';
import { natsServerBinary, natsPasswordVariable } from '@cleargate/testing';
import { find, render } from './support/helm';
import { repoPath } from './support/repo';

jest.setTimeout(60_000);

const passwordEnv = Object.fromEntries(NATS_USERS.map((u) => [natsPasswordVariable(u), `pw-${u}`]));

/** Runs `nats-server -t` on a configuration (its files copied to a folder of their own). */
function checkConfig(files: Record<string, string>, env: Record<string, string> = passwordEnv) {
  const dir = mkdtempSync(join(tmpdir(), 'cg-natsconf-'));
  try {
    for (const [name, text] of Object.entries(files))
      writeFileSync(join(dir, name), text.replace(/store_dir:\s*\/data/, `store_dir: "${dir}/js"`));
    return spawnSync(natsServerBinary(), ['-t', '-c', join(dir, 'nats.conf')], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** user → publish and subscribe allow lists, as an auth.conf says them. */
function usersOf(conf: string): Record<string, { publish: string[]; subscribe: string[]; responses: boolean }> {
  const out: Record<string, { publish: string[]; subscribe: string[]; responses: boolean }> = {};
  const list = (text: string | undefined) => (JSON.parse(text ?? '[]') as string[]).sort();
  for (const block of conf.split(/\n\s*\{\s*\n/).slice(1)) {
    const user = /user:\s*"([^"]+)"/.exec(block)?.[1];
    if (!user) continue;
    out[user] = {
      publish: list(/publish:\s*\{\s*allow:\s*(\[[^\]]*\])/.exec(block)?.[1]),
      subscribe: list(/subscribe:\s*\{\s*allow:\s*(\[[^\]]*\])/.exec(block)?.[1]),
      responses: /allow_responses:\s*true/.test(block),
    };
  }
  return out;
}

const expected = (namespace: string) =>
  Object.fromEntries(
    NATS_USERS.map((u) => {
      const p = natsPermissions(u, namespace);
      return [
        natsUserName(u, namespace),
        { publish: [...p.publish].sort(), subscribe: [...p.subscribe].sort(), responses: p.allowResponses },
      ];
    }),
  );

describe('NATS users and permissions (tools/nats-config.mjs)', () => {
  it('the rendered files are current with the contracts', () => {
    const check = spawnSync(process.execPath, [repoPath('tools', 'nats-config.mjs'), '--check'], { encoding: 'utf8' });
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('deploy/nats/auth.conf gives each service exactly the permissions derived from the topology', () => {
    expect(usersOf(readFileSync(repoPath('deploy', 'nats', 'auth.conf'), 'utf8'))).toEqual(expected(''));
    // A service may never publish another's requests: the gateway alone sends invocations and registry CRUD.
    const invokers = NATS_USERS.filter((u) => u !== 'operator' && natsPermissions(u).publish.includes('ondemand.endpoint.invoke.v1'));
    expect(invokers).toEqual(['auth-gateway']);
    const creators = NATS_USERS.filter((u) => u !== 'operator' && natsPermissions(u).publish.includes('registry.machine.create.v1'));
    expect(creators).toEqual(['auth-gateway']);
    // Only the migration step (the registry) may create or change streams.
    const admins = NATS_USERS.filter(
      (u) => u !== 'operator' && natsPermissions(u).publish.some((s) => /^\$JS\.API\.STREAM\.(CREATE|UPDATE)\.CLEARGATE_/.test(s)),
    );
    expect(admins).toEqual(['registry']);
    // Another service's inbox is open only to the two ends of a streamed answer.
    const inboxes = NATS_USERS.filter((u) => u !== 'operator').map((u) => [
      u,
      natsPermissions(u).publish.filter((s) => s.startsWith('_INBOX.')),
    ]);
    expect(Object.fromEntries(inboxes.filter(([, s]) => s.length > 0))).toEqual({
      'auth-gateway': ['_INBOX.ondemand-router.>'],
      'ondemand-router': ['_INBOX.auth-gateway.>'],
    });
  });

  it('the shipped NATS configuration is valid, syncs every write, and needs every password', () => {
    const files = {
      'nats.conf': readFileSync(repoPath('deploy', 'nats', 'nats.conf'), 'utf8'),
      'auth.conf': readFileSync(repoPath('deploy', 'nats', 'auth.conf'), 'utf8'),
    };
    expect(files['nats.conf']).toMatch(/^\s*sync_interval:\s*always$/m);
    const ok = checkConfig(files);
    expect({ status: ok.status, out: ok.stderr + ok.stdout }).toEqual({ status: 0, out: expect.stringContaining('is valid') });
    const { NATS_PASSWORD_REGISTRY: _left, ...without } = passwordEnv;
    const missing = checkConfig(files, without);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('NATS_PASSWORD_REGISTRY');
  });

  it.each(['', 'city-a'])(
    'the chart renders the same permissions for the NATS servers (namespace "%s"), valid for nats-server',
    (namespace) => {
      const objects = render({ set: [`nats.namespace=${namespace}`] });
      const conf = (find(objects, 'ConfigMap', 'cleargate-nats-auth') as unknown as { data: Record<string, string> }).data['auth.conf']!;
      expect(usersOf(conf)).toEqual(expected(namespace));
      const ok = checkConfig({
        'nats.conf': 'listen: 127.0.0.1:-1\njetstream { store_dir: /data }\ninclude ./auth.conf\n',
        'auth.conf': conf,
      });
      expect({ status: ok.status, out: ok.stderr + ok.stdout }).toEqual({ status: 0, out: expect.stringContaining('is valid') });
    },
  );
});

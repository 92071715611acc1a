import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MESSAGE_CONTRACTS, SERVICES, subjectsOf, TOPOLOGY } from '@cleargate/contracts';
import { ROOT } from '@cleargate/testing';

/** `registry.machine.{create,get}.v1` → both subjects. */
function expand(token: string): string[] {
  const m = /\{([^}]+)\}/.exec(token);
  if (!m) return [token];
  return m[1]!.split(',').flatMap((alt) => expand(token.replace(m[0], alt.trim())));
}

/** The subjects a README's "Subjects" section names (backticked, dotted, ending in a version). */
function documentedSubjects(service: string): Set<string> {
  const readme = readFileSync(join(ROOT, 'apps', service, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Subjects'));
  if (!section) throw new Error(`apps/${service}/README.md has no "## Subjects" section`);
  const tokens = [...section.matchAll(/`([a-z0-9{},.-]+\.v\d+)`/g)].map((m) => m[1]!);
  return new Set(tokens.flatMap(expand));
}

const known = new Set(SERVICES.flatMap((s) => subjectsOf(s)));

describe('the subject tables of the services’ READMEs', () => {
  it.each(SERVICES)('%s: names every subject the service uses, and only subjects the contracts define', (service) => {
    const documented = documentedSubjects(service);
    expect({ service, missing: subjectsOf(service).filter((s) => !documented.has(s)) }).toEqual({ service, missing: [] });
    expect({ service, unknown: [...documented].filter((s) => !known.has(s)) }).toEqual({ service, unknown: [] });
  });

  it('every stream message has a publisher and a reader', () => {
    const published = new Set(SERVICES.flatMap((s) => TOPOLOGY[s].publishes.map((c) => c.subject)));
    const read = new Set(
      SERVICES.flatMap((s) => [...TOPOLOGY[s].consumes.map((c) => c.contract.subject), ...TOPOLOGY[s].listens.map((c) => c.subject)]),
    );
    // Task status events are kept on EVENTS for the dashboards and any reader that wants them.
    const unread = new Set(['clearml.task.status-changed.v1']);
    for (const contract of MESSAGE_CONTRACTS) {
      expect({ subject: contract.subject, published: published.has(contract.subject) }).toEqual({
        subject: contract.subject,
        published: true,
      });
      if (!unread.has(contract.subject))
        expect({ subject: contract.subject, read: read.has(contract.subject) }).toEqual({ subject: contract.subject, read: true });
    }
  });

  it('every RPC a service calls is served by another', () => {
    const served = new Set(SERVICES.flatMap((s) => TOPOLOGY[s].serves.map((c) => c.subject)));
    const unserved = SERVICES.flatMap((s) => TOPOLOGY[s].calls.map((c) => c.subject)).filter((s) => !served.has(s));
    expect(unserved).toEqual([]);
  });
});

import { LeaderLease } from './leader-lease';
import { natsFixture, silent, sleep, until } from './test/nats-fixture';

describe('LeaderLease', () => {
  let fx: Awaited<ReturnType<typeof natsFixture>>;
  const leases: LeaderLease[] = [];

  beforeAll(async () => {
    fx = await natsFixture();
  });
  afterAll(async () => {
    for (const l of leases) await l.stop();
    await fx.drop();
  });

  async function replica(identity: string, ttlMs = 600, key = 'leader') {
    const lease = new LeaderLease(await fx.another(identity), { bucket: 'TEST_LEASE', key, ttlMs, identity }, silent);
    leases.push(lease);
    return lease;
  }

  it('elects exactly one leader among replicas and keeps it while it renews', async () => {
    const [a, b, c] = await Promise.all([replica('a'), replica('b'), replica('c')]);
    await Promise.all([a.start(), b.start(), c.start()]);
    expect([a, b, c].filter((l) => l.isLeader)).toHaveLength(1);
    await sleep(1500); // longer than the TTL: renewals keep it
    expect([a, b, c].filter((l) => l.isLeader)).toHaveLength(1);
    for (const l of [a, b, c]) await l.stop();
  });

  it('does not keep the key when stopped while its first write is on its way', async () => {
    const hasty = await replica('hasty', 800, 'hasty-leader');
    const starting = hasty.start();
    await hasty.stop();
    await starting;
    expect(hasty.isLeader).toBe(false);
    const next = await replica('next', 800, 'hasty-leader');
    await next.start();
    expect(next.isLeader).toBe(true);
    await next.stop();
  });

  it('hands over at once when the leader stops, and after the TTL when it dies without a word', async () => {
    const first = await replica('first', 800);
    await first.start();
    expect(first.isLeader).toBe(true);
    const second = await replica('second', 800);
    const changes: boolean[] = [];
    second.onChange((leader) => changes.push(leader));
    await second.start();
    expect(second.isLeader).toBe(false);

    await first.stop(); // gives the key up
    await until(() => second.isLeader, 2000);
    expect(changes).toEqual([true]);

    // A third replica waits while `second` renews; stopping `second`'s renewals without a
    // delete (a crash) leaves the key to expire after the TTL.
    const third = await replica('third', 800);
    await third.start();
    expect(third.isLeader).toBe(false);
    (second as unknown as { stopped: boolean; timer?: NodeJS.Timeout }).stopped = true;
    clearTimeout((second as unknown as { timer?: NodeJS.Timeout }).timer);
    const crashedAt = Date.now();
    await until(() => third.isLeader, 4000);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(300);
  });

  it('keeps the lead through renewals that fail for a moment, and stands down before the key could expire', async () => {
    const leader = await replica('steady', 1600, 'steady-leader');
    await leader.start();
    const standby = await replica('standby', 1600, 'steady-leader');
    await standby.start();
    expect(leader.isLeader).toBe(true);
    // NATS unreachable for the leader's renewals (not a conflict): it keeps leading meanwhile.
    type Writes = { update: (...args: unknown[]) => Promise<number>; create: (...args: unknown[]) => Promise<number> };
    const kv = (leader as unknown as { kv: Writes }).kv;
    const { update, create } = { update: kv.update.bind(kv), create: kv.create.bind(kv) };
    let failing = true;
    kv.update = async (...args: unknown[]) => {
      if (failing) throw new Error('timeout');
      return update(...args);
    };
    kv.create = async (...args: unknown[]) => {
      if (failing) throw new Error('timeout');
      return create(...args);
    };
    await sleep(700);
    expect([leader.isLeader, standby.isLeader]).toEqual([true, false]);
    failing = false;
    await sleep(1200);
    expect([leader.isLeader, standby.isLeader]).toEqual([true, false]);
    // Failing for longer than the lease: it stands down first, and only then can the standby take over.
    failing = true;
    const seen: [boolean, boolean][] = [];
    const watch = setInterval(() => seen.push([leader.isLeader, standby.isLeader]), 20);
    await until(() => standby.isLeader, 5000);
    clearInterval(watch);
    expect(leader.isLeader).toBe(false);
    expect(seen.filter(([a, b]) => a && b)).toEqual([]);
  });
});

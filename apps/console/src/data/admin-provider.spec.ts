import { authorizedFetch, createApiClient } from '../api/client';
import { createDataProvider, dispositionFilename, limitRuleInput, limitRuleRecord, pageOfWhole } from './data-provider';

type Req = { method: string; path: string; query: URLSearchParams; body: unknown };

/** A fake gateway answering from a handler (JSON, or text with headers), recording what was asked. */
function fakeApi(handler: (req: Req) => { status: number; body?: unknown; text?: string; headers?: Record<string, string> }) {
  const calls: Req[] = [];
  const fetchImpl = (async (input: Request) => {
    const url = new URL(input.url);
    const raw = input.method === 'GET' || input.method === 'DELETE' ? '' : await input.text();
    const req = { method: input.method, path: url.pathname, query: url.searchParams, body: raw ? JSON.parse(raw) : undefined };
    calls.push(req);
    const { status, body, text, headers } = handler(req);
    return new Response(text ?? (body === undefined ? null : JSON.stringify(body)), {
      status,
      headers: { 'content-type': text === undefined ? 'application/json' : 'text/csv; charset=utf-8', ...headers },
    });
  }) as unknown as typeof fetch;
  const tokens = { accessToken: async () => 'tok', renew: async () => undefined };
  return {
    calls,
    provider: createDataProvider(
      createApiClient('http://gw.test', tokens, fetchImpl),
      authorizedFetch(tokens, fetchImpl),
      'http://gw.test',
    ),
  };
}

const rule = (n: number, scope: 'role' | 'user', subject: string, limits: Record<string, number | null>) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  scope,
  subject,
  user: null,
  target: null,
  limits,
  updated_by: 'root',
  updated_at: '2026-03-01T10:00:00.000Z',
});

describe('limit rules', () => {
  it('sends a form as PUT /v1/limits: numbers set, unlimited as null, empty fields inherited', () => {
    expect(
      limitRuleInput({
        scope: 'user',
        subject: ' alice ',
        limits: { calls_per_second: 5, burst: 10, max_in_flight: null, runs_per_day: 3 },
        unlimited: { runs_per_day: true, max_concurrent_runs: true },
        reason: '  heavy user ',
      }),
    ).toEqual({
      scope: 'user',
      subject: 'alice',
      limits: { calls_per_second: 5, burst: 10, runs_per_day: null, max_concurrent_runs: null },
      reason: 'heavy user',
    });
    // An endpoint rule may name one user; an empty one is everyone.
    expect(limitRuleInput({ scope: 'endpoint', subject: 'e1', user: 'bob', limits: {} })).toEqual({
      scope: 'endpoint',
      subject: 'e1',
      user: 'bob',
      limits: {},
    });
    expect(limitRuleInput({ scope: 'task', subject: 't1', user: '  ', limits: { runs_per_day: 0 } })).toEqual({
      scope: 'task',
      subject: 't1',
      limits: { runs_per_day: 0 },
    });
  });

  it('keeps the scope, subject and user of the rule an edit replaces', () => {
    const previous = limitRuleRecord(rule(1, 'role', 'Public', { runs_per_day: 20 }));
    const body = limitRuleInput({ ...previous, scope: 'user', subject: 'mallory', limits: { runs_per_day: 30 }, unlimited: {} }, previous);
    expect(body).toEqual({ scope: 'role', subject: 'Public', limits: { runs_per_day: 30 } });
  });

  it('marks the limits a rule lifts, so that the form shows them as unlimited', () => {
    expect(limitRuleRecord(rule(1, 'user', 'alice', { calls_per_second: null, runs_per_day: 4 })).unlimited).toEqual({
      calls_per_second: true,
    });
  });

  it('lists, creates, edits and deletes rules through /v1/limits, and shows the API’s failing fields beside their inputs', async () => {
    const rules = [rule(2, 'user', 'bob', { max_in_flight: 2 }), rule(1, 'role', 'Public', { runs_per_day: 20 })];
    const { calls, provider } = fakeApi((req) => {
      if (req.method === 'GET') return { status: 200, body: { items: rules } };
      if (req.method === 'PUT' && (req.body as { subject: string }).subject === 'Wizard')
        return {
          status: 400,
          body: {
            error: {
              code: 'invalid_argument',
              message: 'subject must be a Snap4City role',
              details: { issues: [{ path: 'body.subject', message: 'expected a role' }] },
            },
            request_id: 'r1',
          },
        };
      if (req.method === 'PUT')
        return { status: 200, body: rule(3, 'role', 'Manager', (req.body as { limits: Record<string, number> }).limits) };
      return { status: 200, body: { deleted: true, id: rules[0]!.id } };
    });
    const list = await provider.getList('limits', {
      pagination: { page: 1, perPage: 25 },
      sort: { field: 'subject', order: 'ASC' },
      filter: { scope: 'user' },
    });
    expect(calls[0]!.path).toBe('/v1/limits');
    expect(calls[0]!.query.get('scope')).toBe('user');
    expect(list.total).toBe(2);
    expect(list.data.map((r) => r.subject)).toEqual(['bob', 'Public']);
    expect((await provider.getOne('limits', { id: rules[1]!.id })).data.subject).toBe('Public');

    const created = await provider.create('limits', { data: { scope: 'role', subject: 'Manager', limits: { runs_per_day: 9 } } });
    expect(calls.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/v1/limits',
      body: { scope: 'role', subject: 'Manager', limits: { runs_per_day: 9 } },
    });
    expect(created.data.unlimited).toEqual({});

    await expect(provider.create('limits', { data: { scope: 'role', subject: 'Wizard', limits: {} } })).rejects.toMatchObject({
      status: 400,
      message: 'subject must be a Snap4City role (request r1)',
      body: { errors: { subject: 'expected a role' } },
    });

    await provider.update('limits', { id: rules[1]!.id, data: { limits: { runs_per_day: 5 } }, previousData: limitRuleRecord(rules[1]!) });
    expect(calls.at(-1)).toMatchObject({ method: 'PUT', body: { scope: 'role', subject: 'Public', limits: { runs_per_day: 5 } } });

    await provider.delete('limits', { id: rules[0]!.id });
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', path: `/v1/limits/${rules[0]!.id}` });
  });
});

describe('suspensions and the audit log', () => {
  it('names a suspension by its user: suspend with PUT, lift with DELETE', async () => {
    const suspension = { username: 'eve', reason: 'runaway script', suspended_by: 'root', suspended_at: '2026-03-01T10:00:00.000Z' };
    const { calls, provider } = fakeApi((req) => {
      if (req.method === 'GET') return { status: 200, body: { items: [suspension] } };
      if (req.method === 'PUT') return { status: 200, body: { ...suspension, runs_stopped: 2 } };
      return { status: 200, body: { username: 'eve', lifted: true } };
    });
    expect(
      (
        await provider.getList('suspensions', {
          pagination: { page: 1, perPage: 25 },
          sort: { field: 'suspended_at', order: 'DESC' },
          filter: {},
        })
      ).data,
    ).toEqual([{ ...suspension, id: 'eve' }]);
    const created = await provider.create('suspensions', { data: { username: ' eve ', reason: ' runaway script ', stop_runs: true } });
    expect(calls.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/v1/admin/suspensions/eve',
      body: { reason: 'runaway script', stop_runs: true },
    });
    expect(created.data.id).toBe('eve');
    await provider.delete('suspensions', { id: 'eve' });
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', path: '/v1/admin/suspensions/eve' });
  });

  it('pages the audit log with cursors and sends only the filters the API takes', async () => {
    const { calls, provider } = fakeApi(() => ({ status: 200, body: { items: [], next_cursor: null } }));
    await provider.getList('audit', {
      pagination: { page: 1, perPage: 25 },
      sort: { field: 'at', order: 'DESC' },
      filter: { action: 'user.suspend', target: 'eve', since: new Date('2026-03-01T00:00:00Z'), colour: 'red' },
    });
    expect(calls[0]!.path).toBe('/v1/admin/audit');
    expect(Object.fromEntries(calls[0]!.query)).toEqual({
      action: 'user.suspend',
      target: 'eve',
      since: '2026-03-01T00:00:00.000Z',
      limit: '25',
    });
  });
});

describe('usage', () => {
  it('asks the JSON usage, and downloads the same query as the API’s CSV with the file name it gives', async () => {
    const usage = {
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
      bucket: 'day',
      group_by: 'user',
      ondemand: [],
      runs: [],
    };
    const { calls, provider } = fakeApi((req) =>
      req.query.get('format') === 'csv'
        ? {
            status: 200,
            text: 'kind,bucket\r\n',
            headers: { 'content-disposition': 'attachment; filename="usage-2026-03-01-2026-03-02.csv"' },
          }
        : { status: 200, body: usage },
    );
    const query = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z', bucket: 'day' as const, group_by: 'user' as const };
    expect(await provider.usage(query)).toEqual(usage);
    expect(Object.fromEntries(calls[0]!.query)).toEqual({ ...query, format: 'json' });
    expect(await provider.usageCsv(query)).toEqual({ text: 'kind,bucket\r\n', filename: 'usage-2026-03-01-2026-03-02.csv' });
    expect(Object.fromEntries(calls[1]!.query)).toEqual({ ...query, format: 'csv' });
  });

  it('refuses a strange file name from the header', () => {
    expect(dispositionFilename('attachment; filename="../../etc/passwd"', 'usage.csv')).toBe('usage.csv');
    expect(dispositionFilename(null, 'usage.csv')).toBe('usage.csv');
  });

  it('pages and orders a whole list', () => {
    const items = [{ n: 3 }, { n: 1 }, { n: 2 }];
    expect(pageOfWhole(items, { pagination: { page: 2, perPage: 2 }, sort: { field: 'n', order: 'ASC' } })).toEqual({
      data: [{ n: 3 }],
      total: 3,
    });
  });
});

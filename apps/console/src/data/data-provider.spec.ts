import { authorizedFetch, createApiClient } from '../api/client';
import { collect, CursorPages } from './cursor-pages';
import { changedFields, createDataProvider, listQuery } from './data-provider';
import { toCsv } from './csv';

/** A fake gateway: answers from a handler, recording what was asked (method, path, query, body). */
function fakeApi(
  handler: (req: { method: string; path: string; query: URLSearchParams; body: unknown; auth: string | null }) => {
    status: number;
    body?: unknown;
  },
) {
  const calls: { method: string; path: string; query: URLSearchParams; body: unknown; auth: string | null }[] = [];
  const fetchImpl = (async (input: Request) => {
    const url = new URL(input.url);
    const text = input.method === 'GET' || input.method === 'DELETE' ? '' : await input.text();
    const req = {
      method: input.method,
      path: url.pathname,
      query: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
      auth: input.headers.get('authorization'),
    };
    calls.push(req);
    const { status, body } = handler(req);
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  const tokens = { accessToken: async () => 'tok', renew: async () => undefined };
  const api = createApiClient('http://gw.test', tokens, fetchImpl);
  return { calls, provider: createDataProvider(api, authorizedFetch(tokens, fetchImpl), 'http://gw.test') };
}

const machine = (n: number) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name: `m${n}`,
  machine_id: 'ab'.repeat(32),
});

describe('cursor pages', () => {
  it('fetches a page once its start is known, and walks the pages in between on a jump ahead', async () => {
    const pages = new CursorPages();
    const seen: (string | undefined)[] = [];
    const fetchPage = async (cursor: string | undefined) => {
      seen.push(cursor);
      const n = cursor ? Number(cursor) : 1;
      return { items: [`item${n}`], next_cursor: n < 4 ? String(n + 1) : null };
    };
    expect(await pages.page('list', 3, 1, fetchPage)).toEqual({ items: ['item3'], hasNextPage: true });
    expect(seen).toEqual([undefined, '2', '3']);
    seen.length = 0;
    expect(await pages.page('list', 2, 1, fetchPage)).toEqual({ items: ['item2'], hasNextPage: true });
    expect(await pages.page('list', 4, 1, fetchPage)).toEqual({ items: ['item4'], hasNextPage: false });
    expect(seen).toEqual(['2', '4']);
    // Past the end: an empty page, not an error.
    expect(await pages.page('list', 6, 1, fetchPage)).toEqual({ items: [], hasNextPage: false });
    // Another list (other filters) starts from its own first page.
    seen.length = 0;
    await pages.page('other', 2, 1, fetchPage);
    expect(seen).toEqual([undefined, '2']);
  });

  it('collects up to a maximum in pages of at most 500, following cursors', async () => {
    const limits: number[] = [];
    const fetchPage = async (cursor: string | undefined, limit: number) => {
      limits.push(limit);
      const start = cursor ? Number(cursor) : 0;
      const items = Array.from({ length: Math.min(limit, 1200 - start) }, (_, i) => start + i);
      return { items, next_cursor: start + items.length < 1200 ? String(start + items.length) : null };
    };
    expect(await collect(fetchPage, 1000)).toEqual({ items: Array.from({ length: 1000 }, (_, i) => i), complete: false });
    expect(limits).toEqual([500, 500]);
    expect((await collect(fetchPage, 5000)).complete).toBe(true);
  });
});

describe('data provider', () => {
  it('maps react-admin’s pages, filters and sorts to the API’s cursors and query parameters', async () => {
    const { calls, provider } = fakeApi(({ query }) => ({
      status: 200,
      body: query.get('cursor') ? { items: [machine(3)], next_cursor: null } : { items: [machine(1), machine(2)], next_cursor: 'c2' },
    }));
    const first = await provider.getList('machines', {
      pagination: { page: 1, perPage: 2 },
      sort: { field: 'name', order: 'ASC' },
      filter: { q: 'gpu', enabled: false },
    });
    expect(first).toMatchObject({ data: [{ name: 'm1' }, { name: 'm2' }], pageInfo: { hasNextPage: true, hasPreviousPage: false } });
    expect(Object.fromEntries(calls[0]!.query)).toEqual({ name: 'gpu', enabled: 'false', sort: 'name', limit: '2' });
    expect(calls[0]!.auth).toBe('Bearer tok');
    const second = await provider.getList('machines', {
      pagination: { page: 2, perPage: 2 },
      sort: { field: 'name', order: 'ASC' },
      filter: { q: 'gpu', enabled: false },
    });
    expect(second).toMatchObject({ data: [{ name: 'm3' }], pageInfo: { hasNextPage: false, hasPreviousPage: true } });
    expect(calls[1]!.query.get('cursor')).toBe('c2');
  });

  it('lists a machine’s endpoints through the endpoints list filtered by machine', async () => {
    const { calls, provider } = fakeApi(() => ({ status: 200, body: { items: [], next_cursor: null } }));
    const { getManyReference } = provider;
    // react-admin may call a method detached from the provider.
    await getManyReference('endpoints', {
      target: 'machine_id',
      id: 'm-1',
      pagination: { page: 1, perPage: 50 },
      sort: { field: 'name', order: 'ASC' },
      filter: {},
    });
    expect(Object.fromEntries(calls[0]!.query)).toEqual({ machine_id: 'm-1', sort: 'name', limit: '50' });
  });

  it('sends logs their period as ISO dates, and no order (they are newest first)', () => {
    const before = Date.now();
    const query = listQuery('ondemand-log', { filter: { range: '1h', outcome: 'ok', caller: '' }, sort: { field: 'at', order: 'ASC' } });
    expect(query['outcome']).toBe('ok');
    expect(query['caller']).toBeUndefined();
    expect(query['sort']).toBeUndefined();
    expect(Date.parse(query['since']!)).toBeGreaterThanOrEqual(before - 3_600_000 - 5);
    expect(Date.parse(query['since']!)).toBeLessThanOrEqual(Date.now() - 3_600_000 + 5);
    const explicit = listQuery('enqueue-log', {
      filter: { range: '1h', since: '2026-03-01T10:00', until: new Date('2026-03-02T00:00:00Z') },
    });
    expect(explicit['since']).toBe(new Date('2026-03-01T10:00').toISOString());
    expect(explicit['until']).toBe('2026-03-02T00:00:00.000Z');
    // Filters the API does not take are not sent.
    expect(listQuery('runs', { filter: { status: 'queued', nonsense: 1 } })).toEqual({ status: 'queued' });
  });

  it('names runs by their run_id, and starts one with POST /v1/runs', async () => {
    const run = { run_id: 'r1', status: 'accepted', task_id: 'cd'.repeat(32) };
    const { calls, provider } = fakeApi(({ method }) =>
      method === 'POST'
        ? { status: 202, body: { run_id: 'r1', status: 'accepted' } }
        : { status: 200, body: { items: [run], next_cursor: null } },
    );
    expect((await provider.getList('runs', { pagination: { page: 1, perPage: 10 } })).data[0]).toMatchObject({ id: 'r1', run_id: 'r1' });
    const created = await provider.create('runs', { data: { task_id: 'cd'.repeat(32), params: { a: 1 }, queue: '' } });
    expect(created.data).toMatchObject({ id: 'r1', status: 'accepted' });
    expect(calls[1]).toMatchObject({ method: 'POST', path: '/v1/runs', body: { task_id: 'cd'.repeat(32), params: { a: 1 } } });
  });

  it('patches only the writable fields that changed', async () => {
    expect(
      changedFields(
        'machines',
        { id: 'x', name: 'a', base_url: 'http://b', labels: { s: '1' }, owner: 'me', endpoint_count: 3 },
        {
          id: 'x',
          name: 'a',
          base_url: 'http://old',
          labels: { s: '1' },
          owner: 'me',
          endpoint_count: 2,
        },
      ),
    ).toEqual({ base_url: 'http://b' });
    const { calls, provider } = fakeApi(() => ({ status: 200, body: machine(1) }));
    await provider.update('endpoints', {
      id: 'e1',
      data: { name: 'n', timeout_ms: 500, machine_id: 'm' },
      previousData: { id: 'e1', name: 'n', timeout_ms: 100 },
    });
    expect(calls[0]).toMatchObject({ method: 'PATCH', path: '/v1/endpoints/e1', body: { timeout_ms: 500 } });
    // Nothing changed: nothing sent.
    await provider.update('tasks', { id: 't1', data: { name: 'x' }, previousData: { id: 't1', name: 'x' } });
    expect(calls).toHaveLength(1);
  });

  it('turns the error envelope into the message shown and the failing fields a form shows', async () => {
    const { provider } = fakeApi(() => ({
      status: 400,
      body: {
        error: {
          code: 'invalid_argument',
          message: 'invalid body',
          details: { issues: [{ path: 'body.base_url', message: 'expected an http(s) URL' }] },
        },
        request_id: 'req-1',
      },
    }));
    const err = await provider
      .create('machines', { data: { name: 'x', base_url: 'ftp://y', protocol: 'kserve-v2' } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      message: 'invalid body (request req-1)',
      status: 400,
      body: { code: 'invalid_argument', errors: { base_url: 'expected an http(s) URL' } },
    });
  });

  it('calls an endpoint with the raw body and its content type, and times the answer', async () => {
    const { calls, provider } = fakeApi(() => ({ status: 200, body: { digit: 5 } }));
    const answer = await provider.invoke('ab'.repeat(32), 'mnist/2', '{"url":"x"}', 'application/json');
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: `/v1/ondemand/${'ab'.repeat(32)}/mnist/2`,
      body: { url: 'x' },
      auth: 'Bearer tok',
    });
    expect(answer.status).toBe(200);
    expect(await answer.body.text()).toBe('{"digit":5}');
    expect(answer.ms).toBeGreaterThanOrEqual(0);
  });

  it('asks machine health for the ids of a page at once', async () => {
    const { calls, provider } = fakeApi(() => ({ status: 200, body: { items: [] } }));
    await provider.machineHealth(['a', 'b']);
    expect(calls[0]!.query.get('ids')).toBe('a,b');
    expect(await provider.machineHealth([])).toEqual([]);
    expect(calls).toHaveLength(1);
  });
});

describe('CSV', () => {
  it('quotes what needs quoting (RFC 4180) and writes CRLF lines', () => {
    const csv = toCsv(
      [
        { label: 'at', value: (r: { at: string; error: string | null }) => r.at },
        { label: 'error', value: (r) => r.error },
      ],
      [
        { at: '2026-01-01T00:00:00Z', error: 'said "no", then left\nfor good' },
        { at: '2026-01-02T00:00:00Z', error: null },
      ],
    );
    expect(csv).toBe('at,error\r\n2026-01-01T00:00:00Z,"said ""no"", then left\nfor good"\r\n2026-01-02T00:00:00Z,\r\n');
  });
});

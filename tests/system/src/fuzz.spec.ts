import fc from 'fast-check';
import { startOndemandStack, OndemandStack } from './support/ondemand-stack';

// A bounded fuzz run of the public HTTP API, the built services as separate processes: requests
// made from the routes of /openapi.json with hostile path parameters, query strings, bodies,
// content types and tokens. No answer may be a 5xx (the on-demand routes excepted, whose 502,
// 503 and 504 are the serving machine's), every error must be the envelope (OpenAI's error shape
// on the OpenAI-compatible routes), and no service may die (an unhandled rejection ends a Node
// process).

let stack: OndemandStack;
let tokens: string[];
let operations: { method: string; path: string }[];

const RUNS = 250;
const TIME_LIMIT_MS = 40_000;

beforeAll(async () => {
  stack = await startOndemandStack();
  tokens = [
    await stack.oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] }),
    await stack.oidc.mint({ username: 'areamanager', roles: ['AreaManager'] }),
    await stack.oidc.mint({ username: 'observer', roles: ['Observer'] }),
  ];
  const doc = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
  );
  expect(operations.length).toBeGreaterThan(15);
});

afterAll(async () => {
  await stack?.close();
});

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.constantFrom(
    '',
    '..',
    '%',
    '%00',
    '%2F..%2F',
    'a'.repeat(300),
    'ab'.repeat(32),
    '4b4f7a8e-3a8c-4a34-9a57-3a1e1e0a0001',
    'null',
    '-1',
    '1e309',
  ),
);
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record(
    {
      name: hostileText,
      base_url: fc.oneof(hostileText, fc.constantFrom('http://169.254.169.254', 'http://gpu.example.org', 'http://[::1]:1')),
      protocol: fc.constantFrom('clearml-serving', 'kserve-v2', 'x'),
      machine_id: hostileText,
      endpoint: hostileText,
      params: fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileText),
      params_schema: fc.jsonValue({ maxDepth: 4 }),
      clearml_task_id: hostileText,
      default_queue: hostileText,
      task_id: hostileText,
      access_token: hostileText,
      visibility: fc.constantFrom('public', 'private', 'shared', 'x'),
      shared_with: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  ),
);
const request = fc.record({
  operation: fc.nat(),
  method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'), { freq: 4 }),
  segments: fc.array(hostileText, { minLength: 3, maxLength: 3 }),
  query: fc.dictionary(
    fc.constantFrom('limit', 'cursor', 'caller', 'wait', 'until_not', 'name', 'since', 'outcome', 'machine_id', 'x'),
    hostileText,
    {
      maxKeys: 3,
    },
  ),
  body: fc.option(jsonBody, { freq: 2 }),
  rawBody: fc.option(fc.uint8Array({ maxLength: 2000 }), { freq: 6 }),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'image/png',
    'multipart/form-data; boundary=x',
    '',
  ),
  // a header value is Latin-1 text: what fetch can send
  token: fc.oneof(fc.nat({ max: 2 }), fc.stringMatching(/^[\x21-\x7e]{0,300}$/), fc.constantFrom('e30.e30.', 'a.b.c', '')),
});

describe('fuzzing the HTTP API', () => {
  it('answers every request with a status below 500 and the error envelope, and no service dies', async () => {
    const findings: string[] = [];
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const op = operations[r.operation % operations.length]!;
        let i = 0;
        const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(r.segments[i++ % 3]!));
        const query = new URLSearchParams(r.query).toString();
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        headers.authorization = `Bearer ${typeof r.token === 'number' ? tokens[r.token] : r.token}`;
        const method = r.method ?? op.method;
        const body =
          method === 'GET' || method === 'HEAD' ? undefined : r.body !== null ? JSON.stringify(r.body) : (r.rawBody ?? undefined);
        let res: Response;
        try {
          res = await fetch(`${stack.gatewayUrl}${path}${query ? `?${query}` : ''}`, {
            method,
            headers,
            ...(body !== undefined ? { body } : {}),
            signal: AbortSignal.timeout(15_000),
          });
        } catch (err) {
          findings.push(`${method} ${path}: ${String(err)}`);
          return;
        }
        const text = await res.text();
        statuses.add(res.status);
        const openai = path.startsWith('/openai/');
        const ondemand = path.startsWith('/v1/ondemand/') || path === '/clearml/serve/ondemand' || openai;
        if (res.status >= 500 && !(ondemand && [502, 503, 504].includes(res.status)))
          findings.push(`${method} ${path}?${query} → ${res.status} ${text.slice(0, 200)}`);
        if (res.status >= 400 && method !== 'HEAD' && openai) {
          // The OpenAI-compatible routes answer in OpenAI's error shape, which its SDKs read.
          type OpenaiError = { error?: { message?: unknown; type?: unknown; code?: unknown } } | null;
          const body = parseJson(text) as OpenaiError;
          if (typeof body?.error?.message !== 'string' || typeof body.error.type !== 'string')
            findings.push(`${method} ${path} → ${res.status} without OpenAI's error shape: ${text.slice(0, 200)}`);
        } else if (res.status >= 400 && method !== 'HEAD') {
          type Envelope = { error?: { code?: unknown; message?: unknown }; request_id?: unknown } | null;
          const envelope = parseJson(text) as Envelope;
          if (
            typeof envelope?.error?.code !== 'string' ||
            typeof envelope.error.message !== 'string' ||
            typeof envelope.request_id !== 'string'
          ) {
            findings.push(`${method} ${path} → ${res.status} without the envelope: ${text.slice(0, 200)}`);
          }
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    expect(findings).toEqual([]);
    // the run reached past the token check: validation refused some requests, and some succeeded
    expect([...statuses]).toEqual(expect.arrayContaining([200, 400, 401]));
    for (const service of stack.services) {
      expect({ service: service.name, exited: service.child.exitCode ?? service.child.signalCode }).toEqual({
        service: service.name,
        exited: null,
      });
      expect(service.lines.filter((l) => /unhandled|uncaught/i.test(l))).toEqual([]);
    }
  }, 120_000);
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

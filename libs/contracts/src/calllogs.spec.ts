import { randomUUID } from 'node:crypto';
import {
  appendOndemandCall,
  emptyOndemandCallColumns,
  ONDEMAND_CALL_FIELDS,
  ondemandCallCount,
  OndemandCallRecord,
  ondemandCallRecords,
  ondemandCallsRecorded,
} from './calllogs';

const record = (caller: string): OndemandCallRecord => ({
  id: randomUUID(),
  at: new Date().toISOString(),
  correlation_id: 'req-1',
  caller,
  machine_id: 'a'.repeat(64),
  machine_name: null,
  endpoint: 'mnist',
  route: 'v1',
  status_code: 200,
  outcome: 'ok',
  duration_ms: 1.5,
  upstream_ms: null,
  request_bytes: 3,
  response_bytes: 4,
  error: null,
  response_excerpt: null,
  prompt_tokens: null,
  completion_tokens: null,
});

describe('on-demand call batches', () => {
  it('keeps records as columns and gives them back as they were', () => {
    const columns = emptyOndemandCallColumns();
    const records = [record('alice'), record('bob')];
    for (const r of records) appendOndemandCall(columns, r);
    expect(ondemandCallCount(columns)).toBe(2);
    expect(Object.keys(columns)).toEqual(ONDEMAND_CALL_FIELDS);
    expect(columns.caller).toEqual(['alice', 'bob']);
    expect(ondemandCallRecords(columns)).toEqual(records);
    expect(ondemandCallsRecorded.payload.parse({ batch_id: randomUUID(), columns })).toEqual({ batch_id: expect.any(String), columns });
  });

  it('refuses an empty batch, columns of different lengths and a bad value in any row', () => {
    const parse = (columns: ReturnType<typeof emptyOndemandCallColumns>) =>
      ondemandCallsRecorded.payload.safeParse({ batch_id: randomUUID(), columns }).success;
    expect(parse(emptyOndemandCallColumns())).toBe(false);
    const ragged = emptyOndemandCallColumns();
    appendOndemandCall(ragged, record('alice'));
    appendOndemandCall(ragged, record('bob'));
    ragged.caller.pop();
    expect(parse(ragged)).toBe(false);
    const bad = emptyOndemandCallColumns();
    appendOndemandCall(bad, record('alice'));
    appendOndemandCall(bad, { ...record('bob'), status_code: 42 });
    expect(parse(bad)).toBe(false);
    const missing: Partial<ReturnType<typeof emptyOndemandCallColumns>> = emptyOndemandCallColumns();
    appendOndemandCall(missing as ReturnType<typeof emptyOndemandCallColumns>, record('alice'));
    delete missing.error;
    expect(ondemandCallsRecorded.payload.safeParse({ batch_id: randomUUID(), columns: missing }).success).toBe(false);
  });
});

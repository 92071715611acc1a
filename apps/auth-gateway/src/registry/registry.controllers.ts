import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import {
  Caller,
  CIRCUIT_STATES,
  circuitList,
  isoDateSchema,
  listSortSchema,
  machineCallHealthSchema,
  machineHealthGet,
  statsRangeSchema,
  worstCircuit,
  endpointCreate,
  endpointDelete,
  endpointGet,
  endpointInputSchema,
  endpointList,
  endpointPatchSchema,
  endpointSchema,
  endpointUpdate,
  entityRefSchema,
  machineCreate,
  machineDelete,
  machineGet,
  machineInputSchema,
  machineList,
  machinePatchSchema,
  machineSchema,
  machineUpdate,
  ondemandCallRecordSchema,
  ondemandLogList,
  ondemandLogFilterSchema,
  pageOf,
  pageRequestSchema,
  queryNumber,
  statsGet,
  uuidSchema,
} from '@cleargate/contracts';
import { RpcClient } from '@cleargate/messaging';
import { Auth, CurrentCaller, RequestId } from '../auth/auth.guard';
import { parseInput } from '../http/validation';
import { Doc } from '../openapi/doc.decorator';

const boolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');
const idParams = z.object({ id: entityRefSchema });
const uuidParams = z.object({ id: uuidSchema });
const deleted = z.object({ deleted: z.literal(true), id: uuidSchema });

const machinesQuery = z.object({
  ...pageRequestSchema.shape,
  name: z.string().max(100).optional().describe('Part of the name, any case'),
  enabled: boolQuery.optional(),
  sort: listSortSchema.optional().describe('Order: a field, descending with a leading `-` (default `-created_at`)'),
});
const healthQuery = z.object({
  ids: z
    .string()
    .max(100 * 70)
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(entityRefSchema).min(1).max(100))
    .describe('Comma-separated machine ids (uuid or public machine_id), at most 100'),
  window_minutes: queryNumber().int().min(1).max(1440).default(15).describe('Period of the call counts'),
});
const machineHealthItem = machineCallHealthSchema.extend({
  circuit: z
    .enum([...CIRCUIT_STATES, 'unknown'])
    .describe('The circuit breaker: open if any router replica has it open, half_open if any is trying; unknown when no router answered'),
  circuit_since: isoDateSchema.nullable().describe('When that circuit last changed state'),
});

@Controller('v1/machines')
export class MachinesController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @HttpCode(201)
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Register a serving machine',
    tags: ['machines'],
    body: machineInputSchema,
    responses: { 201: machineSchema, 409: null },
    auth: true,
  })
  create(@Body() body: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(machineCreate, { caller, machine: parseInput(machineInputSchema, body, 'body') }, { correlationId: rid });
  }

  @Get()
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'List serving machines (your own; all for administrators)',
    tags: ['machines'],
    query: machinesQuery,
    responses: { 200: pageOf(machineSchema) },
    auth: true,
  })
  list(@Query() query: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const { limit, cursor, ...filter } = parseInput(machinesQuery, query, 'query');
    return this.rpc.request(machineList, { caller, page: { limit, ...(cursor ? { cursor } : {}) }, filter }, { correlationId: rid });
  }

  @Get('health')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Health of serving machines: recent calls and errors, the last failed call, the circuit breaker',
    description:
      'Your own machines (any for administrators); others are left out. Calls and errors come from the call log, ' +
      'the circuit from every router replica.',
    tags: ['machines'],
    query: healthQuery,
    responses: { 200: z.object({ items: z.array(machineHealthItem) }) },
    auth: true,
  })
  async health(@Query() query: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const { ids, window_minutes } = parseInput(healthQuery, query, 'query');
    const { items } = await this.rpc.request(machineHealthGet, { caller, machine_ids: ids, window_minutes }, { correlationId: rid });
    if (!items.length) return { items: [] };
    // Each replica keeps its own breakers; without any router the circuit is unknown, the rest still useful.
    const views = await this.rpc
      .gather(circuitList, { machine_ids: items.map((i) => i.machine_id) }, { correlationId: rid, maxWaitMs: 1000, stallMs: 50 })
      .catch(() => null);
    return {
      items: items.map((item) => {
        const seen = (views ?? []).flatMap((v) => v.circuits.filter((c) => c.machine_id === item.machine_id));
        const state = worstCircuit(seen.map((c) => c.state));
        const since = seen
          .filter((c) => c.state === state && c.since)
          .map((c) => c.since!)
          .sort()
          .pop();
        return { ...item, circuit: views ? state : ('unknown' as const), circuit_since: since ?? null };
      }),
    };
  }

  @Get(':id')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Get a serving machine by id or public machine_id',
    tags: ['machines'],
    params: idParams,
    responses: { 200: machineSchema, 404: null },
    auth: true,
  })
  get(@Param() params: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(machineGet, { caller, id: parseInput(idParams, params, 'path').id }, { correlationId: rid });
  }

  @Patch(':id')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Change a serving machine',
    tags: ['machines'],
    params: idParams,
    body: machinePatchSchema,
    responses: { 200: machineSchema, 404: null, 409: null },
    auth: true,
  })
  update(@Param() params: unknown, @Body() body: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(
      machineUpdate,
      { caller, id: parseInput(idParams, params, 'path').id, patch: parseInput(machinePatchSchema, body, 'body') },
      { correlationId: rid },
    );
  }

  @Delete(':id')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Delete a serving machine without endpoints',
    tags: ['machines'],
    params: idParams,
    responses: { 200: deleted, 404: null, 409: null },
    auth: true,
  })
  delete(@Param() params: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(machineDelete, { caller, id: parseInput(idParams, params, 'path').id }, { correlationId: rid });
  }
}

const endpointsQuery = z.object({
  ...pageRequestSchema.shape,
  machine_id: entityRefSchema.optional(),
  name: z.string().max(128).optional().describe('Part of the name, any case'),
  sort: listSortSchema.optional().describe('Order: a field, descending with a leading `-` (default `-created_at`)'),
});

@Controller('v1/endpoints')
export class EndpointsController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @HttpCode(201)
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Register an on-demand endpoint on a machine',
    tags: ['endpoints'],
    body: endpointInputSchema,
    responses: { 201: endpointSchema, 404: null, 409: null },
    auth: true,
  })
  create(@Body() body: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(endpointCreate, { caller, endpoint: parseInput(endpointInputSchema, body, 'body') }, { correlationId: rid });
  }

  @Get()
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'List on-demand endpoints (your own; all for administrators)',
    tags: ['endpoints'],
    query: endpointsQuery,
    responses: { 200: pageOf(endpointSchema) },
    auth: true,
  })
  list(@Query() query: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const { limit, cursor, ...filter } = parseInput(endpointsQuery, query, 'query');
    return this.rpc.request(endpointList, { caller, page: { limit, ...(cursor ? { cursor } : {}) }, filter }, { correlationId: rid });
  }

  @Get(':id')
  @Auth({ level: 'registrar' })
  @Doc({ summary: 'Get an endpoint', tags: ['endpoints'], params: uuidParams, responses: { 200: endpointSchema, 404: null }, auth: true })
  get(@Param() params: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(endpointGet, { caller, id: parseInput(uuidParams, params, 'path').id }, { correlationId: rid });
  }

  @Patch(':id')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Change an endpoint',
    tags: ['endpoints'],
    params: uuidParams,
    body: endpointPatchSchema,
    responses: { 200: endpointSchema, 404: null, 409: null },
    auth: true,
  })
  update(@Param() params: unknown, @Body() body: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(
      endpointUpdate,
      { caller, id: parseInput(uuidParams, params, 'path').id, patch: parseInput(endpointPatchSchema, body, 'body') },
      { correlationId: rid },
    );
  }

  @Delete(':id')
  @Auth({ level: 'registrar' })
  @Doc({ summary: 'Delete an endpoint', tags: ['endpoints'], params: uuidParams, responses: { 200: deleted, 404: null }, auth: true })
  delete(@Param() params: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(endpointDelete, { caller, id: parseInput(uuidParams, params, 'path').id }, { correlationId: rid });
  }
}

const ondemandLogQuery = ondemandLogFilterSchema.extend(pageRequestSchema.shape);
const statsQuery = z.object({
  hours: queryNumber().int().min(1).max(744).default(24).describe('Hourly buckets over the last hours (when no range is given)'),
  range: statsRangeSchema.optional().describe('1h (minute buckets), 24h (hours), 7d (6 hours) or 30d (days); wins over hours'),
});

@Controller('v1')
export class LogsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('logs/ondemand')
  @Auth({ level: 'caller' })
  @Doc({
    summary: 'On-demand call log (your own calls; everyone’s for administrators), newest first',
    tags: ['logs'],
    query: ondemandLogQuery,
    responses: { 200: pageOf(ondemandCallRecordSchema) },
    auth: true,
  })
  ondemand(@Query() query: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const { limit, cursor, ...filter } = parseInput(ondemandLogQuery, query, 'query');
    return this.rpc.request(ondemandLogList, { caller, page: { limit, ...(cursor ? { cursor } : {}) }, filter }, { correlationId: rid });
  }

  @Get('stats')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Counts of machines, endpoints, tasks and runs; request series with errors and p95 latency; the busiest endpoints and tasks',
    tags: ['logs'],
    query: statsQuery,
    responses: { 200: statsGet.response },
    auth: true,
  })
  stats(@Query() query: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const { hours, range } = parseInput(statsQuery, query, 'query');
    return this.rpc.request(statsGet, { caller, hours, ...(range ? { range } : {}) }, { correlationId: rid });
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import {
  Caller,
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

const machinesQuery = z.object({ ...pageRequestSchema.shape, name: z.string().max(100).optional(), enabled: boolQuery.optional() });

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
  name: z.string().max(128).optional(),
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
const statsQuery = z.object({ hours: queryNumber().int().min(1).max(744).default(24) });

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
    summary: 'Counts of machines, endpoints and tasks, and hourly request series',
    tags: ['logs'],
    query: statsQuery,
    responses: { 200: statsGet.response },
    auth: true,
  })
  stats(@Query() query: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(statsGet, { caller, hours: parseInput(statsQuery, query, 'query').hours }, { correlationId: rid });
  }
}

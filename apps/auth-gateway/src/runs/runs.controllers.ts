import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AppError,
  Caller,
  enqueueCallRecordSchema,
  enqueueLogList,
  enqueueLogFilterSchema,
  entityRefSchema,
  listSortSchema,
  pageOf,
  pageRequestSchema,
  publicIdSchema,
  queryNumber,
  queueNameSchema,
  Run,
  runCreate,
  runGet,
  runList,
  runParamsSchema,
  runSchema,
  runListFilterSchema,
  runStatusSchema,
  taskCreate,
  taskDelete,
  taskGet,
  taskList,
  taskTemplateInputSchema,
  taskTemplatePatchSchema,
  taskTemplateSchema,
  taskUpdate,
  uuidSchema,
} from '@cleargate/contracts';
import { RpcClient } from '@cleargate/messaging';
import { Auth, CurrentCaller, RequestId } from '../auth/auth.guard';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { parseInput } from '../http/validation';
import { Doc } from '../openapi/doc.decorator';
import { modelInput } from '../ondemand/ondemand.routes';

const refParams = z.object({ id: entityRefSchema });
const runParams = z.object({ runId: uuidSchema });
const deleted = z.object({ deleted: z.literal(true), id: uuidSchema });
const tasksQuery = z.object({
  ...pageRequestSchema.shape,
  name: z.string().max(200).optional().describe('Part of the name, any case'),
  sort: listSortSchema.optional().describe('Order: a field, descending with a leading `-` (default `-created_at`)'),
});
const runsQuery = runListFilterSchema.extend(pageRequestSchema.shape);
const runWaitQuery = z.object({
  wait: queryNumber().min(0).max(120).optional().describe('Seconds to wait for the next status change'),
});
const enqueueLogQuery = enqueueLogFilterSchema.extend(pageRequestSchema.shape);

/** `params` may be JSON text, as the Node-RED block sends its editor field; it must be an object. */
function runParamsFrom(raw: unknown): Record<string, unknown> {
  const parsed = runParamsSchema.safeParse(modelInput(raw));
  if (!parsed.success)
    throw new AppError('invalid_argument', 'params must be a JSON object', {
      issues: [{ path: 'body.params', message: 'expected an object' }],
    });
  return parsed.data;
}

export const compatEnqueueBody = z.object({
  access_token: z.string().optional().describe('The Snap4City access token, if not sent as a bearer token'),
  task_id: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(publicIdSchema)
    .describe('Public id of the registered task (64 hex characters)'),
  queue: queueNameSchema.nullish().describe('Queue name, if not the task’s default'),
  params: z.unknown().optional().describe('Parameters: a JSON object or JSON text'),
});
const runBody = z.object({ task_id: publicIdSchema, queue: queueNameSchema.nullish(), params: z.unknown().optional() });

const compatQueued = z.object({ status: z.literal('queued'), task_id: z.string(), run_id: uuidSchema, queue: z.string() });
const compatPending = z.object({ status: runStatusSchema, run_id: uuidSchema, queue: z.string() });

@Controller('v1/tasks')
export class TasksController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @HttpCode(201)
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Register a ClearML task as runnable',
    tags: ['tasks'],
    body: taskTemplateInputSchema,
    responses: { 201: taskTemplateSchema },
    auth: true,
  })
  create(@Body() body: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(taskCreate, { caller, task: parseInput(taskTemplateInputSchema, body, 'body') }, { correlationId: rid });
  }

  @Get()
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'List runnable tasks (your own; all for administrators)',
    tags: ['tasks'],
    query: tasksQuery,
    responses: { 200: pageOf(taskTemplateSchema) },
    auth: true,
  })
  list(@Query() query: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const { limit, cursor, ...filter } = parseInput(tasksQuery, query, 'query');
    return this.rpc.request(taskList, { caller, page: { limit, ...(cursor ? { cursor } : {}) }, filter }, { correlationId: rid });
  }

  @Get(':id')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Get a runnable task by id or public task_id',
    tags: ['tasks'],
    params: refParams,
    responses: { 200: taskTemplateSchema, 404: null },
    auth: true,
  })
  get(@Param() params: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(taskGet, { caller, id: parseInput(refParams, params, 'path').id }, { correlationId: rid });
  }

  @Patch(':id')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Change a runnable task',
    tags: ['tasks'],
    params: refParams,
    body: taskTemplatePatchSchema,
    responses: { 200: taskTemplateSchema, 404: null },
    auth: true,
  })
  update(@Param() params: unknown, @Body() body: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(
      taskUpdate,
      { caller, id: parseInput(refParams, params, 'path').id, patch: parseInput(taskTemplatePatchSchema, body, 'body') },
      { correlationId: rid },
    );
  }

  @Delete(':id')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Delete a runnable task without runs',
    tags: ['tasks'],
    params: refParams,
    responses: { 200: deleted, 404: null, 409: null },
    auth: true,
  })
  delete(@Param() params: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(taskDelete, { caller, id: parseInput(refParams, params, 'path').id }, { correlationId: rid });
  }
}

@Controller()
export class RunsController {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('v1/runs')
  @HttpCode(202)
  @Auth({ level: 'caller' })
  @Doc({
    summary: 'Start a run of a registered task',
    description: 'Answers 202 as soon as the run is stored; follow it with GET /v1/runs/{runId}?wait=…',
    tags: ['runs'],
    body: runBody,
    responses: { 202: z.object({ run_id: uuidSchema, status: runStatusSchema }), 404: null },
    auth: true,
  })
  async create(@Body() body: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const input = parseInput(runBody, body, 'body');
    const run = await this.rpc.request(
      runCreate,
      { caller, task_id: input.task_id, queue: input.queue ?? null, params: runParamsFrom(input.params), route: 'v1' },
      { correlationId: rid },
    );
    return { run_id: run.run_id, status: run.status };
  }

  @Get('v1/runs')
  @Auth({ level: 'caller' })
  @Doc({
    summary: 'List runs (your own; everyone’s for administrators), newest first',
    tags: ['runs'],
    query: runsQuery,
    responses: { 200: pageOf(runSchema) },
    auth: true,
  })
  list(@Query() query: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const { limit, cursor, ...filter } = parseInput(runsQuery, query, 'query');
    return this.rpc.request(runList, { caller, page: { limit, ...(cursor ? { cursor } : {}) }, filter }, { correlationId: rid });
  }

  @Get('v1/runs/:runId')
  @Auth({ level: 'caller' })
  @Doc({
    summary: 'Get a run; with ?wait=<seconds>, wait for its next status change',
    tags: ['runs'],
    params: runParams,
    query: runWaitQuery,
    responses: { 200: runSchema, 404: null },
    auth: true,
  })
  get(@Param() params: unknown, @Query() query: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const { runId } = parseInput(runParams, params, 'path');
    const waitMs = Math.min((parseInput(runWaitQuery, query, 'query').wait ?? 0) * 1000, this.config.RUN_WAIT_MAX_MS);
    return this.rpc.request(
      runGet,
      { caller, run_id: runId, wait_ms: Math.round(waitMs) },
      { correlationId: rid, timeoutMs: waitMs + 10_000 },
    );
  }

  @Get('v1/logs/enqueue')
  @Auth({ level: 'caller' })
  @Doc({
    summary: 'Enqueue call log (your own requests; everyone’s for administrators), newest first',
    tags: ['logs'],
    query: enqueueLogQuery,
    responses: { 200: pageOf(enqueueCallRecordSchema) },
    auth: true,
  })
  logs(@Query() query: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const { limit, cursor, ...filter } = parseInput(enqueueLogQuery, query, 'query');
    return this.rpc.request(enqueueLogList, { caller, page: { limit, ...(cursor ? { cursor } : {}) }, filter }, { correlationId: rid });
  }

  @Post('clearml/serve/enqueue_task')
  @Auth({ level: 'caller', bodyToken: true })
  @Doc({
    summary: 'Run a registered task (compatible with the Snap4City Node-RED block)',
    description:
      'Answers `{status: "queued", task_id: <cloned ClearML task id>, run_id, queue}` once ClearML accepted the run; ' +
      'if that takes longer than the gateway waits, 202 with the run id and its current status.',
    tags: ['runs'],
    body: compatEnqueueBody,
    responses: { 200: compatQueued, 202: compatPending, 404: null, 502: null },
    auth: true,
  })
  async compatEnqueue(@Body() body: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string, @Res() reply: FastifyReply) {
    const input = parseInput(compatEnqueueBody, body, 'body');
    const created = await this.rpc.request(
      runCreate,
      { caller, task_id: input.task_id, queue: input.queue ?? null, params: runParamsFrom(input.params), route: 'compat' },
      { correlationId: rid },
    );
    const waitMs = this.config.ENQUEUE_COMPAT_WAIT_MS;
    const run: Run = await this.rpc.request(
      runGet,
      { caller, run_id: created.run_id, wait_ms: waitMs, until_not: ['accepted', 'retrying'] },
      { correlationId: rid, timeoutMs: waitMs + 10_000 },
    );
    if (run.status === 'failed') {
      throw new AppError(run.error_code ?? 'upstream_error', run.error ?? 'the run failed', { run_id: run.run_id });
    }
    if (run.clearml_task_id && run.status !== 'accepted' && run.status !== 'retrying') {
      return reply.status(200).send({ status: 'queued', task_id: run.clearml_task_id, run_id: run.run_id, queue: run.queue });
    }
    return reply.status(202).send({ status: run.status, run_id: run.run_id, queue: run.queue });
  }
}

import { Controller, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AppError,
  Caller,
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
  uuidSchema,
} from '@cleargate/contracts';
import { RpcClient } from '@cleargate/messaging';
import { Auth, CurrentCaller, RequestId } from '../auth/auth.guard';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { Input, pageAndFilter } from '../http/input';
import { Doc } from '../openapi/doc.decorator';
import { modelInput } from '../ondemand/ondemand.routes';

const runParams = z.object({ runId: uuidSchema });
const runsQuery = runListFilterSchema.extend(pageRequestSchema.shape);
const runWaitQuery = z.object({
  wait: queryNumber().min(0).max(120).optional().describe('Seconds to wait for the next status change'),
  until_not: z
    .string()
    .max(200)
    .optional()
    .transform((s) => (s ? s.split(',') : undefined))
    .pipe(z.array(runStatusSchema).optional())
    .describe(
      'With wait: wait while the run is in one of these statuses (comma-separated), e.g. the status last seen, ' +
        'rather than for a change from its status now; a change made between two polls then ends the next one at once',
    ),
});

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
  async create(@Input('body') input: z.output<typeof runBody>, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
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
  list(@Input('query') query: z.output<typeof runsQuery>, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(runList, { caller, ...pageAndFilter(query) }, { correlationId: rid });
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
  get(
    @Input('params') { runId }: z.output<typeof runParams>,
    @Input('query') { wait, until_not }: z.output<typeof runWaitQuery>,
    @CurrentCaller() caller: Caller,
    @RequestId() rid: string,
  ) {
    const waitMs = Math.min((wait ?? 0) * 1000, this.config.RUN_WAIT_MAX_MS);
    return this.rpc.request(
      runGet,
      { caller, run_id: runId, wait_ms: Math.round(waitMs), ...(until_not ? { until_not } : {}) },
      { correlationId: rid, timeoutMs: waitMs + 10_000 },
    );
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
  async compatEnqueue(
    @Input('body') input: z.output<typeof compatEnqueueBody>,
    @CurrentCaller() caller: Caller,
    @RequestId() rid: string,
    @Res() reply: FastifyReply,
  ) {
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

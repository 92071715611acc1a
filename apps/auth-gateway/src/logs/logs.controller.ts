import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';
import {
  Caller,
  enqueueCallRecordSchema,
  enqueueLogFilterSchema,
  enqueueLogList,
  ondemandCallRecordSchema,
  ondemandLogFilterSchema,
  ondemandLogList,
  pageOf,
  pageRequestSchema,
  queryNumber,
  statsGet,
  statsRangeSchema,
} from '@cleargate/contracts';
import { RpcClient } from '@cleargate/messaging';
import { Auth, CurrentCaller, RequestId } from '../auth/auth.guard';
import { Input, pageAndFilter } from '../http/input';
import { Doc } from '../openapi/doc.decorator';

const ondemandLogQuery = ondemandLogFilterSchema.extend(pageRequestSchema.shape);
const enqueueLogQuery = enqueueLogFilterSchema.extend(pageRequestSchema.shape);
const statsQuery = z.object({
  hours: queryNumber().int().min(1).max(744).default(24).describe('Hourly buckets over the last hours (when no range is given)'),
  range: statsRangeSchema.optional().describe('1h (minute buckets), 24h (hours), 7d (6 hours) or 30d (days); wins over hours'),
});

/** The call logs of both services and the counts built from them. */
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
  ondemand(@Input('query') query: z.output<typeof ondemandLogQuery>, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(ondemandLogList, { caller, ...pageAndFilter(query) }, { correlationId: rid });
  }

  @Get('logs/enqueue')
  @Auth({ level: 'caller' })
  @Doc({
    summary: 'Enqueue call log (your own requests; everyone’s for administrators), newest first',
    tags: ['logs'],
    query: enqueueLogQuery,
    responses: { 200: pageOf(enqueueCallRecordSchema) },
    auth: true,
  })
  enqueue(@Input('query') query: z.output<typeof enqueueLogQuery>, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(enqueueLogList, { caller, ...pageAndFilter(query) }, { correlationId: rid });
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
  stats(@Input('query') { hours, range }: z.output<typeof statsQuery>, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(statsGet, { caller, hours, ...(range ? { range } : {}) }, { correlationId: rid });
  }
}

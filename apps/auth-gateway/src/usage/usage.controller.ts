import { Controller, Get, Headers, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Caller, usageCsv, usageFromColumns, usageGet, usageQuerySchema, usageSchema } from '@cleargate/contracts';
import { RpcClient } from '@cleargate/messaging';
import { Auth, CurrentCaller, RequestId } from '../auth/auth.guard';
import { Input } from '../http/input';
import { Doc } from '../openapi/doc.decorator';

const DAY = 86_400_000;
const usageQuery = usageQuerySchema.extend({
  format: z.enum(['json', 'csv']).optional().describe('csv: RFC 4180 text (also with `Accept: text/csv`)'),
});

/** Usage per day or month, from the registry's rollups: everyone's for administrators, one's own otherwise. */
@Controller('v1/usage')
export class UsageController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Auth({ level: 'caller' })
  @Doc({
    summary: 'Usage: on-demand calls (errors, total and p95 duration, bytes) and runs (wait, running and GPU time) per day or month',
    description:
      'Administrators read everyone (`user` for one caller) grouped by user, endpoint, task or queue; everyone else their own. ' +
      'The range is whole UTC days (default: the last 30). A run counts on the day it was requested. The p95 is estimated ' +
      'from fixed duration buckets (exact to the bucket). `format=csv` (or `Accept: text/csv`) answers CSV.',
    tags: ['usage'],
    query: usageQuery,
    responses: { 200: usageSchema },
    csv: 'One line per row: calls first, then runs, with a `kind` column',
    auth: true,
  })
  async get(
    @Input('query') query: z.output<typeof usageQuery>,
    @Headers('accept') accept: string | undefined,
    @CurrentCaller() caller: Caller,
    @RequestId() rid: string,
    @Res() reply: FastifyReply,
  ) {
    const to = query.to ?? new Date().toISOString();
    const from = query.from ?? new Date(Date.parse(to) - 30 * DAY).toISOString();
    const answer = await this.rpc.request(
      usageGet,
      { caller, from, to, bucket: query.bucket, group_by: query.group_by, ...(query.user ? { user: query.user } : {}) },
      { correlationId: rid },
    );
    const usage = usageFromColumns(answer);
    const csv = query.format === 'csv' || (query.format === undefined && /\btext\/csv\b/i.test(accept ?? ''));
    if (!csv) return reply.send(usage);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="usage-${usage.from.slice(0, 10)}-${usage.to.slice(0, 10)}.csv"`)
      .send(usageCsv(usage));
  }
}

import { Controller, Get, Header } from '@nestjs/common';
import { z } from 'zod';
import { Caller, machineTargets } from '@cleargate/contracts';
import { RpcClient } from '@cleargate/messaging';
import { Auth, CurrentCaller, RequestId } from '../auth/auth.guard';
import { Doc } from '../openapi/doc.decorator';

const targetGroups = z.array(z.object({ targets: z.array(z.string()), labels: z.record(z.string(), z.string()) }));

/**
 * Prometheus HTTP service discovery (`http_sd_configs`): every registered serving machine's
 * metrics URL (Triton's :8002/metrics) as a target group, so Prometheus scrapes the GPU
 * machines that admins register here. Protected like the registry routes; Prometheus gets a
 * token with its `oauth2` client-credentials settings.
 */
@Controller('v1/sd')
export class ServiceDiscoveryController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('serving-machines')
  @Header('content-type', 'application/json; charset=utf-8')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Prometheus HTTP service discovery of the serving machines’ metrics endpoints',
    tags: ['operations'],
    responses: { 200: targetGroups },
    auth: true,
  })
  async servingMachines(@CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const machines = await this.rpc.request(machineTargets, { caller }, { correlationId: rid });
    return machines.map((m) => {
      const url = new URL(m.metrics_url);
      const custom = Object.fromEntries(Object.entries(m.labels).filter(([k]) => !k.startsWith('__')));
      return {
        targets: [url.host],
        labels: {
          ...custom,
          __scheme__: url.protocol.replace(':', ''),
          __metrics_path__: url.pathname || '/metrics',
          machine: m.name,
          machine_id: m.machine_id,
          protocol: m.protocol,
        },
      };
    });
  }
}

import { Controller, Get, Inject } from '@nestjs/common';
import { z } from 'zod';
import { hasAtLeast, highestRole, ROLES } from '@cleargate/auth';
import { Caller } from '@cleargate/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { Doc } from '../openapi/doc.decorator';
import { Auth, CurrentCaller } from './auth.guard';

export const meSchema = z.object({
  username: z.string(),
  subject: z.string(),
  roles: z.array(z.string()),
  groups: z.array(z.string()),
  role: z.enum(ROLES).describe('The highest ClearGate role among the token’s roles'),
  can: z.object({
    call: z.boolean().describe('may call endpoints and start tasks shared with them'),
    register: z.boolean().describe('may register machines, endpoints and tasks'),
    administer: z.boolean().describe('administers everything and reads everyone’s logs and runs'),
  }),
});

/** Who the token belongs to, as the gateway sees them: what a client (the console) may offer them. */
@Controller('v1/me')
export class MeController {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  @Get()
  @Auth({ level: 'authenticated' })
  @Doc({
    summary: 'The caller: name, roles and what the gateway lets them do',
    tags: ['identity'],
    responses: { 200: meSchema },
    auth: true,
  })
  me(@CurrentCaller() caller: Caller): z.infer<typeof meSchema> {
    return {
      username: caller.username,
      subject: caller.subject,
      roles: caller.roles,
      groups: caller.groups,
      role: highestRole(caller.roles),
      can: {
        call: hasAtLeast(caller.roles, this.config.ROLE_CALLER),
        register: hasAtLeast(caller.roles, this.config.ROLE_REGISTRAR),
        administer: caller.admin,
      },
    };
  }
}

import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Caller } from '@cleargate/contracts';
import { AuthService, bearerToken } from './auth.service';

export interface AuthRequirement {
  /** `authenticated`: any valid token, whatever its role (the console's /v1/me). */
  level: 'authenticated' | 'caller' | 'registrar' | 'admin';
  /** The Snap4City Node-RED blocks send the token as `access_token` in the JSON body. */
  bodyToken?: boolean;
}

const AUTH = Symbol('AUTH');
/** Declares who may call a route; routes without it are public (docs, OpenAPI). */
export const Auth = (requirement: AuthRequirement) => SetMetadata(AUTH, requirement);

export type AuthenticatedRequest = FastifyRequest & { caller?: Caller };

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement = this.reflector.get<AuthRequirement | undefined>(AUTH, context.getHandler());
    if (!requirement) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    let token = bearerToken(request.headers.authorization);
    if (!token && requirement.bodyToken) {
      const body = request.body as { access_token?: unknown } | undefined;
      if (body && typeof body === 'object' && typeof body.access_token === 'string') token = body.access_token;
    }
    request.caller = await this.auth.authenticate(token, this.auth.roleFor(requirement.level));
    return true;
  }
}

export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().caller!;
});

/** The request id, which is also the correlation id of every bus message the request causes. */
export const RequestId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  return context.switchToHttp().getRequest<FastifyRequest>().id;
});

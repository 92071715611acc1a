import { Injectable } from '@nestjs/common';
import { RpcParsed, utilsImport } from '@cleargate/contracts';
import { RpcContext, RpcHandler } from '@cleargate/messaging';
import { ImportsService } from './imports.service';

@Injectable()
export class ImportsHandlers {
  constructor(private readonly imports: ImportsService) {}

  @RpcHandler(utilsImport)
  utils(request: RpcParsed<typeof utilsImport>, ctx: RpcContext) {
    return this.imports.importUtils(request, ctx.correlationId);
  }
}

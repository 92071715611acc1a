import { Controller, Get, Header, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ONDEMAND_DOCUMENTED } from '../ondemand/ondemand.routes';
import { OPENAI_DOCUMENTED } from '../openai/openai.routes';
import { buildOpenApi } from './openapi.builder';

const SWAGGER_UI = join(require.resolve('swagger-ui-dist/package.json'), '..');

/** `/openapi.json` and a Swagger UI at `/docs`, served from the swagger-ui-dist package. */
@Controller()
export class DocsController implements OnApplicationBootstrap {
  private document?: unknown;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    this.document = buildOpenApi(this.discovery, this.scanner, this.reflector, process.env.npm_package_version ?? '0.1.0', [
      ...ONDEMAND_DOCUMENTED,
      ...OPENAI_DOCUMENTED,
    ]);
  }

  @Get('openapi.json')
  openapi() {
    return this.document;
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  docs() {
    return `<!doctype html><html><head><meta charset="utf-8"><title>ClearGate API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });</script></body></html>`;
  }

  @Get('docs/assets/swagger-ui.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=86400')
  css() {
    return readFileSync(join(SWAGGER_UI, 'swagger-ui.css'), 'utf8');
  }

  @Get('docs/assets/swagger-ui-bundle.js')
  @Header('content-type', 'application/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=86400')
  bundle() {
    return readFileSync(join(SWAGGER_UI, 'swagger-ui-bundle.js'), 'utf8');
  }
}

import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { RpcClient } from '@cleargate/messaging';
import { GATEWAY_CONTROLLERS } from '../app.module';
import { GATEWAY_CONFIG, loadGatewayConfig } from '../config';
import { PolicyCache } from '../limits/policy-cache';
import { DocsController } from './docs.controller';

/** The gateway's controllers without a bus or a policy: enough for their routes' metadata. */
@Module({
  imports: [DiscoveryModule],
  controllers: GATEWAY_CONTROLLERS,
  providers: [
    { provide: RpcClient, useValue: {} },
    { provide: PolicyCache, useValue: {} },
    {
      provide: GATEWAY_CONFIG,
      useValue: loadGatewayConfig({ OIDC_ISSUER_URL: 'http://issuer.invalid/realms/any', OIDC_AUDIENCES_ANY: 'true' }),
    },
  ],
})
class DocumentModule {}

/**
 * The OpenAPI document GET /openapi.json serves, built from the same controllers without NATS or
 * a listening port: what the console's typed client is generated from
 * (`node dist/apps/auth-gateway/src/openapi/openapi.document.js` prints it).
 */
export async function openApiDocument(): Promise<unknown> {
  const app = await NestFactory.createApplicationContext(DocumentModule, { logger: false });
  try {
    return app.get(DocsController).openapi();
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  openApiDocument().then(
    (doc) => process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

#!/usr/bin/env node
// The console's typed API client is generated from the gateway's OpenAPI document (the one
// GET /openapi.json serves) by openapi-typescript into src/api/schema.d.ts, which is checked in:
// a contract change shows up there, and the type check of the console fails where a page no
// longer matches the API.
//
//   node apps/console/scripts/api-schema.mjs          write src/api/schema.d.ts (after `npm run build`)
//   node apps/console/scripts/api-schema.mjs --check  exit 1 if the checked-in file is not current
//
// `npx nx run console:api-schema` builds first and writes it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const target = join(root, 'apps', 'console', 'src', 'api', 'schema.d.ts');
const built = join(root, 'dist', 'apps', 'auth-gateway', 'src', 'openapi', 'openapi.document.js');

if (!existsSync(built)) {
  console.error(`${built} is missing: run \`npm run build\` first`);
  process.exit(2);
}
const { openApiDocument } = createRequire(import.meta.url)(built);
const document = await openApiDocument();
const header =
  "// Generated from the auth-gateway's OpenAPI document by apps/console/scripts/api-schema.mjs\n" +
  '// (openapi-typescript). Do not edit: run `npx nx run console:api-schema`.\n\n';
const generated = header + astToString(await openapiTS(document, { alphabetize: true }));

if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== generated) {
    console.error(
      "apps/console/src/api/schema.d.ts is not current with the gateway's OpenAPI document: run `npx nx run console:api-schema`",
    );
    process.exit(1);
  }
  console.log('apps/console/src/api/schema.d.ts is current');
} else {
  writeFileSync(target, generated);
  console.log(`wrote ${target}`);
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildOpenApiDocument } from '../functions/platform/openapi';
import { ROUTES } from '../functions/routes';

/**
 * Writes the OpenAPI document as a region serves it in AWS (an https execute-api stage URL), for the linters of
 * `npm run lint:api` and for client generators. Usage: tsx scripts/write-openapi.ts <file>
 */
const file = process.argv[2];
if (!file) {
  console.error('usage: tsx scripts/write-openapi.ts <file>');
  process.exit(2);
}
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(buildOpenApiDocument(ROUTES, 'https://api.agent-platform.example'), null, 2)}\n`);

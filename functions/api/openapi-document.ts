import { ROUTES } from '../routes';
import { buildOpenApiDocument, type OpenApiEnvironment } from '../platform/openapi';

/**
 * The API's OpenAPI document as `GET /v1/openapi.json` serves it: generated from the whole route table, every group's
 * zod schemas and zod's JSON Schema generator with it. The Lambda bundles carry this module as a file of its own
 * beside the platform group's `index.js` (lib/function-bundling.ts), loaded at the first request for the document, so
 * the group's other routes (health, the error catalogue) neither load nor build it.
 */
export function openApiDocument(serverUrl: string | undefined, environment: OpenApiEnvironment): Record<string, unknown> {
  return buildOpenApiDocument(ROUTES, serverUrl, environment);
}

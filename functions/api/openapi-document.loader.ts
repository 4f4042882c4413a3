import type { OpenApiEnvironment } from '../platform/openapi';

/**
 * Module specifier of the OpenAPI document's generator (./openapi-document.ts). The Lambda bundles leave it out and
 * carry it as a file of its own beside the platform group's `index.js` (lib/function-bundling.ts), so this require
 * finds it there.
 */
export const OPENAPI_DOCUMENT_MODULE = './openapi-document';

interface OpenApiDocumentModule {
  openApiDocument(serverUrl: string | undefined, environment: OpenApiEnvironment): Record<string, unknown>;
}

/** The OpenAPI document, its generator loaded at the first call (never by the group's other routes). */
export function loadOpenApiDocument(serverUrl: string | undefined, environment: OpenApiEnvironment): Record<string, unknown> {
  // A literal require of OPENAPI_DOCUMENT_MODULE: the Lambda bundles leave it as it is, and Lambda resolves it beside index.js.
  const generator = require('./openapi-document') as OpenApiDocumentModule;
  return generator.openApiDocument(serverUrl, environment);
}

import * as z from '../core/zod';
import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import { errorCatalogueSchema } from './error-catalogue.schema';

const healthResponse = z.object({ status: z.literal('ok'), region: z.string(), time: z.iso.datetime() });

/** The routes of the `platform` group, served by functions/api/platform.ts; the route table assembles them. */
export const PLATFORM_ROUTES = [
  {
    operationId: 'getHealth',
    method: 'GET',
    path: '/v1/health',
    group: 'platform',
    access: ACCESS.public,
    summary: 'Liveness of the regional API',
    request: {},
    response: healthResponse,
  },
  {
    operationId: 'getOpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    group: 'platform',
    access: ACCESS.public,
    summary: 'This API as an OpenAPI 3.1 document',
    request: {},
    response: z.record(z.string(), z.unknown()),
  },
  {
    operationId: 'listErrorCodes',
    method: 'GET',
    path: '/v1/errors',
    group: 'platform',
    access: ACCESS.public,
    summary: 'The error catalogue: every problem `code` with its statuses, meaning and what to do about it',
    request: {},
    response: errorCatalogueSchema,
  },
] as const satisfies readonly RouteDefinition<'platform'>[];

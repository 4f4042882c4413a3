import * as z from '../core/zod';
import { tenantIdSchema } from '../data/keys';
import { ERROR_CATALOGUE } from '../core/error-catalogue';
import { MAX_ISSUE_TEXT_LENGTH, MAX_LISTED_ISSUES } from '../core/errors';
import { MAX_INSTANCE_LENGTH, PROBLEM_TYPE_BASE } from '../core/problem';
import { WWW_AUTHENTICATE } from '../core/response-conventions';

/** The reusable parts of the OpenAPI document: problem schema, headers, header parameters, security schemes. */

type Json = Record<string, unknown>;

const text = (maxLength: number, extra: Json = {}): Json => ({ type: 'string', maxLength, ...extra });

export const PROBLEM_SCHEMA: Json = {
  type: 'object',
  description: 'RFC 9457 problem details, with the stable `code` of the error catalogue (`GET /v1/errors`).',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: text(256, { format: 'uri', description: `\`${PROBLEM_TYPE_BASE}<code>\`` }),
    title: text(200),
    status: { type: 'integer', format: 'int32', minimum: 400, maximum: 599 },
    detail: text(2048),
    code: { type: 'string', enum: ERROR_CATALOGUE.map((entry) => entry.code) },
    instance: text(MAX_INSTANCE_LENGTH),
    requestId: text(128, { description: 'Quote it to support.' }),
    errors: {
      type: 'array',
      maxItems: MAX_LISTED_ISSUES,
      description: `Validation issues, at most ${MAX_LISTED_ISSUES} (\`errorCount\` counts them all).`,
      items: {
        type: 'object',
        required: ['pointer', 'message'],
        properties: { pointer: text(MAX_ISSUE_TEXT_LENGTH), message: text(MAX_ISSUE_TEXT_LENGTH) },
      },
    },
    errorCount: { type: 'integer', format: 'int32', minimum: 0, maximum: 1_000_000 },
    region: text(32, { description: 'wrong-region: the region that serves the tenant.' }),
    endpoint: text(2048, { description: 'wrong-region: the API that serves the tenant.' }),
  },
};

/** A response header; `required` ones are on every answer they are listed for. */
const header = (description: string, schema: Json, required = false) => ({ description, required, schema });

export const RESPONSE_HEADERS: Record<string, Json> = {
  CacheControl: header('`no-store` on every answer: tenant data and secrets never sit in shared caches.', text(64), true),
  ETag: header('Version of the representation: send it back in If-Match (writes) or If-None-Match (reads).', text(64), true),
  Location: header('The URL of the created resource.', text(2048), true),
  RetryAfter: header('Seconds to wait before retrying.', { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 }),
  RateLimit: header('IETF RateLimit header: what is left of the quota policy the request counted against (`"<policy>";r=<remaining>;t=<seconds>`).', text(256)),
  RateLimitPolicy: header('IETF RateLimit-Policy header: the quota policy (`"<policy>";q=<requests>;w=<seconds>`).', text(256)),
  IdempotentReplayed: header('`true` when this is the stored answer of an earlier request with the same Idempotency-Key.', { type: 'string', enum: ['true'] }),
  'Access-Control-Allow-Origin': header(
    'The calling origin, sent only when it is one of the configured console origins (credentials allowed, never `*`).',
    text(256),
  ),
  WWWAuthenticate: header(`The accepted credentials: \`${WWW_AUTHENTICATE}\`.`, text(256), true),
};

export const HEADER_PARAMETERS: Record<string, Json> = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'Retries with the same key do the work once and answer the stored response; 1-255 visible ASCII characters (a UUID).',
    schema: text(255, { pattern: '^[\\x21-\\x7e]{1,255}$' }),
  },
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'The ETag of the version this change is based on (or `*`); a stale one answers 412.',
    schema: text(1024),
  },
  IfNoneMatch: {
    name: 'If-None-Match',
    in: 'header',
    required: false,
    description: 'ETags the client holds: 304 with no body when the representation is still one of them.',
    schema: text(1024),
  },
  XTenantId: {
    name: 'X-Tenant-Id',
    in: 'header',
    required: false,
    description: 'Discovery signal: when sent, it must name the tenant of the credential, else 403.',
    schema: { ...z.toJSONSchema(tenantIdSchema), $schema: undefined },
  },
};

export const SECURITY_SCHEMES: Record<string, Json> = {
  tenantBearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "ID or access token of the tenant's own Cognito user pool (or a platform admin's). Tokens are verified as RFC8725 advises: the pool's signing keys, RS256 only, issuer, audience or client, expiry and issue time.",
  },
  apiKeyAuthorization: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      "A tenant's API key (`apk.<tenant>.<id>.<secret>`, shown once when created) as `Authorization: ApiKey <key>`: every credential travels in that one header, the identity source API Gateway caches the authorizer's answer by.",
  },
};

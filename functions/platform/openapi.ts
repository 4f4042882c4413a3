import * as z from '../core/zod';
import { ERROR_CATALOGUE, errorCodeEntry } from '../core/error-catalogue';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../core/problem';
import type { RouteDefinition } from '../core/route';
import { HEADER_PARAMETERS, PROBLEM_SCHEMA, RESPONSE_HEADERS, SECURITY_SCHEMES } from './openapi.components';
import { addImplicitBounds } from './openapi.bounds';
import { problemCodesOf } from './openapi.problems';

type Json = Record<string, unknown>;

/**
 * The OpenAPI 3.1 document of the API, generated from the route table and its zod schemas: every status a route
 * can answer (problems with their codes), request and response headers, security per route, reusable component
 * schemas, and the error catalogue.
 */

const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  platform: 'Health, this document and the error catalogue.',
  discovery: 'Find a tenant, its region and its sign-in endpoints.',
  tenants: 'Tenant onboarding and lifecycle.',
  users: "A tenant's users and invitations.",
  'api-keys': "A tenant's API keys for machine clients.",
  agents: 'AI agents of a tenant.',
  memories: "An agent's memories.",
  usage: "A tenant's usage against its plan.",
  audit: "A tenant's hash-chained audit log.",
  workflows: 'Workflows of agents and their runs.',
};

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });
const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

/** Component names of the zod schemas the routes use: one name per schema object, reused wherever it appears. */
class SchemaComponents {
  private readonly input = z.registry<{ id: string }>();
  private readonly output = z.registry<{ id: string }>();
  private readonly names = new Map<z.core.$ZodType, string>();
  private readonly minOneProperty = new Set<string>();

  /** A reference to the component of a request body. */
  body(route: RouteDefinition, schema: z.core.$ZodType): Json {
    const name = this.register(this.input, schema, `${pascal(route.operationId)}Request`);
    if (route.method === 'PATCH') this.minOneProperty.add(name);
    return ref('schemas', name);
  }

  /** A reference to the component of a success body. */
  response(route: RouteDefinition, schema: z.core.$ZodType): Json {
    const verb = /^(get|list)/.exec(route.operationId)?.[1];
    const noun = route.operationId.replace(/^(get|list)/, '');
    // By its definition, not `instanceof`: reaching into `z.core` at run time would keep all of zod in the bundle.
    const def = schema._zod.def as { type: string; shape?: object };
    const paginated = def.type === 'object' && 'nextCursor' in (def.shape ?? {});
    const name = verb === 'get' || (verb === 'list' && !paginated) ? noun : verb === 'list' ? `${noun}Page` : `${pascal(route.operationId)}Response`;
    return ref('schemas', this.register(this.output, schema, name));
  }

  /** Every component schema; a PATCH body takes at least one member (the one PATCH rule). */
  schemas(): Record<string, Json> {
    const generate = (registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output') =>
      (
        z.toJSONSchema(registry, { io, unrepresentable: 'any', target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }) as {
          schemas: Record<string, Json>;
        }
      ).schemas;
    const all = { ...generate(this.input, 'input'), ...generate(this.output, 'output') };
    for (const [name, schema] of Object.entries(all)) {
      delete schema.$schema;
      delete schema.$id;
      if (this.minOneProperty.has(name)) schema.minProperties = 1;
    }
    return all;
  }

  private register(registry: z.core.$ZodRegistry<{ id: string }>, schema: z.core.$ZodType, name: string): string {
    const known = this.names.get(schema);
    if (known) return known;
    registry.add(schema, { id: name });
    this.names.set(schema, name);
    return name;
  }
}

function inputSchema(schema: z.core.$ZodType): { properties?: Record<string, Json>; required?: string[] } {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as { properties?: Record<string, Json>; required?: string[] };
}

function parameters(route: RouteDefinition): Json[] {
  const out: Json[] = [];
  for (const [location, schema] of [
    ['path', route.request.path],
    ['query', route.request.query],
  ] as const) {
    if (!schema) continue;
    const json = inputSchema(schema);
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { description, ...rest } = property as { description?: string };
      out.push({
        name,
        in: location,
        required: location === 'path' || (json.required ?? []).includes(name),
        description: description ?? (location === 'path' ? `The ${name.replace(/Id$/, '')}'s id.` : `Filter: ${name}.`),
        schema: rest,
      });
    }
  }
  if (route.method === 'GET') out.push(ref('parameters', 'IfNoneMatch'));
  if (route.access !== 'public') {
    if (route.method === 'POST') out.push(ref('parameters', 'IdempotencyKey'));
    if (route.method === 'PUT' || route.method === 'PATCH' || route.method === 'DELETE') out.push(ref('parameters', 'IfMatch'));
    if (route.path.includes('{tenantId}')) out.push(ref('parameters', 'XTenantId'));
  }
  return out;
}

/** Headers any answer may carry: the quota it counted against, and CORS for listed console origins. */
const COMMON_HEADERS: Json = {
  RateLimit: ref('headers', 'RateLimit'),
  'RateLimit-Policy': ref('headers', 'RateLimitPolicy'),
  'Access-Control-Allow-Origin': ref('headers', 'Access-Control-Allow-Origin'),
};

/** Headers of a success answer; `required` ones are always sent. */
function successHeaders(route: RouteDefinition, status: number): Json {
  const headers: Json = { 'Cache-Control': ref('headers', 'CacheControl'), ...COMMON_HEADERS };
  if (route.method === 'GET') headers.ETag = ref('headers', 'ETag');
  if (status === 201) headers.Location = ref('headers', 'Location');
  if (route.method !== 'GET' && route.access !== 'public') headers['Idempotent-Replayed'] = ref('headers', 'IdempotentReplayed');
  return headers;
}

function problemResponse(status: number, codes: ReadonlySet<string>): Json {
  const list = [...codes].sort();
  const headers: Json = { 'Cache-Control': ref('headers', 'CacheControl'), ...COMMON_HEADERS };
  if (status === 401) headers['WWW-Authenticate'] = ref('headers', 'WWWAuthenticate');
  if (status === 429 || codes.has('tenant-moving')) headers['Retry-After'] = ref('headers', 'RetryAfter');
  const examples = Object.fromEntries(
    list.map((code) => {
      const entry = errorCodeEntry(code);
      return [code, { summary: entry.title, value: { type: PROBLEM_TYPE_BASE + code, title: entry.title, status, detail: entry.meaning, code } }];
    }),
  );
  return {
    description: `Problem: ${list.map((code) => `\`${code}\``).join(', ')} (see the error catalogue).`,
    headers,
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { allOf: [ref('schemas', 'Problem'), { type: 'object', properties: { status: { const: status }, code: { enum: list } } }] },
        examples,
      },
    },
  };
}

/**
 * The problem answers of the document, one component per status and set of codes: the 81 operations share 29 of them,
 * which inline made up three quarters of the document.
 */
class ProblemResponses {
  private readonly byName = new Map<string, Json>();

  /** A reference to the problem answer with `status` and `codes`, added on first use. */
  ref(status: number, codes: ReadonlySet<string>): Json {
    const pascal = (code: string) => code.replace(/(^|-)([a-z0-9])/g, (_m, _dash, letter: string) => letter.toUpperCase());
    const name = `Problem${status}${[...codes].sort().map(pascal).join('')}`;
    if (!this.byName.has(name)) this.byName.set(name, problemResponse(status, codes));
    return ref('responses', name);
  }

  all(): Record<string, Json> {
    return Object.fromEntries([...this.byName].sort(([a], [b]) => a.localeCompare(b)));
  }
}

function responses(route: RouteDefinition, components: SchemaComponents, problems: ProblemResponses): Json {
  const status = route.successStatus ?? 200;
  const success: Json = { description: status === 204 ? 'Done; no body.' : 'Success.', headers: successHeaders(route, status) };
  if (status !== 204) success.content = { [route.responseMediaType ?? 'application/json']: { schema: components.response(route, route.response) } };
  const out: Json = { [String(status)]: success };
  if (route.method === 'GET') {
    out['304'] = {
      description: 'Not modified: the representation still has the ETag sent in If-None-Match.',
      headers: {
        ETag: ref('headers', 'ETag'),
        'Cache-Control': ref('headers', 'CacheControl'),
        'Access-Control-Allow-Origin': ref('headers', 'Access-Control-Allow-Origin'),
      },
    };
  }
  for (const [problemStatus, codes] of [...problemCodesOf(route)].sort(([a], [b]) => a - b)) out[String(problemStatus)] = problems.ref(problemStatus, codes);
  return out;
}

function security(route: RouteDefinition): Json[] {
  return route.access === 'public' ? [] : [{ tenantBearer: [] }, { apiKeyAuthorization: [] }];
}

function description(route: RouteDefinition): string {
  const who = route.access === 'public' ? 'Public: no credential.' : `Roles: ${route.access.join(', ')}.`;
  const list =
    route.request.query && 'nextCursor' in ((inputSchema(route.response) as { properties?: object }).properties ?? {})
      ? ' Paginated: `limit` (1-100) and the opaque `cursor` of the previous page.'
      : '';
  return `${route.summary}. ${who}${list}`;
}

function operation(route: RouteDefinition, components: SchemaComponents, problems: ProblemResponses): Json {
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: description(route),
    tags: [route.group],
    parameters: parameters(route),
    security: security(route),
    'x-roles': route.access === 'public' ? [] : route.access,
    ...(route.request.body ? { requestBody: { required: true, content: { 'application/json': { schema: components.body(route, route.request.body) } } } } : {}),
    responses: responses(route, components, problems),
  };
}

function catalogueDescription(): string {
  const rows = ERROR_CATALOGUE.map((entry) => `| \`${entry.code}\` | ${entry.statuses.join(', ')} | ${entry.meaning} | ${entry.action} |`);
  return [
    'The agent platform API. Errors are RFC 9457 `application/problem+json` documents with a stable `code`;',
    'lists take `?limit=&cursor=` and answer `{ items, nextCursor }`; writes take `Idempotency-Key`; changes take `If-Match`.',
    '',
    '| code | status | meaning | what to do |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** What a region's API server is, for the readers of the document's `servers`. */
export type OpenApiEnvironment = 'local' | 'development' | 'production';

/**
 * @param serverUrl the region's API base URL
 * @param environment what the server is, for the readers of `servers`
 */
export function buildOpenApiDocument(routeTable: readonly RouteDefinition[], serverUrl?: string, environment: OpenApiEnvironment = 'production'): Json {
  const components = new SchemaComponents();
  const problems = new ProblemResponses();
  const paths: Record<string, Record<string, Json>> = {};
  // Reads first, so a schema that a read and a write share is named after the resource (Agent, not CreateAgentResponse).
  const routes = [...routeTable].sort((a, b) => Number(b.method === 'GET') - Number(a.method === 'GET'));
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route, components, problems) };
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'Agent platform API',
      version: '1',
      description: catalogueDescription(),
      contact: { name: 'Agent platform team', url: 'https://errors.agent-platform.dev/' },
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    ...(serverUrl ? { servers: [{ url: serverUrl, description: `This region's API (${environment} environment)`, 'x-internal': false }] } : {}),
    tags: [...new Set(routeTable.map((route) => route.group))].map((group) => ({ name: group, description: TAG_DESCRIPTIONS[group] ?? group })),
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA, ...components.schemas() },
      responses: problems.all(),
      parameters: HEADER_PARAMETERS,
      headers: RESPONSE_HEADERS,
      securitySchemes: SECURITY_SCHEMES,
    },
    'x-error-codes': ERROR_CATALOGUE,
  };
  addImplicitBounds(document.paths);
  addImplicitBounds(document.components.schemas);
  addImplicitBounds(document.components.parameters);
  return document;
}

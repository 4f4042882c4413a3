import type { IncomingMessage, ServerResponse } from 'node:http';
import { PLAN_IDS, planIdSchema, type PlanId } from '../functions/billing/plan.catalogue';
import { tenantIdSchema } from '../functions/core/tenant-id';
import { tenantApiKeyName, usageIdentifierKey, usagePlanName } from '../functions/identity/usage-identifier';
import type { UsagePlanThrottle } from './usage-plans';

/**
 * The part of the API Gateway management API (REST JSON, as `@aws-sdk/client-api-gateway` speaks it) that moves a
 * tenant's key between usage plans (and that a migration's cut-over calls in its target region), served for one local
 * region on its own loopback port, never on the API's. Local usage plan ids are the plan ids; a tenant key's id is its
 * value. A tenant's key exists in a region where the tenant has a record, as its stack's key does in its home region
 * (a migration's cut-over looks for it in the target after importing the records there), and where CreateApiKey made
 * it, until DeleteApiKey: GetApiKeys finds it there (with its tags), CreateApiKey conflicts with it. Signatures are not
 * checked, as by the other local stand-ins.
 */
export interface UsagePlanApiOptions {
  readonly stage: string;
  readonly throttle: () => UsagePlanThrottle;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly errorType?: string;
}

/** Answers one request of the management API. */
export async function serveUsagePlanApi(req: IncomingMessage, res: ServerResponse, options: UsagePlanApiOptions): Promise<void> {
  let answer: Answer;
  try {
    answer = await answerRequest(req, await readJson(req), options);
  } catch (error) {
    answer = { status: 400, errorType: 'BadRequestException', body: { message: (error as Error).message } };
  }
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    ...(answer.errorType ? { 'x-amzn-errortype': answer.errorType } : {}),
  });
  res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
}

async function answerRequest(req: IncomingMessage, body: Record<string, unknown>, options: UsagePlanApiOptions): Promise<Answer> {
  const url = new URL(req.url ?? '/', 'http://local');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = req.method ?? 'GET';
  if (method === 'GET' && parts.length === 1 && parts[0] === 'apikeys') return listKeys(url.searchParams.get('name') ?? '', options);
  if (method === 'POST' && parts.length === 1 && parts[0] === 'apikeys') return createKey(body, options);
  if (method === 'DELETE' && parts.length === 2 && parts[0] === 'apikeys') return deleteKey(options, parts[1]);
  if (method === 'GET' && parts.length === 1 && parts[0] === 'usageplans') {
    return { status: 200, body: { item: PLAN_IDS.map((plan) => ({ id: plan, name: usagePlanName(options.stage, plan) })) } };
  }
  if (parts[0] !== 'usageplans' || parts[2] !== 'keys') return notFound(`no operation ${method} ${url.pathname}`);
  const plan = planIdSchema.safeParse(parts[1]);
  if (!plan.success) return notFound(`usage plan ${parts[1]} not found`);
  if (method === 'POST' && parts.length === 3) return addKey(options, plan.data, String(body.keyId ?? ''));
  if (method === 'DELETE' && parts.length === 4) return removeKey(options, plan.data, parts[3]);
  return notFound(`no operation ${method} ${url.pathname}`);
}

/** GetApiKeys by name: the tenant's key where it exists, with its tags. */
async function listKeys(name: string, options: UsagePlanApiOptions): Promise<Answer> {
  const tenantId = suffixOf(name, tenantApiKeyName(options.stage, ''));
  const key = tenantId && usageIdentifierKey(options.stage, tenantId);
  if (!tenantId || !key || !(await options.throttle().keyExists(key, tenantId))) return { status: 200, body: { item: [] } };
  return { status: 200, body: { item: [{ id: key, name, enabled: true, tags: options.throttle().tagsOf(key) }] } };
}

/**
 * CreateApiKey: only a tenant's key, named and valued as its stack makes it; a conflict where it exists (listKeys), as
 * in AWS; made with its tags where it does not.
 */
async function createKey(body: Record<string, unknown>, options: UsagePlanApiOptions): Promise<Answer> {
  const tenantId = suffixOf(String(body.name ?? ''), tenantApiKeyName(options.stage, ''));
  const key = tenantId && usageIdentifierKey(options.stage, tenantId);
  if (!tenantId || !key || body.value !== key) {
    return {
      status: 400,
      errorType: 'BadRequestException',
      body: { message: "only a tenant's usage key, named and valued as its stack's, can be made locally" },
    };
  }
  if (await options.throttle().keyExists(key, tenantId)) return { status: 409, errorType: 'ConflictException', body: { message: 'API Key already exists' } };
  const tags = tagsOf(body.tags);
  options.throttle().makeKey(key, tags);
  return { status: 201, body: { id: key, name: body.name, enabled: true, tags } };
}

/** DeleteApiKey by id (a tenant key's id is its value). */
async function deleteKey(options: UsagePlanApiOptions, keyId: string): Promise<Answer> {
  const tenantId = tenantOfKey(options.stage, keyId);
  if (!tenantId || !(await options.throttle().keyExists(keyId, tenantId))) return notFound(`API key ${keyId} not found`);
  options.throttle().deleteKey(keyId);
  return { status: 202 };
}

function tagsOf(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

async function addKey(options: UsagePlanApiOptions, plan: PlanId, keyId: string): Promise<Answer> {
  const tenantId = tenantOfKey(options.stage, keyId);
  if (!tenantId || !(await options.throttle().keyExists(keyId, tenantId))) return notFound(`API key ${keyId} not found`);
  if (!(await options.throttle().addKey(keyId, tenantId, plan))) {
    return { status: 409, errorType: 'ConflictException', body: { message: 'the API key is in a usage plan of this stage already' } };
  }
  return { status: 201, body: { id: keyId, type: 'API_KEY', name: tenantApiKeyName(options.stage, tenantId) } };
}

async function removeKey(options: UsagePlanApiOptions, plan: PlanId, keyId: string): Promise<Answer> {
  const tenantId = tenantOfKey(options.stage, keyId);
  if (!tenantId || !(await options.throttle().keyExists(keyId, tenantId)) || !(await options.throttle().removeKey(keyId, tenantId, plan)))
    return notFound(`API key ${keyId} is not in usage plan ${plan}`);
  return { status: 202 };
}

function tenantOfKey(stage: string, keyId: string): string | undefined {
  return suffixOf(keyId, usageIdentifierKey(stage, ''));
}

/** The tenant id that follows the prefix, when the rest is one. */
function suffixOf(text: string, prefix: string): string | undefined {
  if (!text.startsWith(prefix)) return undefined;
  const tenantId = tenantIdSchema.safeParse(text.slice(prefix.length));
  return tenantId.success ? tenantId.data : undefined;
}

function notFound(message: string): Answer {
  return { status: 404, errorType: 'NotFoundException', body: { message } };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

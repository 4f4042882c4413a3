import * as z from 'zod';
import type { DataScope } from './data/data-scopes';
import { ACCESS, type Access } from './identity/roles';
import { errorCatalogueSchema } from './platform/error-catalogue.schema';
import { discoveryQuerySchema, discoveryResponseSchema } from './tenants/discovery.schema';
import { tenantPathSchema, tenantSchema } from './tenants/tenant.schema';
// -- tenant lifecycle, users, invitations, API keys
import { apiKeyListQuerySchema, apiKeyPageSchema, apiKeyPathSchema, createApiKeyBodySchema, createdApiKeySchema } from './api-keys/api-key.schema';
import { listTenantsQuerySchema, tenantPageSchema, updateTenantBodySchema } from './tenants/onboarding.schema';
import { tenantManifestSchema } from './tenants/tenant-manifest.schema';
import {
  acceptedInvitationSchema,
  acceptInvitationBodySchema,
  changeRoleBodySchema,
  invitationPageSchema,
  invitationPathSchema,
  invitationSchema,
  inviteBodySchema,
  memberPageSchema,
  memberSchema,
  userListQuerySchema,
  userPathSchema,
} from './users/user.schema';
// -- agents, memories, usage, audit
import { agentPageSchema } from './agents/agent-list.schema';
import { agentPathSchema, agentSchema, createAgentSchema, listAgentsQuerySchema, updateAgentSchema } from './agents/agent.schema';
import { auditListQuerySchema, auditPageSchema, auditPathSchema, auditVerificationSchema } from './audit/audit.schema';
import {
  createMemoryBodySchema,
  listMemoriesQuerySchema,
  memoriesPathSchema,
  memoryPageSchema,
  memoryPathSchema,
  memorySchema,
  updateMemoryBodySchema,
} from './memories/memory.schema';
import { usagePathSchema, usageQuerySchema, usageReportSchema } from './usage/usage.schema';
// -- workflows and runs
import { pageSchema, paginationQuerySchema } from './core/request-conventions';
import { runPathSchema, runSchema, startRunBodySchema } from './workflows/run.schema';
import {
  createWorkflowBodySchema,
  updateWorkflowBodySchema,
  workflowPathSchema,
  workflowSchema,
  workflowsPathSchema,
} from './workflows/workflow.schema';

/**
 * THE route table. The CDK API construct (lib/) creates one API Gateway method per route, integrated with the
 * Lambda function of the route's group; the local gateway (local/) serves the same routes with the same handlers;
 * `GET /v1/openapi.json` is generated from it. Add a route here and nowhere else.
 */

/** Handler groups: one Lambda entry file each, `functions/api/<group>.ts`, exporting `handler`. */
export const HANDLER_GROUPS = [
  'platform',
  'discovery',
  'tenants',
  // -- tenant lifecycle, users, invitations, API keys
  'users',
  'api-keys',
  // -- agents, memories, usage, audit
  'agents',
  'memories',
  'usage',
  'audit',
  // -- workflows and runs
  'workflows',
] as const;
export type HandlerGroup = (typeof HANDLER_GROUPS)[number];

/**
 * What a route group's function reaches besides its own code. lib/ grants exactly this and nothing else (execution
 * roles hold no data permission of their own); a new group must say what it needs here.
 */
export interface GroupNeeds {
  /**
   * The data scopes it reaches, each through its own role (functions/data/data-scopes.ts): `tenant` items
   * (`T#<tenantId>#…`, with the tenant's session tag), `directory` (reads of `P#…`), `platform` (writes of `P#…`
   * but the issuer registry; its session also reads) and `issuers` (the issuer registry alone).
   */
  readonly data: readonly DataScope[];
  /** Reaches that data in every residency region, not only its own (directory copies, tenants' home regions). @default false */
  readonly allRegions?: boolean;
  /** Signs list cursors: gets the region's cursor secret. @default false */
  readonly cursors?: boolean;
  /** Manages users of the tenant pools of its region (Cognito admin API). @default false */
  readonly tenantPools?: boolean;
  /** Sends mail (Amazon SES). @default false */
  readonly mail?: boolean;
  /** Puts onboarding events on the control plane's event bus. @default false */
  readonly onboardingEvents?: boolean;
  /**
   * Invokes foundation models through Amazon Bedrock's Converse API (`bedrock:InvokeModel`) in its own region, on
   * foundation models and the account's inference profiles. @default false
   */
  readonly modelInvocation?: boolean;
}

export const HANDLER_GROUP_NEEDS = {
  // Health and the OpenAPI document read no data.
  platform: { data: [] },
  // The tenant directory (slugs, email domains), read only.
  discovery: { data: ['directory'] },
  // Onboarding and lifecycle: writes the directory copies of every region, a tenant's record in its home region.
  tenants: { data: ['tenant', 'platform'], allRegions: true, cursors: true, onboardingEvents: true },
  // Members and invitations of a tenant (and the public accept, whose code names the tenant), its pool's users; the
  // directory entry (pool, status, home region) is only read.
  users: { data: ['tenant', 'directory'], cursors: true, tenantPools: true, mail: true },
  'api-keys': { data: ['tenant', 'directory'], cursors: true },
  // Tenant-scoped resources; the directory entry (status, home region) read through the directory role.
  agents: { data: ['tenant', 'directory'], cursors: true },
  memories: { data: ['tenant', 'directory'], cursors: true },
  usage: { data: ['tenant', 'directory'], cursors: true },
  audit: { data: ['tenant', 'directory'], cursors: true },
  // Runs call the tenant's models within the request.
  workflows: { data: ['tenant', 'directory'], cursors: true, modelInvocation: true },
} as const satisfies Record<HandlerGroup, GroupNeeds>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRequest {
  readonly path?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
}

export interface RouteDefinition {
  /** Stable id, used as the OpenAPI operationId and to find the implementation in the group. */
  readonly operationId: string;
  readonly method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  readonly path: string;
  readonly group: HandlerGroup;
  readonly access: Access;
  readonly summary: string;
  readonly request: RouteRequest;
  /** Schema of the success body. */
  readonly response: z.ZodType;
  /** Success status. @default 200 */
  readonly successStatus?: number;
  /**
   * Whether a suspended tenant may still call it (only reading its own record).
   * @default false
   */
  readonly allowedWhenSuspended?: boolean;
}

const healthResponse = z.object({ status: z.literal('ok'), region: z.string(), time: z.iso.datetime() });

export const ROUTES = [
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
  {
    operationId: 'discoverTenants',
    method: 'GET',
    path: '/v1/discovery',
    group: 'discovery',
    access: ACCESS.public,
    summary: 'Find the tenant(s), region and login endpoints for an email, host or slug',
    request: { query: discoveryQuerySchema },
    response: discoveryResponseSchema,
  },
  {
    operationId: 'getTenant',
    method: 'GET',
    path: '/v1/tenants/{tenantId}',
    group: 'tenants',
    access: ACCESS.tenantAdmin,
    summary: "Read a tenant's record",
    request: { path: tenantPathSchema },
    response: tenantSchema,
    allowedWhenSuspended: true,
  },
  // -- tenant lifecycle, users, invitations, API keys (add routes of this area below this line)
  {
    operationId: 'createTenant',
    method: 'POST',
    path: '/v1/tenants',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'Onboard a tenant from its manifest: reserves the slug, records it PROVISIONING and starts provisioning (control-plane region)',
    request: { body: tenantManifestSchema },
    response: tenantSchema,
    successStatus: 202,
  },
  {
    operationId: 'listTenants',
    method: 'GET',
    path: '/v1/tenants',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'The tenants of the platform from the directory, optionally by status (control-plane region)',
    request: { query: listTenantsQuerySchema },
    response: tenantPageSchema,
  },
  {
    operationId: 'updateTenant',
    method: 'PATCH',
    path: '/v1/tenants/{tenantId}',
    group: 'tenants',
    access: ACCESS.tenantAdmin,
    summary: "Change a tenant's name, branding or settings; plan and status by platform admins only (If-Match: its ETag)",
    request: { path: tenantPathSchema, body: updateTenantBodySchema },
    response: tenantSchema,
  },
  {
    operationId: 'suspendTenant',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/suspend',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'Suspend an ACTIVE tenant: its users get 403 tenant-suspended on everything but reading the tenant',
    request: { path: tenantPathSchema },
    response: tenantSchema,
  },
  {
    operationId: 'reactivateTenant',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/reactivate',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'Reactivate a SUSPENDED tenant',
    request: { path: tenantPathSchema },
    response: tenantSchema,
  },
  {
    operationId: 'retryTenantProvisioning',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/retry',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'Provision a FAILED tenant again from its manifest',
    request: { path: tenantPathSchema },
    response: tenantSchema,
    successStatus: 202,
  },
  {
    operationId: 'offboardTenant',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'Offboard a tenant: OFFBOARDING, then its pool is removed, its data purged and its slug released (DELETED)',
    request: { path: tenantPathSchema },
    response: tenantSchema,
    successStatus: 202,
  },
  {
    operationId: 'listUsers',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/users',
    group: 'users',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's users with their roles, in joining order",
    request: { path: tenantPathSchema, query: userListQuerySchema },
    response: memberPageSchema,
  },
  {
    operationId: 'getUser',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/users/{userId}',
    group: 'users',
    access: ACCESS.tenantAdmin,
    summary: 'Read a user; its version is the ETag',
    request: { path: userPathSchema },
    response: memberSchema,
  },
  {
    operationId: 'changeUserRole',
    method: 'PATCH',
    path: '/v1/tenants/{tenantId}/users/{userId}',
    group: 'users',
    access: ACCESS.tenantAdmin,
    summary: "Change a user's role; the last tenant-admin cannot be demoted (If-Match: its ETag)",
    request: { path: userPathSchema, body: changeRoleBodySchema },
    response: memberSchema,
  },
  {
    operationId: 'removeUser',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/users/{userId}',
    group: 'users',
    access: ACCESS.tenantAdmin,
    summary: 'Remove a user: it is disabled in the pool; the last tenant-admin cannot be removed (If-Match: its ETag)',
    request: { path: userPathSchema },
    response: z.null(),
    successStatus: 204,
  },
  {
    operationId: 'listInvitations',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/invitations',
    group: 'users',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's invitations, oldest first",
    request: { path: tenantPathSchema, query: userListQuerySchema },
    response: invitationPageSchema,
  },
  {
    operationId: 'createInvitation',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/invitations',
    group: 'users',
    access: ACCESS.tenantAdmin,
    summary: 'Invite someone by email with a role: a one-time code goes to them by mail (Idempotency-Key honoured)',
    request: { path: tenantPathSchema, body: inviteBodySchema },
    response: invitationSchema,
    successStatus: 201,
  },
  {
    operationId: 'revokeInvitation',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/invitations/{invitationId}',
    group: 'users',
    access: ACCESS.tenantAdmin,
    summary: 'Revoke a pending invitation: its code opens nothing from then on',
    request: { path: invitationPathSchema },
    response: z.null(),
    successStatus: 204,
  },
  {
    operationId: 'acceptInvitation',
    method: 'POST',
    path: '/v1/invitations/accept',
    group: 'users',
    access: ACCESS.public,
    summary: "Accept an invitation with its code and a new password: the user is made in the inviting tenant's pool",
    request: { body: acceptInvitationBodySchema },
    response: acceptedInvitationSchema,
    successStatus: 201,
  },
  {
    operationId: 'listApiKeys',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/api-keys',
    group: 'api-keys',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's API keys by prefix, revoked ones included (never the keys themselves)",
    request: { path: tenantPathSchema, query: apiKeyListQuerySchema },
    response: apiKeyPageSchema,
  },
  {
    operationId: 'createApiKey',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/api-keys',
    group: 'api-keys',
    access: ACCESS.tenantAdmin,
    summary: 'Create an API key with one role; the key is in this answer only (send it as X-Api-Key)',
    request: { path: tenantPathSchema, body: createApiKeyBodySchema },
    response: createdApiKeySchema,
    successStatus: 201,
  },
  {
    operationId: 'revokeApiKey',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/api-keys/{keyId}',
    group: 'api-keys',
    access: ACCESS.tenantAdmin,
    summary: 'Revoke an API key: the next request with it gets 401',
    request: { path: apiKeyPathSchema },
    response: z.null(),
    successStatus: 204,
  },

  // -- agents, memories, usage, audit (add routes of this area below this line)
  {
    operationId: 'listAgents',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/agents',
    group: 'agents',
    access: ACCESS.tenantRead,
    summary: "The tenant's agents, newest first or by id",
    request: { path: tenantPathSchema, query: listAgentsQuerySchema },
    response: agentPageSchema,
  },
  {
    operationId: 'createAgent',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/agents',
    group: 'agents',
    access: ACCESS.tenantWrite,
    summary: 'Create an agent (counts against the plan; Idempotency-Key honoured)',
    request: { path: tenantPathSchema, body: createAgentSchema },
    response: agentSchema,
    successStatus: 201,
  },
  {
    operationId: 'getAgent',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/agents/{agentId}',
    group: 'agents',
    access: ACCESS.tenantRead,
    summary: 'Read an agent; its version is the ETag',
    request: { path: agentPathSchema },
    response: agentSchema,
  },
  {
    operationId: 'updateAgent',
    method: 'PATCH',
    path: '/v1/tenants/{tenantId}/agents/{agentId}',
    group: 'agents',
    access: ACCESS.tenantWrite,
    summary: 'Change fields of an agent (If-Match: its ETag, else 412 when stale)',
    request: { path: agentPathSchema, body: updateAgentSchema },
    response: agentSchema,
  },
  {
    operationId: 'deleteAgent',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/agents/{agentId}',
    group: 'agents',
    access: ACCESS.tenantWrite,
    summary: 'Delete an agent that has no memories left (If-Match: its ETag)',
    request: { path: agentPathSchema },
    response: z.null(),
    successStatus: 204,
  },
  {
    operationId: 'listMemories',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/agents/{agentId}/memories',
    group: 'memories',
    access: ACCESS.tenantRead,
    summary: "An agent's memories, newest first; by tag and creation time range",
    request: { path: memoriesPathSchema, query: listMemoriesQuerySchema },
    response: memoryPageSchema,
  },
  {
    operationId: 'createMemory',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/agents/{agentId}/memories',
    group: 'memories',
    access: ACCESS.tenantWrite,
    summary: 'Store a memory for an agent, optionally expiring (counts against the plan; Idempotency-Key honoured)',
    request: { path: memoriesPathSchema, body: createMemoryBodySchema },
    response: memorySchema,
    successStatus: 201,
  },
  {
    operationId: 'getMemory',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/agents/{agentId}/memories/{memoryId}',
    group: 'memories',
    access: ACCESS.tenantRead,
    summary: 'Read a memory; its version is the ETag',
    request: { path: memoryPathSchema },
    response: memorySchema,
  },
  {
    operationId: 'updateMemory',
    method: 'PATCH',
    path: '/v1/tenants/{tenantId}/agents/{agentId}/memories/{memoryId}',
    group: 'memories',
    access: ACCESS.tenantWrite,
    summary: 'Change a memory (If-Match: its ETag, else 412 when stale); expiresAt null removes the expiry',
    request: { path: memoryPathSchema, body: updateMemoryBodySchema },
    response: memorySchema,
  },
  {
    operationId: 'deleteMemory',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/agents/{agentId}/memories/{memoryId}',
    group: 'memories',
    access: ACCESS.tenantWrite,
    summary: 'Delete a memory (If-Match: its ETag)',
    request: { path: memoryPathSchema },
    response: z.null(),
    successStatus: 204,
  },
  {
    operationId: 'getUsage',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/usage',
    group: 'usage',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's usage of a month against its plan's limits",
    request: { path: usagePathSchema, query: usageQuerySchema },
    response: usageReportSchema,
  },
  {
    operationId: 'listAuditEntries',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/audit',
    group: 'audit',
    access: ACCESS.audit,
    summary: "The tenant's audit log in time order, by action, actor, target and time range",
    request: { path: auditPathSchema, query: auditListQuerySchema },
    response: auditPageSchema,
  },
  {
    operationId: 'verifyAuditLog',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/audit/verify',
    group: 'audit',
    access: ACCESS.audit,
    summary: "Recompute the tenant's audit hash chains and report the first broken entry",
    request: { path: auditPathSchema },
    response: auditVerificationSchema,
  },

  // -- workflows and runs (add routes of this area below this line)
  {
    operationId: 'listWorkflows',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/workflows',
    group: 'workflows',
    access: ACCESS.tenantRead,
    summary: "The tenant's workflows, newest first",
    request: { path: workflowsPathSchema, query: paginationQuerySchema },
    response: pageSchema(workflowSchema),
  },
  {
    operationId: 'createWorkflow',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/workflows',
    group: 'workflows',
    access: ACCESS.tenantWrite,
    summary: "Create a workflow of the tenant's agents (sequential or DAG steps; accepts Idempotency-Key)",
    request: { path: workflowsPathSchema, body: createWorkflowBodySchema },
    response: workflowSchema,
    successStatus: 201,
  },
  {
    operationId: 'getWorkflow',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/workflows/{workflowId}',
    group: 'workflows',
    access: ACCESS.tenantRead,
    summary: 'Read a workflow (ETag: its version)',
    request: { path: workflowPathSchema },
    response: workflowSchema,
  },
  {
    operationId: 'updateWorkflow',
    method: 'PATCH',
    path: '/v1/tenants/{tenantId}/workflows/{workflowId}',
    group: 'workflows',
    access: ACCESS.tenantWrite,
    summary: 'Change a workflow (If-Match: its ETag)',
    request: { path: workflowPathSchema, body: updateWorkflowBodySchema },
    response: workflowSchema,
  },
  {
    operationId: 'deleteWorkflow',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/workflows/{workflowId}',
    group: 'workflows',
    access: ACCESS.tenantWrite,
    summary: 'Delete a workflow (If-Match: its ETag); its runs stay readable',
    request: { path: workflowPathSchema },
    response: z.null(),
    successStatus: 204,
  },
  {
    operationId: 'listWorkflowRuns',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/workflows/{workflowId}/runs',
    group: 'workflows',
    access: ACCESS.tenantRead,
    summary: "A workflow's runs, newest first",
    request: { path: workflowPathSchema, query: paginationQuerySchema },
    response: pageSchema(runSchema),
  },
  {
    operationId: 'startWorkflowRun',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/workflows/{workflowId}/runs',
    group: 'workflows',
    access: ACCESS.tenantWrite,
    summary: 'Run a workflow: counts against the monthly runs quota, answers with the finished run (accepts Idempotency-Key)',
    request: { path: workflowPathSchema, body: startRunBodySchema },
    response: runSchema,
    successStatus: 201,
  },
  {
    operationId: 'getWorkflowRun',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}',
    group: 'workflows',
    access: ACCESS.tenantRead,
    summary: 'Read a run: status, provider, step results, token usage',
    request: { path: runPathSchema },
    response: runSchema,
  },
] as const satisfies readonly RouteDefinition[];

export type Route = (typeof ROUTES)[number];
export type OperationId = Route['operationId'];

/** The path parameter that names the tenant a route acts on. */
export const TENANT_PATH_PARAMETER = 'tenantId';

/** Routes of one handler group. */
export function routesOf(group: HandlerGroup): readonly RouteDefinition[] {
  return ROUTES.filter((route) => route.group === group);
}

/** The route with this method and API Gateway resource path, if any. */
export function findRoute(method: string, resourcePath: string): RouteDefinition | undefined {
  return ROUTES.find((route) => route.method === method && route.path === resourcePath);
}

/** True when the route needs no credential (no authorizer runs for it). */
export function isPublic(route: RouteDefinition): boolean {
  return route.access === 'public';
}

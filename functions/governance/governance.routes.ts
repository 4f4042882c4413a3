import * as z from '../core/zod';
import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import { budgetBodySchema, budgetPathSchema, budgetPolicySchema, budgetStatusSchema } from './budget.schema';
import { credentialBodySchema, credentialListSchema, credentialPathSchema, credentialsPathSchema, modelCredentialSchema } from './model-credential.schema';
import { modelPolicyBodySchema, modelPolicyPathSchema, modelPolicySchema } from './model-policy.schema';

/**
 * The routes of the `governance` group (budgets, model policy, own model credentials), served by
 * functions/api/governance.ts; the route table assembles them.
 */
export const GOVERNANCE_ROUTES = [
  {
    operationId: 'getBudget',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/budget',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's spend budget policy and where each budget stands this month",
    request: { path: budgetPathSchema },
    response: budgetStatusSchema,
  },
  {
    operationId: 'setBudget',
    method: 'PUT',
    path: '/v1/tenants/{tenantId}/budget',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: "Set the tenant's monthly spend budget (US cents) within its plan, with alerts and what happens when it is spent",
    request: { path: budgetPathSchema, body: budgetBodySchema },
    response: budgetPolicySchema,
  },
  {
    operationId: 'deleteBudget',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/budget',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: "Remove the tenant's spend budget (If-Match: its ETag)",
    request: { path: budgetPathSchema },
    response: z.null(),
    successStatus: 204,
  },

  {
    operationId: 'getModelPolicy',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/model-policy',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's model allow-list and guardrail",
    request: { path: modelPolicyPathSchema },
    response: modelPolicySchema,
  },
  {
    operationId: 'setModelPolicy',
    method: 'PUT',
    path: '/v1/tenants/{tenantId}/model-policy',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: "Set the tenant's model allow-list (within its plan's models) and the guardrail applied to every run step",
    request: { path: modelPolicyPathSchema, body: modelPolicyBodySchema },
    response: modelPolicySchema,
  },
  {
    operationId: 'deleteModelPolicy',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/model-policy',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: "Remove the tenant's model policy: the plan's models, no guardrail (If-Match: its ETag)",
    request: { path: modelPolicyPathSchema },
    response: z.null(),
    successStatus: 204,
  },
  {
    operationId: 'listModelCredentials',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/model-credentials',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's own model-provider credentials, oldest first (never their secrets); runs use the newest",
    request: { path: credentialsPathSchema },
    response: credentialListSchema,
  },
  {
    operationId: 'createModelCredential',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/model-credentials',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: "Register the tenant's own model-provider credential (a role to assume in its AWS account, or an API key); stored encrypted",
    request: { path: credentialsPathSchema, body: credentialBodySchema },
    response: modelCredentialSchema,
    successStatus: 201,
  },
  {
    operationId: 'getModelCredential',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/model-credentials/{credentialId}',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: 'Read what is shown of a credential: id, kind, label, last four characters, dates',
    request: { path: credentialPathSchema },
    response: modelCredentialSchema,
  },
  {
    operationId: 'rotateModelCredential',
    method: 'PUT',
    path: '/v1/tenants/{tenantId}/model-credentials/{credentialId}',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: 'Rotate a credential: the new secret is used at once, the old one kept until the new one has worked',
    request: { path: credentialPathSchema, body: credentialBodySchema },
    response: modelCredentialSchema,
  },
  {
    operationId: 'deleteModelCredential',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/model-credentials/{credentialId}',
    group: 'governance',
    access: ACCESS.tenantAdmin,
    summary: 'Delete a credential and every version of its secret (If-Match: its ETag)',
    request: { path: credentialPathSchema },
    response: z.null(),
    successStatus: 204,
  },
] as const satisfies readonly RouteDefinition<'governance'>[];

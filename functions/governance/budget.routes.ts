import * as z from 'zod';
import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import { budgetBodySchema, budgetPathSchema, budgetPolicySchema, budgetStatusSchema } from './budget.schema';

/** The routes of the `governance` group (budgets), served by functions/api/governance.ts; the route table assembles them. */
export const BUDGET_ROUTES = [
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
] as const satisfies readonly RouteDefinition<'governance'>[];

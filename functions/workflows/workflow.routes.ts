import * as z from '../core/zod';
import type { RouteDefinition } from '../core/route';
import { pageSchema, paginationQuerySchema } from '../core/request-conventions';
import { ACCESS } from '../core/roles';
import { runPathSchema, runSchema, startRunBodySchema } from './run.schema';
import { createWorkflowBodySchema, updateWorkflowBodySchema, workflowPathSchema, workflowSchema, workflowsPathSchema } from './workflow.schema';

/** The routes of the `workflows` group, served by functions/api/workflows.ts; the route table assembles them. */
export const WORKFLOW_ROUTES = [
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
    summary:
      'Start a workflow run: counts against the monthly runs quota and answers 202 with the run QUEUED; a worker executes its steps (accepts Idempotency-Key)',
    request: { path: workflowPathSchema, body: startRunBodySchema },
    response: runSchema,
    successStatus: 202,
  },
  {
    operationId: 'cancelWorkflowRun',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}/cancel',
    group: 'workflows',
    access: ACCESS.tenantWrite,
    summary: 'Cancel a run: a QUEUED run ends CANCELLED at once, a RUNNING one before its next step (accepts Idempotency-Key)',
    request: { path: runPathSchema },
    response: runSchema,
  },
  {
    operationId: 'getWorkflowRun',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}',
    group: 'workflows',
    access: ACCESS.tenantRead,
    summary: 'Read a run: status, provider, step results as they finish, token usage (ETag; poll with If-None-Match)',
    request: { path: runPathSchema },
    response: runSchema,
  },
] as const satisfies readonly RouteDefinition<'workflows'>[];

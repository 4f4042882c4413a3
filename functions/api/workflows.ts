import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler, type TenantGate } from '../core/http';
import type { Logger } from '../core/logger';
import { DEFAULT_PAGE_SIZE, etagOf } from '../core/request-conventions';
import { mutationContextOf, toOperationResult } from '../data/mutation.context';
import { WORKFLOW_ROUTES } from '../workflows/workflow.routes';
import type { RequestFor } from '../routes';
import type { Run } from '../workflows/run.schema';
import type { RunService } from '../workflows/run.service';
import type { Workflow } from '../workflows/workflow.schema';
import type { WorkflowService } from '../workflows/workflow.service';
import { modelProviderNameOf } from '../models/model-provider';
import { workflowServicesFactory } from '../workflows/workflow.module';
import { createResourceDependencies, lazyHandler, tenantSignalsOf } from './dependencies';
import { runQueueOf } from './runs-queue.dependencies';
import { budgetAdmissionOf } from './governance.dependencies';
import type { RequestTelemetryPorts } from '../core/request-telemetry.middleware';

/** The services of one tenant, over that tenant's scoped client. */
export interface WorkflowServices {
  readonly workflows: Pick<WorkflowService, 'get' | 'list' | 'create' | 'update' | 'delete'>;
  readonly runs: Pick<RunService, 'get' | 'list' | 'start' | 'cancel'>;
}

export interface WorkflowsDependencies {
  readonly logger: Logger;
  /** Tier lookup and metering of the request metrics. @default tier unknown, nothing metered */
  readonly telemetry?: RequestTelemetryPorts;
  readonly tenantGate: TenantGate;
  readonly servicesFor: (tenantId: string) => WorkflowServices;
}

/**
 * The workflows group: the resource dependencies (isolation layer, signed cursors, mutation executor) and the
 * configured model provider, named in every run record.
 */
export function createWorkflowsDependencies(config: RuntimeConfig) {
  const queue = runQueueOf(config);
  const resources = createResourceDependencies(config, 'workflows');
  return {
    logger: resources.logger,
    tenantGate: resources.tenantGate,
    ...(resources.telemetry ? { telemetry: resources.telemetry } : {}),
    servicesFor: workflowServicesFactory({
      db: resources.db,
      tableName: resources.tableName,
      cursors: resources.cursors,
      mutations: resources.executor,
      provider: { name: modelProviderNameOf(config) },
      queue,
      admission: budgetAdmissionOf(resources),
    }),
  };
}

const workflowLocation = (tenantId: string, workflowId: string) => `/v1/tenants/${tenantId}/workflows/${workflowId}`;

const presentWorkflow = (tenantId: string, status: number) => (workflow: Workflow) => ({
  status,
  body: workflow,
  headers: { etag: etagOf(workflow.version), ...(status === 201 ? { location: workflowLocation(tenantId, workflow.workflowId) } : {}) },
});

const presentRun = (tenantId: string, status: number) => (run: Run) => ({
  status,
  body: run,
  headers: { location: `${workflowLocation(tenantId, run.workflowId)}/runs/${run.runId}` },
});

/** Workflows and their runs. */
export function createHandler(config: RuntimeConfig, deps: WorkflowsDependencies = createWorkflowsDependencies(config)) {
  return createGroupHandler({
    tenantSignals: tenantSignalsOf(config),
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: WORKFLOW_ROUTES,
    tenantGate: deps.tenantGate,
    operations: {
      listWorkflows: async ({ path, query }: RequestFor<'listWorkflows'>) => ({
        body: await deps
          .servicesFor(path.tenantId)
          .workflows.list({ limit: query.limit ?? DEFAULT_PAGE_SIZE, ...(query.cursor ? { cursor: query.cursor } : {}) }),
      }),
      createWorkflow: async (request: RequestFor<'createWorkflow'>) =>
        toOperationResult(
          await deps.servicesFor(request.path.tenantId).workflows.create(request.body, mutationContextOf(request), presentWorkflow(request.path.tenantId, 201)),
        ),
      getWorkflow: async ({ path }: RequestFor<'getWorkflow'>) => {
        const workflow = await deps.servicesFor(path.tenantId).workflows.get(path.workflowId);
        return { body: workflow, headers: { etag: etagOf(workflow.version) } };
      },
      updateWorkflow: async (request: RequestFor<'updateWorkflow'>) =>
        toOperationResult(
          await deps
            .servicesFor(request.path.tenantId)
            .workflows.update(request.path.workflowId, request.body, mutationContextOf(request), presentWorkflow(request.path.tenantId, 200)),
        ),
      deleteWorkflow: async (request: RequestFor<'deleteWorkflow'>) =>
        toOperationResult(
          await deps.servicesFor(request.path.tenantId).workflows.delete(request.path.workflowId, mutationContextOf(request), () => ({ status: 204 })),
        ),
      listWorkflowRuns: async ({ path, query }: RequestFor<'listWorkflowRuns'>) => ({
        body: await deps
          .servicesFor(path.tenantId)
          .runs.list(path.workflowId, { limit: query.limit ?? DEFAULT_PAGE_SIZE, ...(query.cursor ? { cursor: query.cursor } : {}) }),
      }),
      startWorkflowRun: async (request: RequestFor<'startWorkflowRun'>) =>
        toOperationResult(
          await deps
            .servicesFor(request.path.tenantId)
            .runs.start(request.path.workflowId, request.body, mutationContextOf(request), presentRun(request.path.tenantId, 202)),
        ),
      cancelWorkflowRun: async (request: RequestFor<'cancelWorkflowRun'>) =>
        toOperationResult(
          await deps
            .servicesFor(request.path.tenantId)
            .runs.cancel(request.path.workflowId, request.path.runId, mutationContextOf(request), presentRun(request.path.tenantId, 200)),
        ),
      getWorkflowRun: async ({ path }: RequestFor<'getWorkflowRun'>) => ({
        body: await deps.servicesFor(path.tenantId).runs.get(path.workflowId, path.runId),
      }),
    },
  });
}

export const handler = lazyHandler(createHandler);

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionOf, itemExists } from '../data/conditions';
import { AgentRepository } from '../agents/agent.repository';
import { keys } from '../data/keys';
import type { CursorCodec } from '../data/cursor';
import type { MutationExecutor } from '../data/mutation.executor';
import type { ModelProvider } from '../models/model-provider';
import { RunExecutor } from './run.executor';
import { RunRepository } from './run.repository';
import { RunService } from './run.service';
import { WorkflowRepository } from './workflow.repository';
import { WorkflowService, type AgentReferences } from './workflow.service';

export interface WorkflowModuleOptions {
  /** The tenant-scoped client of a tenant (`isolation.forTenant`). */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cursors: CursorCodec;
  readonly mutations: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  readonly provider: ModelProvider;
  /** Told of faults inside a run that the run records without their detail. */
  readonly onUnexpectedError?: (error: unknown, stepId: string) => void;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Refuses run starts a tenant may not make now (see RunServiceDeps.admission). @default every start is admitted */
  readonly admission?: (tenantId: string) => Promise<void>;
}

/** The workflow and run services of one tenant. */
export interface TenantWorkflowServices {
  readonly workflows: WorkflowService;
  readonly runs: RunService;
}

/** Agent existence checks on the tenant's own agent keys: another tenant's agent id is simply not there. */
function agentReferences(tenantId: string): AgentReferences {
  return {
    exists: (agentId, onMissing) => ({
      check: {
        Key: keys.agent(tenantId, agentId),
        ...conditionOf(itemExists),
      },
      onConditionFailed: onMissing,
    }),
  };
}

/**
 * Wires the workflow and run services of a tenant over that tenant's scoped client; the handler builds them per
 * request (they are cheap: the clients, cursor codec, executor and provider are shared).
 */
export function workflowServicesFactory(options: WorkflowModuleOptions): (tenantId: string) => TenantWorkflowServices {
  const clock = options.clock ?? Date.now;
  const executor = new RunExecutor(options.provider, clock, options.onUnexpectedError);
  return (tenantId) => {
    const db = options.db(tenantId);
    const scope = { db, tableName: options.tableName, tenantId, cursors: options.cursors };
    const workflows = new WorkflowRepository(scope);
    return {
      workflows: new WorkflowService({ tenantId, workflows, agents: agentReferences(tenantId), mutations: options.mutations, clock }),
      runs: new RunService({
        tenantId,
        workflows,
        runs: new RunRepository(scope),
        agents: new AgentRepository(scope),
        mutations: options.mutations,
        executor,
        provider: options.provider.name,
        clock,
        ...(options.admission ? { admission: options.admission } : {}),
      }),
    };
  };
}

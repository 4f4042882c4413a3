import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionOf, itemExists } from '../data/conditions';
import { AgentRepository } from '../agents/agent.repository';
import * as keys from '../data/table-keys';
import { CursorCodec } from '../data/cursor';
import type { MutationExecutor } from '../data/mutation.executor';
import type { ModelProvider } from '../models/model-provider';
import { RunExecutor, type StepPolicy } from './run.executor';
import type { RunQueue } from './run.queue';
import { RunRepository } from './run.repository';
import { RunService } from './run.service';
import { RunWorker } from './run.worker';
import { RunSweeper, type RunSweeperDeps } from './run.sweeper';
import { WorkflowRepository } from './workflow.repository';
import { WorkflowService, type AgentReferences } from './workflow.service';

export interface WorkflowModuleOptions {
  /** The tenant-scoped client of a tenant (`isolation.forTenant`). */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cursors: CursorCodec;
  readonly mutations: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  /** The provider the workers call: named in every run record. */
  readonly provider: Pick<ModelProvider, 'name'>;
  /** Where started runs go. */
  readonly queue: RunQueue;
  /** Refuses run starts a tenant may not make now (see RunServiceDeps.admission). @default every start is admitted */
  readonly admission?: (tenantId: string) => Promise<void>;
  /** @default Date.now */
  readonly clock?: () => number;
}

export interface RunWorkerModuleOptions {
  /** The tenant-scoped client of a tenant (`isolation.forTenant`). */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly mutations: Pick<MutationExecutor, 'execute'>;
  readonly provider: ModelProvider;
  /** Told of faults inside a step (the step is handed back to the queue without their detail). */
  readonly onUnexpectedError?: (error: unknown, stepId: string) => void;
  /** @default DEFAULT_STEP_POLICY */
  readonly stepPolicy?: StepPolicy;
  /** See RunWorkerDeps.leaseMs. */
  readonly leaseMs: number;
  /** See RunWorkerDeps.slotWaitSeconds. */
  readonly slotWaitSeconds: number;
  /** @default RUN_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
  /** See RunWorkerDeps.redriveAfterMs. @default DEFAULT_REDRIVE_AFTER_MS */
  readonly redriveAfterMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
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
  return (tenantId) => {
    const db = options.db(tenantId);
    const scope = { db, tableName: options.tableName, tenantId };
    const workflows = new WorkflowRepository({ ...scope, cursors: options.cursors });
    return {
      workflows: new WorkflowService({ tenantId, workflows, agents: agentReferences(tenantId), mutations: options.mutations, clock }),
      runs: new RunService({
        tenantId,
        workflows,
        runs: new RunRepository({ ...scope, cursors: options.cursors }),
        mutations: options.mutations,
        queue: options.queue,
        provider: options.provider.name,
        clock,
        ...(options.admission ? { admission: options.admission } : {}),
      }),
    };
  };
}

/** The run worker of a tenant, over that tenant's scoped client; the queue consumer builds one per message. */
export function runWorkerFactory(options: RunWorkerModuleOptions): (tenantId: string) => RunWorker {
  const clock = options.clock ?? Date.now;
  const executor = new RunExecutor(options.provider, {
    clock,
    ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
    ...(options.stepPolicy ? { stepPolicy: options.stepPolicy } : {}),
  });
  // Workers list nothing, so their repositories never hand out a cursor: a process-own secret keeps the consumer
  // function free of the API's cursor secret.
  const workerCursors = new CursorCodec(randomBytes(32).toString('base64url'));
  return (tenantId) => {
    const db = options.db(tenantId);
    const scope = { db, tableName: options.tableName, tenantId, cursors: workerCursors };
    return new RunWorker({
      tenantId,
      workflows: new WorkflowRepository(scope),
      runs: new RunRepository(scope),
      agents: new AgentRepository(scope),
      mutations: options.mutations,
      executor,
      leaseMs: options.leaseMs,
      slotWaitSeconds: options.slotWaitSeconds,
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.redriveAfterMs ? { redriveAfterMs: options.redriveAfterMs } : {}),
      clock,
    });
  };
}

/** The run sweeper of a region: the runs of each tenant over that tenant's scoped client. */
export function runSweeperOf(options: Pick<RunWorkerModuleOptions, 'db' | 'tableName' | 'clock'> & Omit<RunSweeperDeps, 'runsOf' | 'clock'>): RunSweeper {
  // The sweeper lists nothing it hands out: a process-own cursor secret, as for workers.
  const cursors = new CursorCodec(randomBytes(32).toString('base64url'));
  const { db, tableName, clock, ...deps } = options;
  return new RunSweeper({
    ...deps,
    runsOf: (tenantId) => new RunRepository({ db: db(tenantId), tableName, tenantId, cursors }),
    ...(clock ? { clock } : {}),
  });
}

import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createLogger, type Logger } from '../core/logger';
import { queueMessageOf } from '../core/queue-message';
import { createModelProvider } from '../models/model-provider.factory';
import { observedModelProvider } from '../observability/model-telemetry';
import { observedDelivery } from '../observability/run-telemetry';
import { runMessageSchema, type RunQueue } from '../workflows/run.queue';
import type { DeliveryOutcome, RunWorker } from '../workflows/run.worker';
import { runSweeperOf, runWorkerFactory } from '../workflows/workflow.module';
import type { RunSweeper } from '../workflows/run.sweeper';
import { DirectoryReader } from '../tenants/directory.reader';
import { CachedDirectory } from '../tenants/directory.cache';
import { heldMove } from '../tenants/tenant-move';
import { meterOf, createTenantWrites, isolationOf, lazyHandler, writingMeter } from './dependencies';
import { runQueueOf } from './runs-queue.dependencies';
import { timedDelivery, type TenantDelivery, type UsageMeter } from '../usage/usage.meter';
import { memoryMbOf } from '../core/lambda-context';
import type { RuntimeConfig } from './runtime-config';
import { modelGovernance } from './governance.dependencies';
import { credentialStoreOf } from './credential-store.dependencies';
import { mailerOf } from './mailer.dependencies';
import { CachedPlanSource } from '../quotas/plan.source';

export interface RunConsumerDependencies {
  readonly logger: Logger;
  readonly workerFor: (tenantId: string) => RunWorker;
  /** Where runs that must wait are sent again. */
  readonly queue: RunQueue;
  /** The tenant's tier, for the delivery's metrics and scaling events. @default every tier `unknown` */
  readonly tierOf?: (tenantId: string) => Promise<string>;
  /** Sends stuck runs again when the schedule invokes the function. @default scheduled invocations do nothing */
  readonly sweeper?: Pick<RunSweeper, 'sweep'>;
  /**
   * Meters the Lambda time of each batch to the tenants whose runs it executed, in proportion to their deliveries'
   * time (the run's model calls wait inside the invocation). @default not metered
   */
  readonly meter?: Pick<UsageMeter, 'addInvocation'>;
  /**
   * The tenant's directory entry, through the container's cache (DIRECTORY_CACHE_SECONDS): a run of a tenant that a
   * migration is moving waits, one of a tenant homed elsewhere now is left to its new region, and one of a tenant that
   * is not active (suspended, offboarding) is left until it is active again. @default every run is executed here
   */
  readonly directory?: Pick<DirectoryReader, 'get'>;
  /** The region this consumer serves. @default every tenant is served here */
  readonly region?: string;
}

/** What invokes the function: the runs queue (a batch of messages) or the sweep schedule (EventBridge). */
export type RunConsumerEvent = SQSEvent | ScheduledEvent;

/** The consumer's dependencies: the tenant writes (data role only), the configured model provider, the queue. */
export function createRunConsumerDependencies(config: RuntimeConfig): RunConsumerDependencies {
  const logger = createLogger('run-consumer', config.LOG_LEVEL);
  const { db, executor } = createTenantWrites(config);
  const plans = new CachedPlanSource({ db, tableName: config.TABLE_NAME });
  // Every model call of a run goes through the tenant's model policy (allow-list, guardrail, own credential) and is
  // reserved and settled against its budgets (and may fall back or be refused).
  const governance = modelGovernance(
    {
      db,
      tableName: config.TABLE_NAME,
      plans,
      audit: executor,
      mailer: mailerOf(config),
      logger,
      region: config.AWS_REGION,
      credentialStore: credentialStoreOf(config),
    },
    observedModelProvider(createModelProvider(config), meterOf(config)),
  );
  const queue = runQueueOf(config);
  return {
    logger,
    queue,
    meter: meterOf(config),
    sweeper: runSweeperOf({
      db,
      tableName: config.TABLE_NAME,
      queue,
      redriveAfterMs: config.RUN_REDRIVE_AFTER_SECONDS * 1000,
      leaseMs: config.RUN_LEASE_SECONDS * 1000,
      tenants: () => tenantsHomedIn(new DirectoryReader(isolationOf(config).directoryDb(), config.TABLE_NAME), config.AWS_REGION),
      onTenantError: (tenantId, error) => logger.error('runs of a tenant could not be swept', { tenantId, error: error as Error }),
    }),
    tierOf: async (tenantId) => (await plans.planOf(tenantId)).id,
    directory: new CachedDirectory(new DirectoryReader(isolationOf(config).directoryDb(), config.TABLE_NAME), {
      ttlMs: config.DIRECTORY_CACHE_SECONDS * 1000,
    }),
    region: config.AWS_REGION,
    workerFor: runWorkerFactory({
      db,
      tableName: config.TABLE_NAME,
      mutations: executor,
      provider: governance.provider,
      onUnexpectedError: (error, stepId) => logger.error('workflow step failed unexpectedly', { stepId, error: error as Error }),
      leaseMs: config.RUN_LEASE_SECONDS * 1000,
      slotWaitSeconds: config.RUN_SLOT_WAIT_SECONDS,
      redriveAfterMs: config.RUN_REDRIVE_AFTER_SECONDS * 1000,
    }),
  };
}

/**
 * Tenants of the directory whose runs this region executes now: homed here, ACTIVE (a suspended tenant's runs wait
 * for its reactivation, an offboarding tenant's data is being purged) and not being moved away.
 */
async function* tenantsHomedIn(directory: DirectoryReader, region: string): AsyncIterable<string> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await directory.list(100, start);
    for (const entry of page.items) if (entry.region === region && entry.status === 'ACTIVE' && !heldMove(entry)) yield entry.tenantId;
    start = page.lastEvaluatedKey;
  } while (start);
}

/** How long a run of a tenant being moved waits before its message is looked at again. */
const MOVE_WAIT_SECONDS = 30;

/**
 * The runs queue's consumer (an SQS event source with ReportBatchItemFailures): each message names a run, which the
 * tenant's RunWorker executes. A message that failed is reported, so SQS delivers it again after the visibility
 * timeout and moves it to the dead-letter queue after the redrive policy's receives; the others are deleted.
 */
export function createHandler(config: RuntimeConfig, deps: RunConsumerDependencies = createRunConsumerDependencies(config)) {
  /**
   * What becomes of a tenant's run message when its run is not executed here now; undefined when it is. `later` while a
   * migration holds the tenant's changes (a step run now would write after the export, and be purged); `done`, the
   * message left, when the tenant is homed in another region now (the run came along with its data) or is not active (a
   * suspension pauses its runs, an offboarding purges them): the sweeper sends the run again once the tenant is active
   * here.
   */
  const withheld = async (tenantId: string): Promise<DeliveryOutcome | undefined> => {
    const entry = deps.region ? await deps.directory?.get(tenantId) : undefined;
    if (!entry) return undefined;
    if (entry.region !== deps.region) return { kind: 'done' };
    if (heldMove(entry)) return { kind: 'later', delaySeconds: MOVE_WAIT_SECONDS, reason: 'the tenant is moving to another region' };
    return entry.status === 'ACTIVE' ? undefined : { kind: 'done' };
  };
  const deliver = async (record: SQSRecord, work: TenantDelivery[]): Promise<DeliveryOutcome> => {
    const message = queueMessageOf(runMessageSchema, record.body);
    // Nothing can ever run from a malformed message: straight on towards the dead-letter queue.
    if (!message) return { kind: 'failed', reason: 'malformed run message' };
    const { tenantId, runId } = message;
    const telemetry = { tierOf: deps.tierOf ?? (async () => 'unknown'), logger: deps.logger };
    const outcome =
      (await withheld(tenantId)) ??
      (await timedDelivery(work, tenantId, () => observedDelivery({ tenantId, runId }, telemetry, () => deps.workerFor(tenantId).handle(message))));
    if (outcome.kind === 'later') await deps.queue.enqueue(message, { delaySeconds: outcome.delaySeconds });
    return outcome;
  };
  const consume = async (event: SQSEvent, context: Context | undefined): Promise<SQSBatchResponse> => {
    const started = performance.now();
    const work: TenantDelivery[] = [];
    const outcomes = await Promise.all(
      event.Records.map((record) =>
        deliver(record, work).catch((error: unknown): DeliveryOutcome => {
          deps.logger.error('run delivery failed', { messageId: record.messageId, error: error as Error });
          return { kind: 'failed', reason: 'unexpected error' };
        }),
      ),
    );
    deps.meter?.addInvocation(memoryMbOf(context), performance.now() - started, work);
    const failed = event.Records.filter((_, i) => outcomes[i].kind === 'failed');
    for (const [i, record] of event.Records.entries()) {
      const outcome = outcomes[i];
      if (outcome.kind === 'failed') deps.logger.warn('run delivery handed back', { messageId: record.messageId, reason: outcome.reason });
    }
    return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
  };
  const sweep = async (): Promise<undefined> => {
    const report = await deps.sweeper?.sweep();
    if (report && (report.redriven > 0 || report.failedTenants > 0)) deps.logger.warn('runs sent again by the sweeper', { ...report });
    return undefined;
  };
  // The same function sweeps on its schedule, so the sweep has the consumer's grants (tenant data, the queue). What
  // the deliveries metered (their Lambda time, model tokens, capacity) is written before the invocation ends, as no
  // request comes to write it.
  return writingMeter(
    config,
    async (event: RunConsumerEvent, context?: Context): Promise<SQSBatchResponse | undefined> => ('Records' in event ? consume(event, context) : sweep()),
  );
}

export const handler = lazyHandler(createHandler);

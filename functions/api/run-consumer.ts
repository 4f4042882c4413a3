import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createLogger, type Logger } from '../core/logger';
import { createModelProvider } from '../models/model-provider.factory';
import { observedModelProvider } from '../observability/model-telemetry';
import { runMessageSchema, type RunQueue } from '../workflows/run.queue';
import type { DeliveryOutcome, RunWorker } from '../workflows/run.worker';
import { runWorkerFactory } from '../workflows/workflow.module';
import { meterOf, createTenantWrites, lazyHandler, runQueueOf } from './dependencies';
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
  /** Writes what the batch's model calls metered (tokens, capacity): no request comes to flush it. @default nothing */
  readonly flushMeter?: () => Promise<void>;
}

/** The consumer's dependencies: the tenant writes (data role only), the configured model provider, the queue. */
export function createRunConsumerDependencies(config: RuntimeConfig): RunConsumerDependencies {
  const logger = createLogger('run-consumer', config.LOG_LEVEL);
  const { db, executor } = createTenantWrites(config);
  // Every model call of a run goes through the tenant's model policy (allow-list, guardrail, own credential) and is
  // reserved and settled against its budgets (and may fall back or be refused).
  const governance = modelGovernance(
    {
      db,
      tableName: config.TABLE_NAME,
      plans: new CachedPlanSource({ db, tableName: config.TABLE_NAME }),
      audit: executor,
      mailer: mailerOf(config),
      logger,
      region: config.AWS_REGION,
      credentialStore: credentialStoreOf(config),
    },
    observedModelProvider(createModelProvider(config), meterOf(config)),
  );
  return {
    logger,
    queue: runQueueOf(config),
    flushMeter: () => meterOf(config).flush(),
    workerFor: runWorkerFactory({
      db,
      tableName: config.TABLE_NAME,
      mutations: executor,
      provider: governance.provider,
      onUnexpectedError: (error, stepId) => logger.error('workflow step failed unexpectedly', { stepId, error: error as Error }),
      leaseMs: config.RUN_LEASE_SECONDS * 1000,
      slotWaitSeconds: config.RUN_SLOT_WAIT_SECONDS,
    }),
  };
}

/**
 * The runs queue's consumer (an SQS event source with ReportBatchItemFailures): each message names a run, which the
 * tenant's RunWorker executes. A message that failed is reported, so SQS delivers it again after the visibility
 * timeout and moves it to the dead-letter queue after the redrive policy's receives; the others are deleted.
 */
export function createHandler(config: RuntimeConfig, deps: RunConsumerDependencies = createRunConsumerDependencies(config)) {
  const deliver = async (record: SQSRecord): Promise<DeliveryOutcome> => {
    const parsed = runMessageSchema.safeParse(safeJson(record.body));
    // Nothing can ever run from a malformed message: straight on towards the dead-letter queue.
    if (!parsed.success) return { kind: 'failed', reason: 'malformed run message' };
    const outcome = await deps.workerFor(parsed.data.tenantId).handle(parsed.data);
    if (outcome.kind === 'later') await deps.queue.enqueue(parsed.data, { delaySeconds: outcome.delaySeconds });
    return outcome;
  };
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const outcomes = await Promise.all(
      event.Records.map((record) =>
        deliver(record).catch((error: unknown): DeliveryOutcome => {
          deps.logger.error('run delivery failed', { messageId: record.messageId, error: error as Error });
          return { kind: 'failed', reason: 'unexpected error' };
        }),
      ),
    );
    await deps.flushMeter?.();
    const failed = event.Records.filter((_, i) => outcomes[i].kind === 'failed');
    for (const [i, record] of event.Records.entries()) {
      const outcome = outcomes[i];
      if (outcome.kind === 'failed') deps.logger.warn('run delivery handed back', { messageId: record.messageId, reason: outcome.reason });
    }
    return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const handler = lazyHandler(createHandler);

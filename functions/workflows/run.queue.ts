import * as z from '../core/zod';
import { tenantIdSchema } from '../data/keys';
import { resourceIdSchema } from './workflow.schema';

/**
 * The runs queue: a message names a run to execute (never its content, which stays in the tenant's partition). The
 * queue delivers at least once; a duplicate or late message is harmless because the worker acts only through the
 * run's status and lease conditions.
 */
export const runMessageSchema = z.strictObject({ tenantId: tenantIdSchema, workflowId: resourceIdSchema, runId: resourceIdSchema });
export type RunMessage = z.infer<typeof runMessageSchema>;

/** Where started runs are sent (SQS in AWS, the local SQS emulator on the local platform). */
export interface RunQueue {
  /** Sends the message, visible after `delaySeconds` (0–900). */
  enqueue(message: RunMessage, options?: { readonly delaySeconds?: number }): Promise<void>;
}

/** Most deliveries of one message before the queue moves it to its dead-letter queue (the redrive policy). */
export const RUN_QUEUE_MAX_RECEIVES = 4;

/**
 * Workers that may begin executing a run: one fewer than the deliveries, so the delivery after the last attempt
 * always finds the run and fails it with the reason, before the queue dead-letters the message.
 */
export const RUN_MAX_ATTEMPTS = RUN_QUEUE_MAX_RECEIVES - 1;

/**
 * After how long the run sweeper sends a message again for a run no message has reached (QUEUED) or whose worker's
 * lease ran out without another delivery taking it over (RUNNING). A run whose message was never sent (its start
 * stopped between the transaction and the send) is therefore picked up within this bound plus the sweep interval.
 */
export const DEFAULT_REDRIVE_AFTER_MS = 300_000;

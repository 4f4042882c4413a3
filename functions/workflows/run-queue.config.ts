import * as z from '../core/zod';

/** Settings of the runs queue, its producers (the workflows API) and its consumer (the run worker). */
export const runQueueEnvShape = {
  /** The runs queue; required by the functions that start runs or re-send waiting ones. */
  RUNS_QUEUE_URL: z.optional(z.url()),
  /** The SQS endpoint when it is not AWS's (the local SQS emulator). */
  SQS_ENDPOINT: z.optional(z.url()),
  /**
   * A worker's claim on a run without a step finishing; equals the queue's visibility timeout, so a run whose worker
   * stopped is taken over by the delivery that follows. @default 900 (the consumer function's timeout)
   */
  RUN_LEASE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(43_200)), 900),
  /**
   * After how long the sweeper sends a run nothing has delivered again (a QUEUED run whose message was lost, a
   * RUNNING run whose worker stopped and whose message is gone). @default 300 (DEFAULT_REDRIVE_AFTER_MS)
   */
  RUN_REDRIVE_AFTER_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(43_200)), 300),
  /** How long a run that found all the tenant's concurrent-run slots taken waits before it tries again. @default 5 */
  RUN_SLOT_WAIT_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(900)), 5),
} as const;

import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type QueueAttributeName,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { FauxqsServer } from 'fauxqs';
import { RUN_QUEUE_MAX_RECEIVES } from '../functions/workflows/run.queue';
import { lambdaContext, LOCAL_ACCOUNT_ID } from './lambda-context';

/**
 * The runs queue locally: fauxqs, an SQS-compatible emulator from npm that runs in-process and offline (SQS query
 * and JSON protocols, visibility timeout, receive counts, redrive to a dead-letter queue, delays), with the queue and
 * its DLQ created as the CDK construct creates them; and a poller that plays Lambda's SQS event source mapping
 * (batches, ReportBatchItemFailures, the function timeout) for the real consumer handler.
 */

export interface LocalRunQueueOptions {
  /** @default a free port */
  readonly port?: number;
  readonly region: string;
  /** Keeps queues and messages across restarts when set. @default in memory */
  readonly dataDir?: string;
  /** The queue's visibility timeout, equal to the run lease. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** @default RUN_QUEUE_MAX_RECEIVES */
  readonly maxReceiveCount?: number;
  /** @default 'runs' */
  readonly queueName?: string;
}

export interface LocalRunQueue {
  /** SQS_ENDPOINT of the functions. */
  readonly endpoint: string;
  /** RUNS_QUEUE_URL of the functions. */
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly client: SQSClient;
  /** Messages waiting, in flight and delayed, and in the dead-letter queue. */
  depth(): Promise<{ readonly visible: number; readonly inFlight: number; readonly delayed: number; readonly deadLettered: number }>;
  stop(): Promise<void>;
}

/**
 * The emulator names queues by a virtual host, `sqs.<region>.127.0.0.1`, which URL parsers refuse (a host ending in a
 * number must be an IPv4 address); the path-style URL on its endpoint reaches the same queue.
 */
function pathStyle(queueUrl: string, endpoint: string): string {
  return `${endpoint}${queueUrl.replace(/^[a-z]+:\/\/[^/]+/, '')}`;
}

/** Node's notice, on loading `node:sqlite` (fauxqs keeps its queues there), that the module is experimental. */
const SQLITE_NOTICE = /^SQLite is an experimental feature/;

/**
 * fauxqs, without the experimental-module notice its import makes Node print: it says nothing to a person starting
 * the platform, and Node 22 prints it on every start. Every other warning goes out as before. fauxqs is an ES module
 * only: imported, never required, from the CommonJS the local platform runs as.
 */
function importFauxqs(): Promise<typeof import('fauxqs')> {
  // Once per process: queues started side by side share the import, and the warning function is swapped only once.
  fauxqs ??= importQuietly();
  return fauxqs;
}
let fauxqs: Promise<typeof import('fauxqs')> | undefined;

async function importQuietly(): Promise<typeof import('fauxqs')> {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    if (SQLITE_NOTICE.test(typeof warning === 'string' ? warning : warning.message)) return;
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return await import('fauxqs');
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Starts the emulator and creates the queue with its dead-letter queue (redrive after `maxReceiveCount` receives). */
export async function startLocalRunQueue(options: LocalRunQueueOptions): Promise<LocalRunQueue> {
  const { startFauxqs } = await importFauxqs();
  const server: FauxqsServer = await startFauxqs({
    port: options.port ?? 0,
    host: '127.0.0.1',
    logger: false,
    defaultRegion: options.region,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new SQSClient({ endpoint, region: options.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const name = options.queueName ?? 'runs';
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq`, Attributes: { MessageRetentionPeriod: '1209600' } }));
    const dlqUrl = dlq.QueueUrl as string;
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: options.maxReceiveCount ?? RUN_QUEUE_MAX_RECEIVES }),
        },
      }),
    );
    const queueUrl = pathStyle(queue.QueueUrl as string, endpoint);
    const count = async (url: string) => {
      const attributes = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      );
      const of = (name: QueueAttributeName) => Number(attributes.Attributes?.[name] ?? 0);
      return {
        visible: of('ApproximateNumberOfMessages'),
        inFlight: of('ApproximateNumberOfMessagesNotVisible'),
        delayed: of('ApproximateNumberOfMessagesDelayed'),
      };
    };
    return {
      endpoint,
      queueUrl,
      deadLetterQueueUrl: pathStyle(dlqUrl, endpoint),
      client,
      async depth() {
        const [main, dead] = await Promise.all([count(queueUrl), count(dlqUrl)]);
        return { ...main, deadLettered: dead.visible + dead.inFlight };
      },
      async stop() {
        client.destroy();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** The run consumer: invoked by the queue's event source mapping and by the sweep schedule. */
export type RunConsumerHandler = (event: SQSEvent | ScheduledEvent, context?: Context) => Promise<SQSBatchResponse | undefined>;

/** The event EventBridge's schedule hands the run consumer. */
export function scheduledEvent(region: string, now = new Date()): ScheduledEvent {
  return {
    version: '0',
    id: `local-sweep-${now.getTime()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: now.toISOString(),
    region,
    resources: [],
    detail: {},
  };
}

export interface EventSourceMappingOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly region: string;
  readonly handler: SqsHandler;
  /** Invocations at once (Lambda's maximum concurrency of the mapping). @default 4 */
  readonly concurrency?: number;
  /** @default 10 */
  readonly batchSize?: number;
  /**
   * The function timeout: an invocation still running after it counts as failed (Lambda would end it), and its
   * messages come back after their visibility timeout. @default 900 s
   */
  readonly timeoutMs?: number;
  /** Receives one line per failed invocation. @default none */
  readonly log?: (line: string) => void;
}

export interface EventSourceMapping {
  /** Stops polling and waits for the invocations in flight. */
  stop(): Promise<void>;
}

function toRecord(message: import('@aws-sdk/client-sqs').Message, queueArn: string, region: string): SQSRecord {
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Invokes the consumer with a batch as Lambda does, within its timeout: the ids of the messages it reported as
 * failed. Throws when it threw or timed out.
 */
function invokerOf(options: EventSourceMappingOptions, functionName: string, timeoutMs: number): (event: SQSEvent) => Promise<Set<string>> {
  return async (event) => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const context = lambdaContext(functionName, options.region, randomUUID(), Date.now() + timeoutMs);
      const result = await Promise.race([options.handler(event, context), timedOut]);
      if (result === 'timeout') throw new Error(`the invocation timed out after ${timeoutMs} ms`);
      return new Set((result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * How long a receive waits for a message: SQS's longest wait, as Lambda's event source mapping long-polls. An idle
 * platform then sends a receive per poller every 20 s rather than every second; stopping cancels the receives in flight.
 */
const RECEIVE_WAIT_SECONDS = 20;

/**
 * Polls the queue like Lambda's event source mapping: long-polls batches, invokes the handler, deletes the messages
 * the handler did not report as failed (all of them when it returned nothing, none when it threw or timed out).
 */
export function startEventSourceMapping(options: EventSourceMappingOptions): EventSourceMapping {
  let running = true;
  const stopping = new AbortController();
  const timeoutMs = options.timeoutMs ?? 900_000;
  const queueName = options.queueUrl.split('/').pop();
  const queueArn = `arn:aws:sqs:${options.region}:${LOCAL_ACCOUNT_ID}:${queueName}`;
  // The consumer's name in the context of its invocations.
  const invoke = invokerOf(options, `local-${queueName}-consumer`, timeoutMs);
  const poll = async () => {
    while (running) {
      const received = await options.client
        .send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? 10,
            WaitTimeSeconds: RECEIVE_WAIT_SECONDS,
            MessageSystemAttributeNames: ['All'],
          }),
          { abortSignal: stopping.signal },
        )
        .catch((error: unknown) => {
          if (running) options.log?.(`runs queue: receive failed: ${String(error)}`);
          return { Messages: [] };
        });
      const messages = received.Messages ?? [];
      if (messages.length === 0) continue;
      const event: SQSEvent = { Records: messages.map((message) => toRecord(message, queueArn, options.region)) };
      let failed: Set<string>;
      try {
        failed = await invoke(event);
      } catch (error) {
        options.log?.(`runs queue: invocation failed: ${String(error)}`);
        continue;
      }
      const done = messages.filter((message) => !failed.has(message.MessageId as string));
      if (done.length > 0) {
        await options.client
          .send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle as string })),
            }),
          )
          .catch((error: unknown) => options.log?.(`runs queue: delete failed: ${String(error)}`));
      }
    }
  };
  const pollers = Array.from({ length: options.concurrency ?? 4 }, () => poll());
  return {
    async stop() {
      running = false;
      stopping.abort();
      await Promise.all(pollers);
    },
  };
}

export interface SweepScheduleOptions {
  readonly region: string;
  readonly everyMs: number;
  /** The run consumer, possibly built on the first invocation (a cold start). */
  readonly handler: () => Promise<RunConsumerHandler>;
  readonly log: (line: string) => void;
}

export interface SweepSchedule {
  /** Stops the schedule and waits for a sweep in flight. */
  stop(): Promise<void>;
}

/** Plays the EventBridge rule that invokes the run consumer to sweep: every `everyMs`, never two sweeps at once. */
export function startSweepSchedule(options: SweepScheduleOptions): SweepSchedule {
  let sweeping: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    sweeping ??= options
      .handler()
      .then((consumer) => consumer(scheduledEvent(options.region)))
      .catch((error: unknown) => options.log(`runs sweep failed: ${String(error)}`))
      .finally(() => {
        sweeping = undefined;
      });
  }, options.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await sweeping;
    },
  };
}

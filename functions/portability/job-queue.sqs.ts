import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { JobMessage, JobQueue } from './job.queue';

/**
 * The jobs queue over SQS (or the local SQS emulator, by endpoint), in a module of its own: the functions load it, and
 * the SQS client with it, at their first send (see api/portability.dependencies.ts), so the job consumer's exports and
 * imports and the portability routes that only read never load it.
 */
export class SqsJobQueue implements JobQueue {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {}

  async enqueue(message: JobMessage): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}

/** The SQS client of a region, or of the local SQS emulator at `endpoint`. */
export function createSqsClient(region: string, endpoint?: string): SQSClient {
  return new SQSClient({ region, ...(endpoint ? { endpoint } : {}) });
}

import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { RunMessage, RunQueue } from './run.queue';

/** The runs queue over SQS (or the local SQS emulator, by endpoint); see api/runs-queue.dependencies.ts for when it loads. */
export class SqsRunQueue implements RunQueue {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {}

  async enqueue(message: RunMessage, options: { readonly delaySeconds?: number } = {}): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        ...(options.delaySeconds ? { DelaySeconds: Math.min(900, Math.max(0, Math.round(options.delaySeconds))) } : {}),
      }),
    );
  }
}

/** The SQS client of a region, or of the local SQS emulator at `endpoint`. */
export function createSqsClient(region: string, endpoint?: string): SQSClient {
  return new SQSClient({ region, ...(endpoint ? { endpoint } : {}) });
}

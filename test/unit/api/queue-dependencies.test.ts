import type { RuntimeConfig } from '../../../functions/api/runtime-config';

/**
 * The jobs and runs queues are built when a function's handler is built, but their SQS client, with the SDK module
 * behind it, loads at their first send: a function instance whose first requests only read never loads it.
 */
describe('the queues of the functions that start jobs and runs', () => {
  it.each([
    ['jobs', 'portability.dependencies', { JOBS_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/1/jobs' }],
    ['runs', 'runs-queue.dependencies', { RUNS_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/1/runs' }],
  ])('load the SQS client of the %s queue at the first send, once', async (_queue, module, settings) => {
    // Arrange: the SDK module, counted as it loads; its client takes every message.
    const loads = jest.fn();
    const send = jest.fn(async () => ({}));
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@aws-sdk/client-sqs', () => {
        loads();
        return { SQSClient: jest.fn(() => ({ send })), SendMessageCommand: jest.fn((input: unknown) => ({ input })) };
      });
      const dependencies = (await import(`../../../functions/api/${module}`)) as {
        jobQueueOf?: (config: RuntimeConfig) => { enqueue(message: object): Promise<void> };
        runQueueOf?: (config: RuntimeConfig) => { enqueue(message: object): Promise<void> };
      };
      const queueOf = dependencies.jobQueueOf ?? dependencies.runQueueOf;
      const config = { AWS_REGION: 'eu-central-1', ...settings } as unknown as RuntimeConfig;

      // Act
      const queue = queueOf!(config);
      const loadedWhenBuilt = loads.mock.calls.length;
      await queue.enqueue({ tenantId: 'acme', jobId: 'one' });
      await queue.enqueue({ tenantId: 'acme', jobId: 'two' });

      // Assess
      expect(loadedWhenBuilt).toBe(0);
      expect(loads).toHaveBeenCalledTimes(1);
      expect(send).toHaveBeenCalledTimes(2);
    });
  });

  it('refuses a job at its send where the jobs queue has no URL, without loading the SQS client', async () => {
    // Arrange
    const loads = jest.fn();
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@aws-sdk/client-sqs', () => {
        loads();
        return {};
      });
      const { jobQueueOf } = await import('../../../functions/api/portability.dependencies');
      const queue = jobQueueOf({ AWS_REGION: 'eu-central-1' } as unknown as RuntimeConfig);

      // Act
      const sent = queue.enqueue({ tenantId: 'acme', jobId: 'one' } as never);

      // Assess
      await expect(sent).rejects.toThrow(/JOBS_QUEUE_URL: required/);
      expect(loads).not.toHaveBeenCalled();
    });
  });
});

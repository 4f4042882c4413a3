import { createLogger } from '../../../functions/core/logger';
import { SCALING_EVENT_MESSAGE } from '../../../functions/core/scaling-events';
import { recordMetric } from '../../../functions/core/telemetry';
import * as xrayTracing from '../../../functions/core/xray-tracing';
import { METRIC_NAMES } from '../../../functions/core/metric-names';
import { observedDelivery } from '../../../functions/observability/run-telemetry';
import { NO_RUN_SLOT } from '../../../functions/workflows/run.worker';
import { captureFunctionOutput, type FunctionLine } from '../../../local/function-output';

// The X-Ray tracer as Lambda with active tracing has it, only in the test that turns tracing on.
const mockTracing: { current?: typeof xrayTracing } = {};
jest.mock('../../../functions/core/tracing', () => ({ activeTracing: () => mockTracing.current }));

const tiers: Record<string, string> = { acme: 'enterprise', globex: 'free' };
const ports = { tierOf: async (tenantId: string) => tiers[tenantId], logger: createLogger('run-consumer', 'INFO') };
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('run telemetry', () => {
  let lines: FunctionLine[];
  let output: ReturnType<typeof captureFunctionOutput>;
  beforeEach(() => {
    lines = [];
    output = captureFunctionOutput({ passThrough: () => false });
    output.subscribe((line) => lines.push(line));
  });
  afterEach(() => output.restore());

  it('gives each of a batch’s concurrent deliveries its own metric line, with its tenant’s model figures only', async () => {
    // Act: two tenants' runs at once, their model calls interleaved
    await Promise.all([
      observedDelivery({ tenantId: 'acme', runId: 'run-a' }, ports, async () => {
        recordMetric(METRIC_NAMES.modelInputTokens, 100);
        await sleep(5);
        recordMetric(METRIC_NAMES.modelInputTokens, 20);
        return { kind: 'done' };
      }),
      observedDelivery({ tenantId: 'globex', runId: 'run-g' }, ports, async () => {
        await sleep(1);
        recordMetric(METRIC_NAMES.modelInputTokens, 7);
        return { kind: 'failed', reason: 'model error' };
      }),
    ]);

    // Assess
    const metrics = lines.filter((line) => line.isMetric).map((line) => line.json);
    expect(metrics).toHaveLength(2);
    expect(metrics.find((line) => line.tenantId === 'acme')).toMatchObject({
      tier: 'enterprise',
      runId: 'run-a',
      outcome: 'done',
      ModelInputTokens: [100, 20],
      RunLatency: expect.any(Number),
    });
    expect(metrics.find((line) => line.tenantId === 'globex')).toMatchObject({ tier: 'free', runId: 'run-g', outcome: 'failed', ModelInputTokens: 7 });
  });

  it('logs a run that waits for a concurrent-run slot as a scaling event of its tenant and counts it', async () => {
    await observedDelivery({ tenantId: 'globex', runId: 'run-w' }, ports, async () => ({ kind: 'later', delaySeconds: 5, reason: NO_RUN_SLOT }));
    await observedDelivery({ tenantId: 'globex', runId: 'run-x' }, ports, async () => ({
      kind: 'later',
      delaySeconds: 2,
      reason: 'another worker holds the run',
    }));

    const events = lines.filter((line) => line.json.message === SCALING_EVENT_MESSAGE).map((line) => line.json);
    expect(events).toEqual([expect.objectContaining({ scalingEvent: 'concurrency-limit', tenantId: 'globex', tier: 'free', runId: 'run-w' })]);
    const metrics = lines.filter((line) => line.isMetric).map((line) => line.json);
    expect(metrics.map((line) => line.RunSlotWaits)).toEqual([1, undefined]);
  });

  it('traces each delivery in a subsegment of its own, annotated with its tenant and run, when tracing is on', async () => {
    // Prepare: X-Ray as Lambda has it, each subsegment recorded
    const subsegments: { name: string; annotations: Record<string, string>; errors: unknown[]; closed: boolean }[] = [];
    const { platformTracer } = xrayTracing;
    mockTracing.current = xrayTracing;
    jest.spyOn(platformTracer, 'isTracingEnabled').mockReturnValue(true);
    const capture = jest.spyOn(platformTracer.provider, 'captureAsyncFunc').mockImplementation((name, fcn) => {
      const subsegment = { name, annotations: {} as Record<string, string>, errors: [] as unknown[], closed: false };
      subsegments.push(subsegment);
      return fcn({
        addAnnotation: (key: string, value: string) => (subsegment.annotations[key] = value),
        addError: (error: unknown) => subsegment.errors.push(error),
        close: () => (subsegment.closed = true),
      } as never);
    });

    // Act
    await Promise.all([
      observedDelivery({ tenantId: 'acme', runId: 'run-a' }, ports, async () => ({ kind: 'done' })),
      observedDelivery({ tenantId: 'globex', runId: 'run-g' }, ports, async () => {
        throw new Error('model down');
      }).catch(() => undefined),
    ]);
    capture.mockRestore();
    jest.restoreAllMocks();
    mockTracing.current = undefined;

    // Assess
    expect(subsegments).toEqual([
      { name: 'run run-a', annotations: { tenantId: 'acme', runId: 'run-a' }, errors: [], closed: true },
      { name: 'run run-g', annotations: { tenantId: 'globex', runId: 'run-g' }, errors: [expect.any(Error)], closed: true },
    ]);
  });

  it('still writes the delivery’s line when the worker throws, and lets the error through', async () => {
    await expect(
      observedDelivery({ tenantId: 'acme', runId: 'run-e' }, ports, async () => {
        throw new Error('table unreachable');
      }),
    ).rejects.toThrow('table unreachable');
    expect(lines.filter((line) => line.isMetric).map((line) => line.json)).toEqual([expect.objectContaining({ tenantId: 'acme', outcome: 'failed' })]);
  });
});

import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { createLogger } from '../../../functions/core/logger';
import { SCALING_EVENT_MESSAGE } from '../../../functions/core/scaling-events';
import { ThrottleRecorder, throttledHoursOf } from '../../../functions/observability/throttle-recorder';
import { captureFunctionOutput, type FunctionLine } from '../../../local/function-output';

/** An access log line as the stage writes it (the format of lib/constructs/platform-api.ts), `-` where the context has no value. */
function accessLogLine(status: string, tenantId: string, requestId: string): string {
  return JSON.stringify({
    requestId,
    extendedRequestId: `${requestId}=`,
    requestTime: '02/Dec/2026:19:59:58 +0000',
    httpMethod: 'GET',
    resourcePath: '/v1/tenants/{tenantId}/agents',
    path: `/dev/v1/tenants/${tenantId}/agents`,
    protocol: 'HTTP/1.1',
    status,
    responseLength: '183',
    responseLatency: '4',
    integrationLatency: '-',
    integrationStatus: '-',
    errorType: status === '429' ? 'THROTTLED' : '-',
    errorMessage: status === '429' ? 'Too Many Requests' : '-',
    authorizerStatus: '200',
    authorizerLatency: '35',
    authorizerError: '-',
    principalId: 'user-1',
    tenantId,
    principalType: tenantId === '-' ? 'platform-admin' : 'user',
    sourceIp: '198.51.100.7',
    userAgent: 'curl/8.5.0',
    xrayTraceId: 'Root=1-6929b2ae-0123456789abcdef01234567',
  });
}

/** What Lambda receives from a CloudWatch Logs subscription: the delivery gzipped, then base64 in `awslogs.data`. */
function subscriptionEvent(messageType: string, logEvents: { timestamp: number; message: string }[]): CloudWatchLogsEvent {
  const delivery = {
    messageType,
    owner: '123456789012',
    logGroup: 'Region-eu-central-1-ApiAccessLogs6C6B8E8B-Xy12Ab34Cd56',
    logStream: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
    subscriptionFilters: ['Region-eu-central-1-ObservabilityThrottlesSubscription0A1B2C3D-Q1W2E3R4'],
    logEvents: logEvents.map((event, i) => ({ id: `3790124601934573682945834729318279182738127389127389${i}`, ...event })),
  };
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(delivery))).toString('base64') } };
}

const AT_19 = Date.parse('2026-12-02T19:59:58Z');
const AT_20 = Date.parse('2026-12-02T20:00:03Z');

describe('throttle recorder', () => {
  let lines: FunctionLine[];
  let output: ReturnType<typeof captureFunctionOutput>;
  beforeEach(() => {
    lines = [];
    output = captureFunctionOutput({ passThrough: () => false });
    output.subscribe((line) => lines.push(line));
  });
  afterEach(() => output.restore());

  it('groups the 429 lines of a subscription delivery by tenant and UTC hour, leaving out other lines', () => {
    // Prepare
    const event = subscriptionEvent('DATA_MESSAGE', [
      { timestamp: AT_19, message: accessLogLine('429', 'acme', 'r1') },
      { timestamp: AT_19, message: accessLogLine('429', 'acme', 'r2') },
      { timestamp: AT_20, message: accessLogLine('429', 'acme', 'r3') },
      { timestamp: AT_20, message: accessLogLine('429', 'globex', 'r4') },
      { timestamp: AT_20, message: accessLogLine('200', 'globex', 'r5') },
      { timestamp: AT_20, message: accessLogLine('429', '-', 'r6') },
      { timestamp: AT_20, message: 'not json' },
    ]);

    // Act
    const hours = throttledHoursOf(event);

    // Assess
    expect(hours).toEqual([
      { tenantId: 'acme', hour: '2026-12-02T19', count: 2 },
      { tenantId: 'acme', hour: '2026-12-02T20', count: 1 },
      { tenantId: 'globex', hour: '2026-12-02T20', count: 1 },
    ]);
  });

  it('reads nothing from a control message and refuses a payload that is not a subscription delivery', () => {
    expect(
      throttledHoursOf(subscriptionEvent('CONTROL_MESSAGE', [{ timestamp: AT_19, message: 'CWL CONTROL MESSAGE: Checking health of destination Lambda.' }])),
    ).toEqual([]);
    expect(() => throttledHoursOf({ awslogs: { data: Buffer.from('{}').toString('base64') } })).toThrow();
  });

  it('adds each group to the tenant’s health through the meter, writes Throttles per tier and one scaling-event line', async () => {
    // Prepare
    const meter = { addThrottlesOfHour: jest.fn(async () => undefined) };
    const tiers: Record<string, string> = { acme: 'team' };
    const recorder = new ThrottleRecorder({ meter, tierOf: async (tenantId) => tiers[tenantId], logger: createLogger('throttle-recorder', 'INFO') });

    // Act
    await recorder.record([
      { tenantId: 'acme', hour: '2026-12-02T19', count: 2 },
      { tenantId: 'elsewhere', hour: '2026-12-02T19', count: 5 },
    ]);

    // Assess: the tenant of another region gets nothing written
    expect(meter.addThrottlesOfHour.mock.calls).toEqual([['acme', '2026-12-02T19', 2]]);
    const metric = lines.find((line) => line.isMetric)?.json;
    expect(metric).toMatchObject({ Throttles: 2, tier: 'team', tenantId: 'acme', service: 'agent-platform' });
    const events = lines.filter((line) => line.json.message === SCALING_EVENT_MESSAGE).map((line) => line.json);
    expect(events).toEqual([expect.objectContaining({ scalingEvent: 'throttled', tenantId: 'acme', tier: 'team', count: 2, hour: '2026-12-02T19' })]);
  });

  it('logs a group it could not write and goes on with the others, without failing the delivery', async () => {
    const meter = {
      addThrottlesOfHour: jest.fn(async (tenantId: string) => {
        if (tenantId === 'acme') throw new Error('throttled by DynamoDB');
      }),
    };
    const recorder = new ThrottleRecorder({ meter, tierOf: async () => 'free', logger: createLogger('throttle-recorder', 'INFO') });

    await recorder.record([
      { tenantId: 'acme', hour: '2026-12-02T19', count: 1 },
      { tenantId: 'globex', hour: '2026-12-02T19', count: 3 },
    ]);

    expect(meter.addThrottlesOfHour).toHaveBeenCalledTimes(2);
    expect(lines.filter((line) => line.json.message === 'throttles not recorded').map((line) => line.json.tenantId)).toEqual(['acme']);
    expect(lines.filter((line) => line.isMetric).map((line) => line.json.tenantId)).toEqual(['globex']);
  });
});

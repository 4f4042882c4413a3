import { QuotaExceededError, WrongRegionError } from '../../../functions/core/errors';
import { createGroupHandler, type Operation } from '../../../functions/core/http';
import { createLogger } from '../../../functions/core/logger';
import { METRICS_NAMESPACE } from '../../../functions/core/metric-names';
import { SCALING_EVENT_MESSAGE } from '../../../functions/core/scaling-events';
import { routesOf } from '../../../functions/routes';
import type { RequestTelemetryPorts } from '../../../functions/core/request-telemetry.middleware';
import { UsageMeter } from '../../../functions/usage/usage.meter';
import { captureFunctionOutput, type FunctionLine } from '../../../local/function-output';
import { lambdaContext, restEvent } from '../../support/rest-event';

const auth = { principalType: 'user' as const, principalId: 'sub-1', tenantId: 'acme', roles: ['tenant-admin' as const] };

function usageHandler(getUsage: Operation, meter?: RequestTelemetryPorts['meter']) {
  return createGroupHandler({
    logger: createLogger('test', 'INFO'),
    routes: routesOf('usage'),
    operations: { getUsage, getTenantHealth: getUsage, rankTenantHealth: getUsage },
    telemetry: {
      tierOf: async (tenantId) => {
        if (tenantId === 'made-up') throw new Error('tenant made-up not found');
        return tenantId === 'acme' ? 'team' : 'free';
      },
      ...(meter ? { meter } : {}),
    },
  });
}

const usageEvent = (tenantId = 'acme') =>
  restEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}/usage', pathParameters: { tenantId }, auth: { ...auth, tenantId } });

describe('request telemetry', () => {
  let lines: FunctionLine[];
  let output: ReturnType<typeof captureFunctionOutput>;
  beforeEach(() => {
    lines = [];
    output = captureFunctionOutput({ passThrough: () => false });
    output.subscribe((line) => lines.push(line));
  });
  afterEach(() => output.restore());
  const metricLines = () => lines.filter((line) => line.isMetric).map((line) => line.json);

  it('emits one EMF line per request with the tier as a dimension and the tenant as a property', async () => {
    // Prepare
    const handler = usageHandler(async () => ({ body: {} }));

    // Act
    const result = await handler(usageEvent(), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(200);
    const [line] = metricLines();
    expect(metricLines()).toHaveLength(1);
    expect(line).toMatchObject({
      service: 'agent-platform',
      tier: 'team',
      operation: 'getUsage',
      tenantId: 'acme',
      requestId: expect.any(String),
      statusClass: '2xx',
      Requests: 1,
      ClientErrors: 0,
      ServerErrors: 0,
      Latency: expect.any(Number),
    });
    const [directive] = (line._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }).CloudWatchMetrics;
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive.Dimensions).toEqual([['service'], ['service', 'tier'], ['service', 'operation']]);
  });

  it('counts a quota refusal as a client error and a quota refusal', async () => {
    const handler = usageHandler(async () => {
      throw new QuotaExceededError('no more agents');
    });

    const result = await handler(usageEvent(), lambdaContext());

    expect(result.statusCode).toBe(429);
    expect(metricLines()[0]).toMatchObject({ tenantId: 'acme', statusClass: '4xx', ClientErrors: 1, ServerErrors: 0, QuotaRefusals: 1 });
    // …and logs it as one scaling event of the tenant, with its tier
    const events = lines.filter((line) => line.json.message === SCALING_EVENT_MESSAGE).map((line) => line.json);
    expect(events).toEqual([expect.objectContaining({ scalingEvent: 'quota-refused', tenantId: 'acme', tier: 'team', count: 1, operation: 'getUsage' })]);
  });

  it('counts a fault as a server error, and tags every log line of the request with its tenant', async () => {
    const handler = usageHandler(async () => {
      throw new Error('boom');
    });

    const result = await handler(usageEvent('globex'), lambdaContext());

    expect(result.statusCode).toBe(500);
    expect(metricLines()[0]).toMatchObject({ tenantId: 'globex', tier: 'free', ServerErrors: 1 });
    const logs = lines.filter((line) => !line.isMetric);
    expect(logs.length).toBeGreaterThan(0);
    for (const log of logs) expect(log.json.tenantId).toBe('globex');
  });

  it('tags a request whose path fails validation with the credential tenant', async () => {
    const handler = usageHandler(async () => ({ body: {} }));
    const event = usageEvent();
    event.queryStringParameters = { period: 'not-a-month' };

    const result = await handler(event, lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(metricLines()[0]).toMatchObject({ tenantId: 'acme', statusClass: '4xx' });
    for (const log of lines.filter((line) => !line.isMetric)) expect(log.json.tenantId).toBe('acme');
  });

  it('hands each request of a tenant to the usage meter with its status and the function memory', async () => {
    const meter = { startDue: jest.fn(), addRequest: jest.fn(async () => undefined), discard: jest.fn(async () => undefined) };
    const handler = usageHandler(async () => ({ body: {} }), meter);
    const refused = usageHandler(async () => {
      throw new QuotaExceededError('no more agents');
    }, meter);

    await handler(usageEvent(), { ...lambdaContext(), memoryLimitInMB: '512' });
    await refused(usageEvent(), { ...lambdaContext(), memoryLimitInMB: '512' });

    expect(meter.addRequest).toHaveBeenNthCalledWith(1, 'acme', { durationMs: expect.any(Number), memoryMb: 512, status: 200, quotaRefused: false });
    expect(meter.addRequest).toHaveBeenNthCalledWith(2, 'acme', { durationMs: expect.any(Number), memoryMb: 512, status: 429, quotaRefused: true });
  });

  it('starts the write a request makes due as the request begins, beside its work, and answers only once it is done', async () => {
    // Prepare: a meter that writes every second request, and a table whose writes finish when the test says.
    const sent: string[] = [];
    let finishWrites: () => void = () => undefined;
    const writesDone = new Promise<void>((resolve) => {
      finishWrites = resolve;
    });
    const db = {
      send: async (command: { input: { Key: { sk: string } } }) => {
        sent.push(command.input.Key.sk);
        await writesDone;
      },
    };
    const meter = new UsageMeter({ db: () => db as never, tableName: 't', flushEvery: 2 });
    const seenByOperation: number[] = [];
    const handler = usageHandler(async () => {
      seenByOperation.push(sent.length);
      return { body: {} };
    }, meter);
    await handler(usageEvent(), lambdaContext());

    // Act
    let answered = false;
    const second = handler(usageEvent(), lambdaContext()).then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Assess: the first request's figures were being written while the second one's operation ran (usage and health
    // items), and the second request answered only once those writes were done.
    expect(seenByOperation).toEqual([0, 2]);
    expect(answered).toBe(false);
    finishWrites();
    await second;
    expect(answered).toBe(true);
  });

  it('attributes nothing to a tenant whose plan cannot be read, and drops what was gathered for it', async () => {
    const meter = { startDue: jest.fn(), addRequest: jest.fn(async () => undefined), discard: jest.fn(async () => undefined) };
    const handler = usageHandler(async () => ({ body: {} }), meter);

    await handler(usageEvent('made-up'), lambdaContext());

    expect(meter.addRequest).not.toHaveBeenCalled();
    expect(meter.discard).toHaveBeenCalledWith('made-up');
    expect(metricLines()[0]).toMatchObject({ tenantId: 'made-up', tier: 'unknown' });
  });

  it('drops what was gathered for a tenant answered 421: it moved away, and a late flush would undo the purge here', async () => {
    const meter = { startDue: jest.fn(), addRequest: jest.fn(async () => undefined), discard: jest.fn(async () => undefined) };
    const handler = usageHandler(async () => {
      throw new WrongRegionError('tenant acme is served by us-east-1', 'us-east-1', 'https://us-east-1.api.test');
    }, meter);

    const answer = await handler(usageEvent(), lambdaContext());

    expect(answer.statusCode).toBe(421);
    expect(meter.addRequest).not.toHaveBeenCalled();
    expect(meter.discard).toHaveBeenCalledWith('acme');
  });

  it('gives requests of no tenant the tier none and no tenant property', async () => {
    const handler = createGroupHandler({
      logger: createLogger('test', 'ERROR'),
      routes: routesOf('platform'),
      operations: { getHealth: async () => ({ body: {} }), getOpenApi: async () => ({ body: {} }), listErrorCodes: async () => ({ body: { items: [] } }) },
    });

    await handler(restEvent({ method: 'GET', resource: '/v1/health' }), lambdaContext());

    expect(metricLines()[0]).toMatchObject({ tier: 'none', operation: 'getHealth', Requests: 1 });
    expect(metricLines()[0]).not.toHaveProperty('tenantId');
  });
});

import { createSocket } from 'node:dgram';
import { activeTracing, tracingEnabled } from '../../../functions/core/tracing';
import { createLogger } from '../../../functions/core/logger';
import { routesOf } from '../../../functions/routes';
import { lambdaContext, restEvent } from '../../support/rest-event';

const LAMBDA = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' };

describe('X-Ray tracing', () => {
  it('is on in the Lambda execution environment only, by Powertools’ rule', () => {
    expect(tracingEnabled({ ...LAMBDA })).toBe(true);
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ ...LAMBDA, POWERTOOLS_TRACE_ENABLED: 'FALSE' })).toBe(false);
    expect(tracingEnabled({ ...LAMBDA, AWS_SAM_LOCAL: 'true' })).toBe(false);
    expect(tracingEnabled({ AWS_EXECUTION_ENV: 'AWS_Lambda_amplify-mock' })).toBe(false);
  });

  it('loads no tracer outside Lambda (tests, the local platform)', () => {
    expect(activeTracing()).toBeUndefined();
  });

  describe('in Lambda', () => {
    const saved = { ...process.env };
    beforeEach(() => Object.assign(process.env, LAMBDA));
    afterEach(() => {
      process.env = { ...saved };
      jest.restoreAllMocks();
    });

    it('loads the Powertools tracer once, with the handler subsegment middleware', () => {
      jest.isolateModules(() => {
        // Act
        const { activeTracing: active } = require('../../../functions/core/tracing') as typeof import('../../../functions/core/tracing');
        const tracing = active();

        // Assess
        expect(tracing?.platformTracer.isTracingEnabled()).toBe(true);
        expect(active()).toBe(tracing);
        expect(tracing?.handlerSubsegment()).toEqual(expect.objectContaining({ before: expect.any(Function), after: expect.any(Function) }));
      });
    });

    it('sends each invocation’s subsegment to the X-Ray daemon with its tenant and operation, cold start on the first only', async () => {
      // Prepare: a stand-in for the X-Ray daemon and the variables Lambda sets for an actively traced function
      const daemon = createSocket('udp4');
      const documents: Record<string, unknown>[] = [];
      daemon.on('message', (message) => documents.push(JSON.parse(message.toString().split('\n')[1])));
      await new Promise<void>((bound) => daemon.bind(0, '127.0.0.1', () => bound()));
      Object.assign(process.env, {
        LAMBDA_TASK_ROOT: '/var/task',
        _HANDLER: 'index.handler',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
        _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      });
      let createGroupHandler!: typeof import('../../../functions/core/http').createGroupHandler;
      jest.isolateModules(() => {
        ({ createGroupHandler } = require('../../../functions/core/http') as typeof import('../../../functions/core/http'));
      });
      const answer = async () => ({ body: {} });
      const handler = createGroupHandler({
        logger: createLogger('test', 'ERROR'),
        routes: routesOf('usage'),
        operations: { getUsage: answer, getTenantHealth: answer, rankTenantHealth: answer },
      });
      const auth = { principalType: 'user' as const, principalId: 'sub-1', tenantId: 'acme', roles: ['tenant-admin' as const] };
      const event = () => restEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}/usage', pathParameters: { tenantId: 'acme' }, auth });

      // Act
      await handler(event(), lambdaContext('usage'));
      await handler(event(), lambdaContext('usage'));
      for (let waited = 0; documents.length < 2 && waited < 2000; waited += 20) await new Promise((later) => setTimeout(later, 20));
      daemon.close();

      // Assess
      const subsegment = (coldStart: boolean) =>
        expect.objectContaining({
          type: 'subsegment',
          name: '## index.handler',
          trace_id: '1-5759e988-bd862e3fe1be46a994272793',
          parent_id: '53995c3f42cd8ad8',
          annotations: { ColdStart: coldStart, Service: 'agent-platform', tenantId: 'acme', operation: 'getUsage' },
        });
      expect(documents).toEqual([subsegment(true), subsegment(false)]);
    });
  });
});

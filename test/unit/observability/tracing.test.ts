import { activeTracing, tracingEnabled } from '../../../functions/core/tracing';
import { createLogger } from '../../../functions/core/logger';
import { restEvent } from '../../support/rest-event';

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

    it('annotates the invocation with its tenant and operation', () => {
      jest.isolateModules(() => {
        // Prepare
        const { activeTracing: active } = require('../../../functions/core/tracing') as typeof import('../../../functions/core/tracing');
        const { requestTelemetry } =
          require('../../../functions/core/request-telemetry.middleware') as typeof import('../../../functions/core/request-telemetry.middleware');
        const annotate = jest.spyOn(active()!.platformTracer, 'putAnnotation').mockImplementation(() => undefined);
        const event = restEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}/usage', pathParameters: { tenantId: 'acme' } });

        // Act
        void requestTelemetry(createLogger('test', 'ERROR'), () => 'getUsage').before?.({ event, context: {} } as never);

        // Assess
        expect(annotate.mock.calls).toEqual([
          ['tenantId', 'acme'],
          ['operation', 'getUsage'],
        ]);
      });
    });
  });
});

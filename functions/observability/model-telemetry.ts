import type { ModelProvider } from '../models/model-provider';
import { METRIC_NAMES } from '../core/metric-names';
import { recordMetric } from '../core/telemetry';

/** Where a tenant's model tokens go for its cost (the usage meter). */
export interface TokenCosts {
  addTokens(tenantId: string, modelId: string, input: number, output: number): void;
}

/**
 * A model provider that records each invocation's latency and tokens in the request's metrics and the tokens in
 * the tenant's cost. The tenant comes from the invocation's attribution metadata (`tenantId`), which runs set.
 */
export function observedModelProvider(provider: ModelProvider, costs?: TokenCosts): ModelProvider {
  return {
    name: provider.name,
    async invoke(invocation) {
      const started = performance.now();
      try {
        const result = await provider.invoke(invocation);
        recordMetric(METRIC_NAMES.modelInputTokens, result.usage.inputTokens);
        recordMetric(METRIC_NAMES.modelOutputTokens, result.usage.outputTokens);
        const tenantId = invocation.metadata?.tenantId;
        if (tenantId) costs?.addTokens(tenantId, invocation.modelId, result.usage.inputTokens, result.usage.outputTokens);
        return result;
      } finally {
        recordMetric(METRIC_NAMES.modelLatency, Math.round((performance.now() - started) * 1000) / 1000);
      }
    },
  };
}

import { formatSummary, MetricsSummary } from '../../../local/metrics-summary';
import type { FunctionLine } from '../../../local/function-output';

const metricLine = (json: Record<string, unknown>): FunctionLine => ({ text: JSON.stringify(json), json: { _aws: {}, ...json }, isMetric: true });

describe('local metrics summary', () => {
  it('sums each tenant’s EMF lines within the window, and forgets older ones', () => {
    // Prepare
    let now = 0;
    const summary = new MetricsSummary({ windowMs: 10_000, clock: () => now });
    summary.record(metricLine({ tenantId: 'acme', tier: 'team', Requests: 1, ClientErrors: 0, ServerErrors: 0, Latency: 900 }));
    now = 5_000;
    for (let i = 1; i <= 99; i++)
      summary.record(metricLine({ tenantId: 'acme', tier: 'team', Requests: 1, ClientErrors: i % 10 === 0 ? 1 : 0, ServerErrors: 0, Latency: i }));
    summary.record(metricLine({ tenantId: 'globex', tier: 'free', Throttles: 1 }));
    summary.record(metricLine({ tenantId: 'globex', tier: 'free', Requests: 1, ClientErrors: 1, QuotaRefusals: 1, Latency: 7 }));
    summary.record({ text: '{}', json: { level: 'INFO', tenantId: 'acme' }, isMetric: false });

    // Act
    now = 10_500;
    const rows = summary.summary();

    // Assess: the first acme line is out of the window; p99 by nearest rank (the 99th of 99 values)
    expect(rows).toEqual([
      { tenantId: 'acme', tier: 'team', requests: 99, requestsPerSecond: 9.9, p99Ms: 99, clientErrors: 9, serverErrors: 0, throttles: 0, quotaRefusals: 0 },
      { tenantId: 'globex', tier: 'free', requests: 1, requestsPerSecond: 0.1, p99Ms: 7, clientErrors: 1, serverErrors: 0, throttles: 1, quotaRefusals: 1 },
    ]);
    expect(formatSummary(rows, 10_000)[1]).toMatch(/^TENANT\s+TIER\s+REQ\/S\s+P99 MS/);
  });
});

import { SERVICE_LEVELS } from '../../../functions/billing/service-levels.catalogue';
import * as keys from '../../../functions/data/table-keys';
import { TABLE_SCHEMA } from '../../../functions/data/table.schema';
import { HEALTH_ATTRIBUTES, hourOf } from '../../../functions/observability/tenant-health.attributes';
import { TenantHealthService } from '../../../functions/observability/tenant-health.service';

const NOW = Date.parse('2026-12-02T20:30:00Z');
const quotas = Object.fromEntries(
  ['agents', 'workflows', 'users', 'memoriesPerAgent', 'runsPerMonth', 'apiRequestsPerDay'].map((name) => [name, { used: 0, limit: 1 }]),
) as never;

/** A health item of the hour `hoursAgo` before now: requests, server errors, every latency in one bucket. */
function healthItem(hoursAgo: number, requests: number, serverErrors: number, bucket: string) {
  const { pk, sk } = keys.tenantHealthHour('acme', hourOf(new Date(NOW - hoursAgo * 3_600_000)));
  return {
    [TABLE_SCHEMA.partitionKey]: pk,
    [TABLE_SCHEMA.sortKey]: sk,
    [HEALTH_ATTRIBUTES.requests]: requests,
    [HEALTH_ATTRIBUTES.serverErrors]: serverErrors,
    [HEALTH_ATTRIBUTES.latencyBucket(bucket)]: requests,
  };
}

function serviceFor(plan: string, items: Record<string, unknown>[]): TenantHealthService {
  return new TenantHealthService({
    db: () => ({ send: async () => ({ Items: items }) }) as never,
    tableName: 'table',
    quotasOf: async () => ({ plan, quotas }),
    tenants: async () => [],
    clock: () => NOW,
  });
}

describe('tenant health against the tier’s service level', () => {
  it('measures availability per window and tells whether each window met the tier’s targets', async () => {
    // Prepare: this hour 2 server errors in 1,000 fast requests; five hours ago an outage (100 of 200 failed)
    const items = [healthItem(5, 200, 100, 'le250'), healthItem(0, 1_000, 2, 'le250')];

    // Act
    const free = await serviceFor('free', items).health('acme');
    const enterprise = await serviceFor('enterprise', items).health('acme');

    // Assess
    expect(free.hour.availability).toBeCloseTo(0.998, 9);
    expect(free.day.availability).toBeCloseTo(1 - 102 / 1_200, 9);
    expect(free.serviceLevel).toEqual({ p99LatencyMs: SERVICE_LEVELS.free.p99LatencyMs, availability: 0.99, met: { hour: true, day: false } });
    // 99.8 % misses the enterprise tier's 99.9 %
    expect(enterprise.serviceLevel.met).toEqual({ hour: false, day: false });
  });

  it('counts a p99 above the target, or past the histogram, as a miss, and a window without requests as met', async () => {
    const slow = await serviceFor('enterprise', [healthItem(0, 100, 0, 'le2500')]).health('acme');
    const offTheScale = await serviceFor('free', [healthItem(0, 100, 0, 'inf')]).health('acme');
    const quiet = await serviceFor('team', []).health('acme');

    expect(slow.serviceLevel.met).toEqual({ hour: false, day: false });
    expect(offTheScale.serviceLevel.met).toEqual({ hour: false, day: false });
    expect(quiet.serviceLevel.met).toEqual({ hour: true, day: true });
    expect(quiet.hour.availability).toBe(1);
  });
});

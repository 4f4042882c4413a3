import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import * as z from '../core/zod';
import type { Logger } from '../core/logger';
import { logScalingEvent } from '../core/scaling-events';
import { tenantIdSchema } from '../core/tenant-id';
import { hourOf } from './tenant-health.attributes';
import { recordThrottles } from './throttle-telemetry';

/** What CloudWatch Logs delivers to a subscription, once gunzipped: the fields read here. */
const subscriptionDataSchema = z.object({
  /** `CONTROL_MESSAGE` checks that the destination is reachable and carries no log events. */
  messageType: z.string(),
  logEvents: z.array(z.object({ id: z.string(), timestamp: z.number(), message: z.string() })),
});

/** The fields of an access log line (lib/constructs/platform-api.ts) read here; `-` where the context had none. */
const accessLogLineSchema = z.object({ status: z.string(), tenantId: z.optional(z.string()) });

/** Requests of one tenant the usage plans refused within one UTC hour. */
export interface ThrottledHour {
  readonly tenantId: string;
  /** `YYYY-MM-DDTHH` */
  readonly hour: string;
  readonly count: number;
}

/**
 * The usage-plan refusals in a CloudWatch Logs subscription delivery of the API stage's access log (base64 of
 * gzipped JSON), grouped by tenant and UTC hour of the log event. Lines that are not JSON, not 429 or of no tenant
 * (platform admins, refusals before the authorizer named one) are left out; a payload that is not a subscription
 * delivery throws.
 */
export function throttledHoursOf(event: CloudWatchLogsEvent): ThrottledHour[] {
  const data = subscriptionDataSchema.parse(JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8')));
  if (data.messageType !== 'DATA_MESSAGE') return [];
  const counts = new Map<string, ThrottledHour>();
  for (const logEvent of data.logEvents) {
    const line = accessLogLineSchema.safeParse(parseJson(logEvent.message));
    if (!line.success || line.data.status !== '429' || !tenantIdSchema.safeParse(line.data.tenantId).success) continue;
    const tenantId = line.data.tenantId as string;
    const hour = hourOf(new Date(logEvent.timestamp));
    const key = `${tenantId} ${hour}`;
    counts.set(key, { tenantId, hour, count: (counts.get(key)?.count ?? 0) + 1 });
  }
  return [...counts.values()];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface ThrottleRecorderDeps {
  /** The usage meter the functions use: adds the refusals to the tenant's health item of the hour. */
  readonly meter: { addThrottlesOfHour(tenantId: string, hour: string, count: number): Promise<void> };
  /** The tenant's tier, or undefined when the tenant has no record in this region. */
  readonly tierOf: (tenantId: string) => Promise<string | undefined>;
  readonly logger: Logger;
}

/**
 * Records usage-plan throttles that API Gateway answered before any function ran, as the local gateway does for its
 * own: into the tenant's hourly health item (so `GET /v1/tenants/{t}/health` shows them), as `Throttles` per tier
 * and as one scaling-event line per tenant and hour. A tenant with no record in this region gets nothing written.
 * A failed write is logged and not retried: a retried delivery would count the other groups twice.
 */
export class ThrottleRecorder {
  constructor(private readonly deps: ThrottleRecorderDeps) {}

  async record(hours: readonly ThrottledHour[]): Promise<void> {
    await Promise.all(hours.map((hour) => this.recordHour(hour)));
  }

  private async recordHour({ tenantId, hour, count }: ThrottledHour): Promise<void> {
    try {
      const tier = await this.deps.tierOf(tenantId);
      if (tier === undefined) return;
      await this.deps.meter.addThrottlesOfHour(tenantId, hour, count);
      recordThrottles({ tenantId, tier, count });
      logScalingEvent(this.deps.logger, { kind: 'throttled', tenantId, tier, count, detail: { hour } });
    } catch (error) {
      this.deps.logger.error('throttles not recorded', { tenantId, hour, count, error: error as Error });
    }
  }
}

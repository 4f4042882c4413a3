import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../data/keys';
import { monthOf } from '../quotas/quota.counters';
import type { MeteredQuantities } from '../billing/pricing.catalogue';
import type { ConsumedUnits } from './consumed-capacity.plugin';

/** Attributes of the usage period item (`T#<t>#USAGE` / `MONTH#YYYY-MM`) that hold the metered cost quantities. */
export const COST_ATTRIBUTES = {
  readUnits: 'readUnits',
  writeUnits: 'writeUnits',
  computeMbMs: 'computeMbMs',
  invocations: 'invocations',
  inputTokens: (modelId: string) => `inputTokens:${modelId}`,
  outputTokens: (modelId: string) => `outputTokens:${modelId}`,
  /** Prefixes of the per-model token attributes, to read them back. */
  inputTokensPrefix: 'inputTokens:',
  outputTokensPrefix: 'outputTokens:',
} as const;

export interface TenantCostMeterOptions {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  /** Flush a tenant's quantities after this many requests. @default 50 */
  readonly flushEvery?: number;
  /** …or when its oldest unflushed quantity is this old. @default 10 s */
  readonly flushAfterMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

interface Pending {
  since: number;
  month: string;
  requests: number;
  add: Map<string, number>;
}

/**
 * Attributes what serving a tenant costs: DynamoDB capacity units its calls consumed, Lambda duration × memory of
 * its requests and model tokens of its runs. Quantities are summed in the container and added to the tenant's usage
 * item of the month in one UpdateItem every `flushEvery` requests or `flushAfterMs` (as request metering does): the
 * request itself makes no extra call, and a container that dies loses at most its unflushed quantities. Prices are
 * applied when the estimate is read (functions/billing/pricing.catalogue.ts), so a price change needs no migration.
 */
export class TenantCostMeter {
  private readonly pending = new Map<string, Pending>();
  private readonly clock: () => number;

  constructor(private readonly options: TenantCostMeterOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Capacity units a call of the tenant consumed. */
  addCapacity(tenantId: string, units: ConsumedUnits): void {
    const entry = this.entryOf(tenantId);
    this.add(entry, COST_ATTRIBUTES.readUnits, units.readUnits);
    this.add(entry, COST_ATTRIBUTES.writeUnits, units.writeUnits);
  }

  /** Tokens one model invocation of the tenant used. */
  addTokens(tenantId: string, modelId: string, input: number, output: number): void {
    const entry = this.entryOf(tenantId);
    this.add(entry, COST_ATTRIBUTES.inputTokens(modelId), input);
    this.add(entry, COST_ATTRIBUTES.outputTokens(modelId), output);
  }

  /** One request of the tenant served: its duration and the function's memory; flushes the tenant when due. */
  async addRequest(tenantId: string, durationMs: number, memoryMb: number): Promise<void> {
    const entry = this.entryOf(tenantId);
    this.add(entry, COST_ATTRIBUTES.computeMbMs, Math.max(1, Math.ceil(durationMs)) * memoryMb);
    this.add(entry, COST_ATTRIBUTES.invocations, 1);
    entry.requests += 1;
    if (entry.requests >= (this.options.flushEvery ?? 50) || this.clock() - entry.since >= (this.options.flushAfterMs ?? 10_000)) {
      await this.flush(tenantId);
    }
  }

  /**
   * Drops the pending quantities of a tenant whose requests are not attributed (no record in this region): nothing
   * is written for it, and made-up tenant ids cannot make the container keep entries.
   */
  discard(tenantId: string): void {
    this.pending.delete(tenantId);
  }

  /** Adds the pending quantities to the usage items (every tenant's when none is named). */
  async flush(tenantId?: string): Promise<void> {
    const tenants = tenantId ? [tenantId] : [...this.pending.keys()];
    await Promise.all(tenants.map((id) => this.flushTenant(id)));
  }

  private async flushTenant(tenantId: string): Promise<void> {
    const entry = this.pending.get(tenantId);
    if (!entry) return;
    this.pending.delete(tenantId);
    const adds = [...entry.add].filter(([, value]) => value > 0);
    if (adds.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    adds.forEach(([attribute, value], index) => {
      names[`#a${index}`] = attribute;
      values[`:v${index}`] = value;
    });
    try {
      await this.options.db(tenantId).send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: keys.usagePeriod(tenantId, entry.month),
          UpdateExpression: `ADD ${adds.map((_, index) => `#a${index} :v${index}`).join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch {
      // Cost attribution must never fail a request: the quantities are lost, the request is not.
    }
  }

  private entryOf(tenantId: string): Pending {
    const month = monthOf(new Date(this.clock()));
    let entry = this.pending.get(tenantId);
    if (entry && entry.month !== month) {
      void this.flushTenant(tenantId);
      entry = undefined;
    }
    if (!entry) {
      entry = { since: this.clock(), month, requests: 0, add: new Map() };
      this.pending.set(tenantId, entry);
    }
    return entry;
  }

  private add(entry: Pending, attribute: string, value: number): void {
    if (value > 0) entry.add.set(attribute, (entry.add.get(attribute) ?? 0) + value);
  }
}

/** The metered cost quantities of a usage period item (zero where nothing was metered). */
export function costQuantitiesOf(item: Readonly<Record<string, unknown>> | undefined, storageBytes: number): MeteredQuantities {
  const numberOf = (attribute: string) => Number(item?.[attribute] ?? 0);
  const tokens: Record<string, { input: number; output: number }> = {};
  for (const [attribute, value] of Object.entries(item ?? {})) {
    const input = attribute.startsWith(COST_ATTRIBUTES.inputTokensPrefix);
    if (!input && !attribute.startsWith(COST_ATTRIBUTES.outputTokensPrefix)) continue;
    const modelId = attribute.slice((input ? COST_ATTRIBUTES.inputTokensPrefix : COST_ATTRIBUTES.outputTokensPrefix).length);
    const entry = (tokens[modelId] ??= { input: 0, output: 0 });
    if (input) entry.input += Number(value);
    else entry.output += Number(value);
  }
  return {
    readUnits: numberOf(COST_ATTRIBUTES.readUnits),
    writeUnits: numberOf(COST_ATTRIBUTES.writeUnits),
    computeMbMs: numberOf(COST_ATTRIBUTES.computeMbMs),
    invocations: numberOf(COST_ATTRIBUTES.invocations),
    tokens,
    storageBytes,
  };
}

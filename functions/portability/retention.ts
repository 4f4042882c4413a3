import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TenantCache } from '../core/tenant-cache';
import type { DataKind, ExpiryRule, StoredKey } from '../data/data-kind';
import type { RetentionPort, RetentionStamp } from '../data/mutation.ports';
import { readComplianceSettings, type ComplianceSettings } from './compliance-settings';

/**
 * Retention applied on write: an item of a kind whose class's period deletes it (DataKind.expiry) is stamped with
 * its write time and a TTL of that time plus the tenant's period for the class; under a legal hold it gets no TTL.
 * Items written before a change of the settings are brought in line by the retention sweep (retention-sweep.ts).
 */

export const DAY_SECONDS = 86_400;

/**
 * How long a container trusts the settings it read: a change (a new period, a legal hold) reaches the writes of
 * other containers within this time; the sweep corrects what was written meanwhile.
 */
export const RETENTION_SETTINGS_CACHE_MS = 30_000;

/**
 * The kinds of the catalogue a retention period deletes. The audit class has none: its hash chain verifies from the
 * first entry, so an audit period is a minimum the log always meets (it is kept while the tenant exists).
 */
export function expiringKinds<Kind extends Pick<DataKind, 'name' | 'retention' | 'expiry'>>(catalogue: readonly Kind[]): readonly Kind[] {
  const audit = catalogue.find((kind) => kind.retention === 'audit' && kind.expiry !== undefined);
  if (audit) throw new Error(`kind ${audit.name} is of the audit class and cannot expire: the audit chain needs every entry`);
  return catalogue.filter((kind) => kind.expiry !== undefined);
}

/** The stamp of an item of `kind` whose period runs from `since` (epoch seconds), under the tenant's settings. */
export function stampOf(kind: Pick<DataKind, 'retention'>, settings: ComplianceSettings | undefined, since: number): RetentionStamp {
  const days = settings?.retention[kind.retention];
  return { since, held: settings?.legalHold !== undefined, ...(days !== undefined ? { until: since + days * DAY_SECONDS } : {}) };
}

export interface CatalogueRetentionProps {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  /** The kinds (or only their expiry rules: what the groups that write tenant data bundle) whose items it stamps. */
  readonly catalogue: readonly (DataKind | ExpiryRule)[];
  /** @default RETENTION_SETTINGS_CACHE_MS */
  readonly cacheMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** The retention port of the mutation executor, from the catalogue and each tenant's compliance settings. */
export class CatalogueRetention implements RetentionPort {
  private readonly kinds: readonly (DataKind | ExpiryRule)[];
  private readonly settings: TenantCache<ComplianceSettings | null>;

  constructor(private readonly props: CatalogueRetentionProps) {
    this.kinds = expiringKinds(props.catalogue);
    this.settings = new TenantCache({ capacity: 1_000, ttlMs: props.cacheMs ?? RETENTION_SETTINGS_CACHE_MS, ...(props.clock ? { clock: props.clock } : {}) });
  }

  async stamps(tenantId: string, nowSeconds: number, keys: readonly StoredKey[]): Promise<readonly (RetentionStamp | undefined)[]> {
    const kinds = keys.map((key) => this.kinds.find((kind) => kind.owns(key, tenantId)));
    if (kinds.every((kind) => kind === undefined)) return kinds.map(() => undefined);
    const settings = await this.settings.getOrLoad(tenantId, 'settings', async () => {
      return (await readComplianceSettings(this.props.db(tenantId), this.props.tableName, tenantId)) ?? null;
    });
    return kinds.map((kind) => (kind ? stampOf(kind, settings ?? undefined, nowSeconds) : undefined));
  }

  /** Forgets the tenant's cached settings (this container just changed them). */
  forget(tenantId: string): void {
    this.settings.invalidate(tenantId);
  }
}

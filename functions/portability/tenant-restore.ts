import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DataKind } from '../data/data-kind';
import type { TenantPurge } from '../tenants/tenant-purge';
import type { ManifestSigner } from './bundle.schema';
import type { ObjectStore } from './object-store';
import { bundlePrefix, TenantExporter } from './tenant-export';
import type { ImportResult, TenantImporter } from './tenant-import';

export interface TenantRestoreProps {
  /** The region whose table is restored into. */
  readonly region: string;
  readonly importer: TenantImporter;
  readonly purge: TenantPurge;
  readonly catalogue: readonly DataKind[];
  readonly store: ObjectStore;
  readonly signer: ManifestSigner;
}

/** A copy of the table as it was at the chosen point: a point-in-time restore to a new table in AWS, a snapshot locally. */
export interface RestorePoint {
  readonly tableName: string;
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  /** An id for the restore's bundle: `pitr-2026-12-02T14:00:00Z`. */
  readonly id: string;
}

/**
 * Brings one tenant back to a restore point: copies the tenant's items out of the restored table through the
 * catalogue into a bundle (so nothing of another tenant is read), checks the whole bundle, and only then replaces
 * the tenant's items in the live table (purge, then import). The import's audit entry records the recovery and names
 * the restored chain head.
 */
export class TenantRestore {
  constructor(private readonly props: TenantRestoreProps) {}

  async restore(tenantId: string, point: RestorePoint, actor: string, requestId: string): Promise<ImportResult> {
    const { catalogue, store, signer, importer, purge, region } = this.props;
    const exportId = `restore-${point.id}`;
    const exporter = new TenantExporter({ db: point.db, tableName: point.tableName, region, catalogue, store, signer });
    await exporter.export({ tenantId, exportId, createdBy: actor });
    const prefix = bundlePrefix(tenantId, exportId);
    await importer.verify(tenantId, prefix);
    await purge.purge(tenantId);
    return importer.import({ tenantId, bundlePrefix: prefix, actor, requestId });
  }
}

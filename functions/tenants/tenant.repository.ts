import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import { updateOf } from '../data/updates';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { tenantManifestSchema, type TenantManifest } from './tenant-manifest.schema';
import { tenantSchema, type Tenant, type TenantStatus } from './tenant.schema';

/** The tenant's own record (name, plan, branding, settings): tenant data, stored in the tenant's home region. */
export class TenantRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates the record; ConflictError when it exists. */
  async create(tenant: Tenant): Promise<void> {
    const valid = tenantSchema.parse(tenant);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.tenantProfile(valid.tenantId), ...valid },
          ...conditionOf(itemAbsent),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`tenant ${valid.tenantId} exists`);
      throw error;
    }
  }

  /** The record, or undefined. */
  async get(tenantId: string): Promise<Tenant | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.tenantProfile(tenantId), ConsistentRead: true }));
    return Item ? tenantSchema.parse(Item) : undefined;
  }

  /** The manifest the tenant was onboarded with, or undefined (tenants seeded without one). */
  async getManifest(tenantId: string): Promise<TenantManifest | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.tenantManifest(tenantId), ConsistentRead: true }));
    return Item ? tenantManifestSchema.parse(Item.manifest) : undefined;
  }
}

/** The item changes of the tenant record, for audited mutations (data/mutation.executor.ts). */
export const tenantRecordWrites = {
  /** A new record and the manifest it came from. */
  create(tenant: Tenant, manifest: TenantManifest): ItemWrite[] {
    const valid = tenantSchema.parse(tenant);
    return [
      {
        put: {
          Item: { ...keys.tenantProfile(valid.tenantId), ...valid },
          ...conditionOf(itemAbsent),
        },
        onConditionFailed: () => new ConflictError(`tenant ${valid.tenantId} exists`),
      },
      { put: { Item: { ...keys.tenantManifest(valid.tenantId), manifest: tenantManifestSchema.parse(manifest) } } },
    ];
  },

  /** Changes fields of the record at `version` (else 412), bumping the version. */
  update(
    tenantId: string,
    version: number,
    changes: Partial<Pick<Tenant, 'name' | 'branding' | 'settings' | 'plan' | 'status'>>,
    updatedAt: string,
  ): ItemWrite {
    const fields = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    return {
      update: {
        Key: keys.tenantProfile(tenantId),
        ...updateOf({ set: { ...fields, updatedAt }, increment: { version: 1 } }, versionIs(version)),
      },
      onConditionFailed: (current) =>
        current ? new PreconditionFailedError(`tenant ${tenantId} changed meanwhile`) : new NotFoundError(`tenant ${tenantId} not found`),
    };
  },

  /** Mirrors a lifecycle status decided by the directory onto the record, whatever its version. */
  status(tenantId: string, status: TenantStatus, updatedAt: string): ItemWrite {
    return {
      update: {
        Key: keys.tenantProfile(tenantId),
        ...updateOf({ set: { status, updatedAt }, increment: { version: 1 } }, itemExists),
      },
      onConditionFailed: () => new NotFoundError(`tenant ${tenantId} not found`),
    };
  },
};

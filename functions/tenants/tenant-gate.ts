import type { AuditEvent } from '../audit/audit-chain';
import { conditionOf, itemExists } from '../data/conditions';
import { NotFoundError, TenantMovingError, TenantSuspendedError, TenantUnavailableError, WrongRegionError } from '../core/errors';
import type { TenantGate } from '../core/http';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import type { DirectoryReader } from './directory.reader';
import { servesTenantUsers } from './tenant-lifecycle';
import { heldMove } from './tenant-move';

/** Records an audit entry in a tenant's log, while the checks hold (data/mutation.executor.ts's AuditPort). */
export interface AccessAudit {
  record(tenantId: string, event: AuditEvent, checks: readonly ItemWrite[]): Promise<unknown>;
}

/**
 * Checks, in the audit entry's transaction, that the tenant record still exists: purge deletes it first, so no
 * access is recorded under the keys of a tenant being purged.
 */
function tenantRecordExists(tenantId: string): ItemWrite {
  return {
    check: { Key: keys.tenantProfile(tenantId), ...conditionOf(itemExists) },
    onConditionFailed: () => new NotFoundError(`tenant ${tenantId} not found`),
  };
}

export interface TenantGateOptions {
  readonly directory: Pick<DirectoryReader, 'get'>;
  /** The region this API serves. */
  readonly region: string;
  /** Regional API base URLs by region, for 421 answers. */
  readonly regionEndpoints: Readonly<Record<string, string>>;
  /**
   * Where platform admins' access to a tenant is recorded: the tenant's own audit log.
   * @default not recorded (tests of other concerns)
   */
  readonly audit?: AccessAudit;
}

/**
 * The checks every tenant route shares, from the tenant directory: the tenant exists, is homed in this region
 * (else 421 naming the right endpoint), is not being moved to another region when the request would change something
 * (else 503 tenant-moving with Retry-After, for platform admins too) and, for its own users, is not suspended (else 403
 * tenant-suspended, except on routes marked allowedWhenSuspended) nor provisioning, failed or offboarding (403
 * tenant-unavailable).
 * Platform admins pass those so they can repair a tenant, and every request of theirs on a tenant is recorded in
 * that tenant's audit log before it is served: cross-tenant access never goes unrecorded. The entry is written only
 * while the tenant's record exists, so a directory copy that still shows an offboarded tenant (eventually consistent
 * reads) cannot start a new audit chain under the keys of a purged one: the admin gets 404 instead.
 */
export function createTenantGate({ directory, region, regionEndpoints, audit }: TenantGateOptions): TenantGate {
  return async (tenantId, route, auth, request) => {
    const entry = await directory.get(tenantId);
    if (!entry || entry.status === 'DELETED') throw new NotFoundError(`tenant ${tenantId} not found`);
    if (entry.region !== region) {
      throw new WrongRegionError(`tenant ${tenantId} is served in ${entry.region}`, entry.region, regionEndpoints[entry.region]);
    }
    // Nobody's change is taken while a migration moves the tenant: it would land after the export and be purged.
    const move = heldMove(entry);
    if (move && route.method !== 'GET') {
      throw new TenantMovingError(`tenant ${tenantId} is moving to ${move.to}: changes wait until the move ends`, move.to);
    }
    if (auth?.principalType === 'platform-admin') {
      await audit?.record(
        tenantId,
        {
          actor: `platform-admin:${auth.principalId}`,
          action: 'tenant.access',
          target: `tenant/${tenantId}`,
          requestId: request?.requestId ?? 'unknown',
          change: { operationId: route.operationId, method: route.method, path: route.path },
        },
        [tenantRecordExists(tenantId)],
      );
      return;
    }
    if (entry.status === 'SUSPENDED' && !route.allowedWhenSuspended) {
      throw new TenantSuspendedError(`tenant ${tenantId} is suspended`);
    }
    if (!servesTenantUsers(entry.status)) {
      throw new TenantUnavailableError(`tenant ${tenantId} is ${entry.status.toLowerCase()}`);
    }
  };
}

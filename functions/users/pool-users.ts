import type { TenantRole } from '../core/roles';
import type { PoolRef } from './user-directory';

/** A user of a tenant pool, as moving the tenant's pool to another region carries it. */
export interface PoolUser {
  readonly sub: string;
  readonly email: string;
  readonly enabled: boolean;
  /**
   * Made by the pool at a sign-in through one of the tenant's identity providers: no other pool can be given it, the
   * target pool makes its own at the user's next sign-in there.
   */
  readonly federated: boolean;
}

/**
 * A tenant pool's users as a whole, for moving them to the tenant's pool in another region (Cognito never gives a
 * password out, in AWS as in a bulk import: a copied user sets a new one through the pool's forgotten-password flow).
 * Each method is safe to repeat.
 */
export interface PoolUsers {
  list(pool: PoolRef): AsyncIterable<PoolUser>;
  /**
   * Makes the user in the pool with its email, tenant and state, holding exactly the group of `role` (its member
   * record's: the record, not the old pool's groups, decides), its password to be reset; or finds the one an earlier
   * call made. Answers its sub in the pool.
   */
  copy(pool: PoolRef, user: PoolUser, tenantId: string, role: TenantRole): Promise<{ readonly sub: string }>;
  /** Deletes the user from the pool; a user the pool does not have is done. */
  remove(pool: PoolRef, sub: string): Promise<void>;
}

import type { TenantRole } from '../core/roles';

/** A tenant's user pool. */
export interface PoolRef {
  readonly userPoolId: string;
}

/** A user to enrol in a tenant's pool. */
export interface Enrolment {
  readonly email: string;
  readonly password: string;
  readonly role: TenantRole;
  readonly tenantId: string;
}

/**
 * The tenant pools' users: Cognito in AWS, cognito-local (with the local platform's stand-ins) locally. A user is
 * enrolled by email (pools sign in by email) and addressed afterwards by its immutable `sub` only: an email can be
 * changed by the user, a sub cannot. Each method is safe to repeat.
 */
export interface UserDirectory {
  /**
   * Makes the user able to sign in with the password, holding exactly the role's group: created when new, enabled
   * again when removed earlier. Answers the user's sub.
   */
  enrol(pool: PoolRef, user: Enrolment): Promise<{ readonly sub: string }>;
  /** Moves the user to the group of `role`, out of every other tenant role's group. */
  setRole(pool: PoolRef, sub: string, role: TenantRole): Promise<void>;
  /**
   * Takes every way in away from the user: disabled (no new sign-in), out of every tenant role's group, signed out
   * globally (refresh tokens revoked). Tokens issued earlier stay valid JWTs until they expire, which is why the
   * platform authorizes each request against its member record, not against token claims. A user the pool no
   * longer has is done.
   */
  revoke(pool: PoolRef, sub: string): Promise<void>;
}

import type { TenantRole } from '../identity/roles';

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
 * The tenant pools' users: Cognito in AWS, cognito-local locally. Users are addressed by email (pools sign in by
 * email). Each method is safe to repeat.
 */
export interface UserDirectory {
  /**
   * Makes the user able to sign in with the password, holding exactly the role's group: created when new, enabled
   * again when removed earlier.
   */
  enrol(pool: PoolRef, user: Enrolment): Promise<void>;
  /** Moves the user to the group of `role`, out of every other tenant role's group. */
  setRole(pool: PoolRef, email: string, role: TenantRole): Promise<void>;
  /** Disables the user: it can no longer sign in (tokens already issued run out on their own). */
  disable(pool: PoolRef, email: string): Promise<void>;
}

import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { AuthContext } from '../core/auth-context';
import { readCredential, type Credential } from './credentials';
import { MemberNotFoundError, withMemberAccess, type MemberAccessLookup } from './member-access';
import type { DirectoryReader } from '../tenants/directory.reader';
import { rolesFromGroups, type Role } from '../core/roles';
import { TokenRejectedError, type TokenVerifier } from './token-verifier';
import { TENANT_ID_CLAIM } from './tenant-attribute';

/**
 * Who presented the credential: for tenant principals `tenantId` is their own tenant (from the issuer registration
 * or the key), for platform admins it is absent (the request's tenant signals name the tenant they act on).
 */
export type Principal = AuthContext;

/** Turns one kind of credential into a principal; throws AuthenticationError (401) when it is not acceptable. */
export type Authenticator<C extends Credential> = (credential: C) => Promise<Principal>;

/** One authenticator per credential kind. */
export type Authenticators = { readonly [K in Credential['kind']]: Authenticator<Extract<Credential, { kind: K }>> };

/** Why an authenticated credential was refused everywhere (403). */
export type DenyReason = 'role-not-allowed';

export type AuthorizerDecision =
  /**
   * `homedIn`: the principal's tenant lives in that other region and the principal holds no role here: it may reach
   * the tenant's paths only for the tenant gate to answer 421 naming that region (see AuthorizerService).
   */
  | { readonly effect: 'Allow'; readonly context: AuthContext; readonly homedIn?: string }
  | { readonly effect: 'Deny'; readonly principal: Principal; readonly reason: DenyReason };

export interface AuthorizerServiceOptions {
  readonly authenticators: Authenticators;
  /** The tenants' member records, which decide a tenant principal's roles (see withMemberAccess). */
  readonly members: MemberAccessLookup;
  /**
   * This region and the tenant directory (as the tenant gate reads it), which tell a tenant that moved to another
   * region from a revoked member. @default none: a missing member record is always a 401
   */
  readonly residency?: TenantResidency;
}

export interface TenantResidency {
  /** The region the authorizer serves. */
  readonly region: string;
  readonly directory: Pick<DirectoryReader, 'get'>;
}

/**
 * The authorizer's rules, which depend on the credential alone (API Gateway caches the answer per credential, its
 * identity source): a request is authenticated by its credential (401 otherwise) and its tenant principal's roles
 * are read from the tenant's member records (401 when they no longer grant access). What depends on the request
 * (route, role per route, tenant signals) is checked by the handler middleware (core/http.ts); the policy the
 * adapter builds from the decision covers every method the principal may call.
 */
export class AuthorizerService {
  constructor(private readonly options: AuthorizerServiceOptions) {}

  /** Decides on a credential; throws AuthenticationError when the request carries no acceptable one. */
  async authorize(event: Pick<APIGatewayRequestAuthorizerEvent, 'headers' | 'multiValueHeaders'>): Promise<AuthorizerDecision> {
    const authenticated = await this.authenticate(readCredential(event));
    let principal: Principal;
    try {
      principal = await withMemberAccess(authenticated, this.options.members);
    } catch (error) {
      if (!(error instanceof MemberNotFoundError)) throw error;
      return this.movedAway(authenticated, error);
    }
    // A platform pool account outside the platform-admin group holds no role; it must not pass anywhere as a
    // platform admin, not even on public routes, because later checks trust the principal type.
    if (principal.principalType === 'platform-admin' && !principal.roles.includes('platform-admin')) {
      return { effect: 'Deny', principal, reason: 'role-not-allowed' };
    }
    return { effect: 'Allow', context: principal };
  }

  /**
   * A tenant principal without a member record here. When the directory homes its tenant in another region, the
   * tenant was migrated and its records purged from this region: the principal is allowed with no role, so its
   * request reaches the tenant gate, which answers 421 naming the new region before anything is read. A tenant homed
   * here (the member was removed) or unknown stays a 401: revocation holds.
   */
  private async movedAway(principal: Principal, missing: MemberNotFoundError): Promise<AuthorizerDecision> {
    const { residency } = this.options;
    const entry = residency && (await residency.directory.get(missing.tenantId));
    if (!residency || !entry || entry.status === 'DELETED' || entry.region === residency.region) throw missing;
    const { principalType, principalId } = principal;
    return { effect: 'Allow', context: { principalType, principalId, tenantId: missing.tenantId, roles: [] }, homedIn: entry.region };
  }

  private authenticate(credential: Credential): Promise<Principal> {
    switch (credential.kind) {
      case 'bearer':
        return this.options.authenticators.bearer(credential);
      case 'api-key':
        return this.options.authenticators['api-key'](credential);
    }
  }
}

/**
 * Authenticates Cognito bearer tokens. A tenant pool's token is a user of the registration's tenant, whatever
 * its claims say (a `custom:tenantId` claim must agree or the token is refused), with no role yet: its group claims
 * may be stale, the member record decides (withMemberAccess). A platform pool's token is a platform admin only
 * when it is in the platform-admin group.
 */
export function bearerAuthenticator(verifier: Pick<TokenVerifier, 'verify'>): Authenticator<Extract<Credential, { kind: 'bearer' }>> {
  return async ({ token }) => {
    const { registration, claims } = await verifier.verify(token);
    if (registration.kind === 'platform') {
      const roles = rolesFromGroups(claims['cognito:groups'] ?? []);
      return {
        principalType: 'platform-admin',
        principalId: claims.sub,
        roles: roles.filter((role): role is Role => role === 'platform-admin'),
      };
    }
    const tenantClaim = claims[TENANT_ID_CLAIM];
    if (tenantClaim !== undefined && tenantClaim !== registration.tenantId) {
      throw new TokenRejectedError('tenant-claim', 'the token names another tenant than its issuer', registration);
    }
    return {
      principalType: 'user',
      principalId: claims.sub,
      tenantId: registration.tenantId,
      roles: [],
    };
  };
}

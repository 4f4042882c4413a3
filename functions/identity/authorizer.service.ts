import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { findRouteIn, type RouteDefinition } from '../core/route';
import type { AuthContext } from '../core/auth-context';
import { readCredential, type Credential } from './credentials';
import { withMemberAccess, type MemberAccessLookup } from './member-access';
import { isAllowed, rolesFromGroups, type Role } from '../core/roles';
import { readTenantSignals, type SlugDirectory, type TenantSignal } from './tenant-signals';
import { TokenRejectedError, type TokenVerifier } from './token-verifier';
import { TENANT_ID_CLAIM } from './tenant-attribute';

/**
 * Who presented the credential, before the request's tenant is decided: for tenant users `tenantId` is their
 * own tenant (from the issuer registration), for platform admins it is absent.
 */
export type Principal = AuthContext;

/** Turns one kind of credential into a principal; throws AuthenticationError (401) when it is not acceptable. */
export type Authenticator<C extends Credential> = (credential: C) => Promise<Principal>;

/** One authenticator per credential kind. */
export type Authenticators = { readonly [K in Credential['kind']]: Authenticator<Extract<Credential, { kind: K }>> };

/** Why an authenticated request was refused (403). */
export type DenyReason = 'unknown-route' | 'role-not-allowed' | 'tenant-mismatch' | 'conflicting-tenant-signals';

export type AuthorizerDecision =
  | { readonly effect: 'Allow'; readonly context: AuthContext }
  | { readonly effect: 'Deny'; readonly principal: Principal; readonly reason: DenyReason; readonly signals: readonly TenantSignal[] };

export interface AuthorizerServiceOptions {
  readonly authenticators: Authenticators;
  /** The tenants' member records, which decide a tenant principal's roles (see withMemberAccess). */
  readonly members: MemberAccessLookup;
  readonly directory: SlugDirectory;
  /** @see TenantSignalOptions.baseDomain */
  readonly baseDomain?: string;
  /** The routes it authorizes: the route table, handed down by the composition root. */
  readonly routes: readonly RouteDefinition[];
}

/**
 * The authorizer's rules. A request is authenticated by its credential (401 otherwise), its tenant principal's
 * roles are read from the tenant's member records (401 when they no longer grant access), then it is allowed only
 * when the route exists, one of the principal's roles may call it, and its tenant signals agree: with the
 * principal's own tenant for tenant users, with each other for platform admins (who then act on that tenant).
 */
export class AuthorizerService {
  constructor(private readonly options: AuthorizerServiceOptions) {}

  /** Decides on a request; throws AuthenticationError when it carries no acceptable credential. */
  async authorize(event: APIGatewayRequestAuthorizerEvent): Promise<AuthorizerDecision> {
    const principal = await withMemberAccess(await this.authenticate(readCredential(event)), this.options.members);
    const deny = (reason: DenyReason, signals: readonly TenantSignal[] = []): AuthorizerDecision => ({
      effect: 'Deny',
      principal,
      reason,
      signals,
    });

    // A platform pool account outside the platform-admin group holds no role; it must not pass anywhere as a
    // platform admin, not even on public routes, because later checks trust the principal type.
    if (principal.principalType === 'platform-admin' && !principal.roles.includes('platform-admin')) {
      return deny('role-not-allowed');
    }
    const route = findRouteIn(this.options.routes, event.httpMethod, event.resource);
    if (!route) return deny('unknown-route');
    if (!isAllowed(route.access, principal.roles)) return deny('role-not-allowed');

    const signals = await readTenantSignals(event, { directory: this.options.directory, baseDomain: this.options.baseDomain });
    if (principal.principalType === 'platform-admin') {
      const named = new Set(signals.map((signal) => signal.tenantId));
      if (named.has(undefined) || named.size > 1) return deny('conflicting-tenant-signals', signals);
      const [tenantId] = named;
      return { effect: 'Allow', context: { ...principal, ...(tenantId ? { tenantId } : {}) } };
    }
    if (principal.tenantId === undefined || signals.some((signal) => signal.tenantId !== principal.tenantId)) {
      return deny('tenant-mismatch', signals);
    }
    return { effect: 'Allow', context: principal };
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

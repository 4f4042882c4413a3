import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { TENANT_SESSION_TAG } from './session-tag';
import type { DataScope, PlatformScope } from '../data/data-scopes';
import { tenantIdSchema } from '../data/keys';
import { TenantCache, type Clock } from '../core/tenant-cache';

/**
 * The token vending machine: short-lived credentials scoped to one tenant (or to the platform's keys), cached per
 * tenant in the container, refreshed before they expire, fetched once however many requests wait for them, and
 * never replaced by the function's own credentials when fetching fails.
 */

/** Lifetime asked of STS: its minimum, so a leaked credential is useful for as short a time as possible. */
export const SESSION_DURATION_SECONDS = 900;

/**
 * Credentials are refreshed this long before they expire. It matches the SDK's own refresh window (5 minutes), so
 * the SDK's memoized provider and this cache agree on when a credential is too old to start a request with.
 */
export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

/** Temporary credentials with their expiry. */
export interface ScopedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** Whose keys a session may touch: one tenant's (`T#<tenantId>#…`) or a scope of the platform's (`P#…`). */
export type CredentialScope = { readonly kind: 'tenant'; readonly tenantId: string } | { readonly kind: PlatformScope };

/** Where credentials come from: STS in AWS, a local source on a laptop. The TVM's caching is the same over both. */
export interface CredentialSource {
  fetch(scope: CredentialScope): Promise<ScopedCredentials>;
}

/** Fetching credentials failed; the request fails with it (there is no fallback to other credentials). */
export class CredentialVendingError extends Error {
  constructor(
    message: string,
    readonly scope: CredentialScope,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CredentialVendingError';
  }
}

const PLATFORM_SESSION_NAMES: Readonly<Record<PlatformScope, string>> = {
  directory: 'directory-read',
  platform: 'platform-data',
  issuers: 'issuer-registry',
};

/** A session name that says whose session it is (CloudTrail shows it): `tenant-<tenantId>`, at most 64 characters. */
export function sessionNameFor(scope: CredentialScope): string {
  return scope.kind === 'tenant' ? `tenant-${scope.tenantId}` : PLATFORM_SESSION_NAMES[scope.kind];
}

export interface StsCredentialSourceProps {
  readonly sts: Pick<STSClient, 'send'>;
  /**
   * The tenant data role, assumed with the session tag `TenantId=<tenantId>`.
   * @default tenant credentials cannot be fetched
   */
  readonly tenantDataRoleArn?: string;
  /**
   * The directory read role (reads of `P#` keys).
   * @default directory credentials cannot be fetched
   */
  readonly directoryDataRoleArn?: string;
  /**
   * The platform data role (keys under `P#`, except the issuer registry).
   * @default platform credentials cannot be fetched
   */
  readonly platformDataRoleArn?: string;
  /**
   * The issuer registry role (`P#ISSUER#` keys only).
   * @default issuer registry credentials cannot be fetched
   */
  readonly issuersDataRoleArn?: string;
}

/** Credentials from STS AssumeRole: the tenant data role with a `TenantId` session tag, or a platform scope's role. */
export class StsCredentialSource implements CredentialSource {
  constructor(private readonly props: StsCredentialSourceProps) {}

  async fetch(scope: CredentialScope): Promise<ScopedCredentials> {
    const roleArn = this.props[`${scope.kind satisfies DataScope}DataRoleArn`];
    if (!roleArn) throw new Error(`no role ARN configured for ${scope.kind} credentials`);
    const { Credentials: c } = await this.props.sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: sessionNameFor(scope),
        DurationSeconds: SESSION_DURATION_SECONDS,
        ...(scope.kind === 'tenant' ? { Tags: [{ Key: TENANT_SESSION_TAG, Value: scope.tenantId }] } : {}),
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Error('STS AssumeRole answered without complete credentials');
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  }
}

/**
 * The local stand-in for STS. Every session gets the one local access key id, because DynamoDB Local (without
 * `-sharedDb`) keeps a separate database per access key id and region: a key id per tenant would give each tenant
 * its own empty database and prove nothing about isolation. The session token names the scope, for logs only;
 * isolation itself is enforced locally by the runtime guard, as DynamoDB Local ignores IAM.
 */
export class LocalCredentialSource implements CredentialSource {
  static readonly ACCESS_KEY_ID = 'local';

  constructor(private readonly clock: Clock = Date.now) {}

  async fetch(scope: CredentialScope): Promise<ScopedCredentials> {
    return {
      accessKeyId: LocalCredentialSource.ACCESS_KEY_ID,
      secretAccessKey: 'local',
      sessionToken: `local-session:${sessionNameFor(scope)}`,
      expiration: new Date(this.clock() + SESSION_DURATION_SECONDS * 1000),
    };
  }
}

export interface TokenVendingMachineProps {
  readonly source: CredentialSource;
  /**
   * How long before expiry a cached credential is replaced.
   * @default DEFAULT_REFRESH_MARGIN_MS (5 minutes)
   */
  readonly refreshMarginMs?: number;
  /**
   * Most tenants whose credentials are kept in this container (least recently used forgotten first).
   * @default 1000
   */
  readonly capacity?: number;
  /** @default Date.now */
  readonly clock?: Clock;
}

const CREDENTIALS = 'credentials';

export class TokenVendingMachine {
  private readonly tenantSessions: TenantCache<ScopedCredentials>;
  /** A cache of its own, so a platform session can never be confused with a tenant's, whatever the tenant is called. */
  private readonly platformSessions: TenantCache<ScopedCredentials>;
  private readonly refreshMarginMs: number;

  constructor(private readonly props: TokenVendingMachineProps) {
    this.refreshMarginMs = props.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    if (!(this.refreshMarginMs >= 0)) throw new RangeError(`refreshMarginMs must not be negative, not ${props.refreshMarginMs}`);
    const clock = props.clock ?? Date.now;
    this.tenantSessions = new TenantCache({ capacity: props.capacity ?? 1000, clock });
    this.platformSessions = new TenantCache({ capacity: 3, clock });
  }

  /**
   * Credentials that can touch only the tenant's keys. Throws CredentialVendingError when they cannot be fetched:
   * the caller's request fails rather than run with any other credentials.
   */
  credentialsFor(tenantId: string): Promise<ScopedCredentials> {
    if (!tenantIdSchema.safeParse(tenantId).success) {
      return Promise.reject(new CredentialVendingError(`invalid tenant id ${JSON.stringify(tenantId)}`, { kind: 'tenant', tenantId }));
    }
    return this.vend(this.tenantSessions, tenantId, { kind: 'tenant', tenantId });
  }

  /**
   * Credentials that can touch only platform keys (`P#…`), as the scope's role allows: read the directory, write
   * platform keys but the issuer registry, or the issuer registry alone.
   */
  platformCredentials(scope: PlatformScope = 'platform'): Promise<ScopedCredentials> {
    return this.vend(this.platformSessions, scope, { kind: scope });
  }

  /** Drops the tenant's cached credentials (e.g. after offboarding); the next call fetches new ones. */
  forget(tenantId: string): void {
    this.tenantSessions.invalidate(tenantId);
  }

  private vend(cache: TenantCache<ScopedCredentials>, owner: string, scope: CredentialScope): Promise<ScopedCredentials> {
    return cache.getOrLoad(
      owner,
      CREDENTIALS,
      async () => {
        try {
          return await this.props.source.fetch(scope);
        } catch (error) {
          throw new CredentialVendingError(`could not obtain ${sessionNameFor(scope)} credentials`, scope, { cause: error });
        }
      },
      (credentials) => credentials.expiration.getTime() - this.refreshMarginMs,
    );
  }
}

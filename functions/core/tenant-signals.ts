import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { AuthContext } from './auth-context';
import { ForbiddenError } from './errors';
import { headerValues } from './request-headers';
import { TENANT_PATH_PARAMETER } from './route';
import { tenantIdSchema } from './tenant-id';

/** Where a request names a tenant, besides its credential. */
export type TenantSignalSource = 'path' | 'header' | 'subdomain';

/** The header that names the tenant a request is meant for. */
export const TENANT_HEADER = 'X-Tenant-Id';

/**
 * One tenant signal of a request. `tenantId` is undefined when the signal is present but names no tenant
 * (malformed id, repeated header with different values, unknown slug): such a signal can agree with nothing.
 */
export interface TenantSignal {
  readonly source: TenantSignalSource;
  readonly tenantId: string | undefined;
}

/** Finds the tenant of a subdomain label (the tenant directory's slugs); undefined for a label that names none. */
export type SlugDirectory = (label: string) => Promise<string | undefined>;

export interface TenantSignalOptions {
  /** Tenants are `<slug>.<baseDomain>`; without it the Host header is no signal. */
  readonly baseDomain?: string;
  /** Resolves the subdomain's slug; needed only with a base domain. */
  readonly slugs?: SlugDirectory;
}

type SignalEvent = Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders' | 'pathParameters'>;

/**
 * The tenant signals present in a request: the `tenantId` path parameter, the X-Tenant-Id header and the
 * subdomain of the Host header under the base domain (its slug resolved through the directory). These are
 * discovery hints only; `agreedTenant` decides whether they agree with the credential.
 */
export async function readTenantSignals(event: SignalEvent, options: TenantSignalOptions = {}): Promise<TenantSignal[]> {
  const signals: TenantSignal[] = [];
  const pathTenant = event.pathParameters?.[TENANT_PATH_PARAMETER];
  if (pathTenant !== undefined) signals.push({ source: 'path', tenantId: validTenantId(pathTenant) });
  const headerTenants = headerValues(event, TENANT_HEADER);
  if (headerTenants.length > 0) {
    signals.push({ source: 'header', tenantId: headerTenants.length === 1 ? validTenantId(headerTenants[0].trim()) : undefined });
  }
  const subdomain = subdomainOf(headerValues(event, 'host'), options.baseDomain);
  if (subdomain !== undefined) {
    signals.push({ source: 'subdomain', tenantId: subdomain === '' || !options.slugs ? undefined : await options.slugs(subdomain) });
  }
  return signals;
}

/** Refused because the request's tenant signals disagree with the credential or with each other. */
export class TenantSignalsError extends ForbiddenError {
  override readonly name: string = 'TenantSignalsError';
  constructor(
    message: string,
    readonly signals: readonly TenantSignal[],
  ) {
    super(message);
  }
}

/**
 * The caller with the tenant the request acts on. A tenant principal acts on its own tenant only: every signal
 * must name it. A platform admin acts on the tenant the signals name, and they must all name the same one (or none,
 * for platform-wide routes). The credential alone decides who calls; these per-request checks live here, not in the
 * authorizer, so that API Gateway can cache the authorizer's answer per credential.
 */
export function agreedTenant(auth: AuthContext, signals: readonly TenantSignal[]): AuthContext {
  if (auth.principalType === 'platform-admin') {
    const named = new Set(signals.map((signal) => signal.tenantId));
    if (named.has(undefined) || named.size > 1) throw new TenantSignalsError('the request names conflicting tenants', signals);
    const [tenantId] = named;
    return { ...auth, ...(tenantId ? { tenantId } : {}) };
  }
  if (auth.tenantId === undefined || signals.some((signal) => signal.tenantId !== auth.tenantId)) {
    throw new TenantSignalsError('the credential belongs to another tenant', signals);
  }
  return auth;
}

function validTenantId(value: string): string | undefined {
  return tenantIdSchema.safeParse(value).success ? value : undefined;
}

/**
 * The label left of the base domain in the Host header: undefined when the host is not under the base domain
 * (or is the base domain itself), `''` when the host is ambiguous or has more than one label there.
 */
function subdomainOf(hosts: readonly string[], baseDomain: string | undefined): string | undefined {
  if (!baseDomain || hosts.length === 0) return undefined;
  if (hosts.length > 1) return '';
  const host = hosts[0].trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${baseDomain}`;
  if (!host.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  return label.includes('.') ? '' : label;
}

import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { tenantIdSchema } from '../data/keys';
import { TENANT_PATH_PARAMETER } from '../core/route';
import { slugSchema } from '../tenants/tenant.schema';
import { headerValues } from './request-headers';

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

/** Finds the tenant of a slug (the tenant directory). */
export interface SlugDirectory {
  findBySlug(slug: string): Promise<{ readonly tenantId: string } | undefined>;
}

export interface TenantSignalOptions {
  readonly directory: SlugDirectory;
  /** Tenants are `<slug>.<baseDomain>`; without it the Host header is no signal. */
  readonly baseDomain?: string;
}

type SignalEvent = Pick<APIGatewayRequestAuthorizerEvent, 'headers' | 'multiValueHeaders' | 'pathParameters'>;

/**
 * The tenant signals present in a request: the `tenantId` path parameter, the X-Tenant-Id header and the
 * subdomain of the Host header under the base domain (its slug resolved through the directory). These are
 * discovery hints only; the authorizer decides whether they agree with the credential.
 */
export async function readTenantSignals(event: SignalEvent, options: TenantSignalOptions): Promise<TenantSignal[]> {
  const signals: TenantSignal[] = [];
  const pathTenant = event.pathParameters?.[TENANT_PATH_PARAMETER];
  if (pathTenant !== undefined) signals.push({ source: 'path', tenantId: validTenantId(pathTenant) });
  const headerTenants = headerValues(event, TENANT_HEADER);
  if (headerTenants.length > 0) {
    signals.push({ source: 'header', tenantId: headerTenants.length === 1 ? validTenantId(headerTenants[0].trim()) : undefined });
  }
  const subdomain = subdomainOf(headerValues(event, 'host'), options.baseDomain);
  if (subdomain !== undefined) {
    signals.push({ source: 'subdomain', tenantId: await tenantOfSlug(subdomain, options.directory) });
  }
  return signals;
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

async function tenantOfSlug(slug: string, directory: SlugDirectory): Promise<string | undefined> {
  if (!slugSchema.safeParse(slug).success) return undefined;
  return (await directory.findBySlug(slug))?.tenantId;
}

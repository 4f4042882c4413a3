import type { DirectoryReader } from './directory.reader';
import type { DiscoveryQuery, DiscoveryResponse } from './discovery.schema';
import { servesTenantUsers } from './tenant-lifecycle';
import type { TenantAuth, TenantDirectoryEntry } from './tenant.schema';

export interface DiscoveryServiceOptions {
  readonly directory: Pick<DirectoryReader, 'findBySlug' | 'findByEmailDomain'>;
  /** Regional API base URLs by region. */
  readonly regionEndpoints: Readonly<Record<string, string>>;
  /** The API's base domain: `<slug>.<baseDomain>` names a tenant. @default none (hosts match by slug label only) */
  readonly baseDomain?: string;
}

/**
 * Finds where a person logs in: by email domain (possibly several tenants), by host (`<slug>.<baseDomain>`) or
 * by slug. Only routing metadata and branding are returned, and only for tenants that can be used.
 */
export class DiscoveryService {
  constructor(private readonly options: DiscoveryServiceOptions) {}

  async discover(query: DiscoveryQuery): Promise<DiscoveryResponse> {
    const entries = await this.find(query);
    return { tenants: entries.filter((e) => servesTenantUsers(e.status) && e.auth !== undefined).map((e) => this.present(e, e.auth as TenantAuth)) };
  }

  private async find(query: DiscoveryQuery): Promise<TenantDirectoryEntry[]> {
    if (query.email) return this.options.directory.findByEmailDomain(query.email.split('@')[1]);
    const slug = query.slug ?? this.slugOfHost(query.host ?? '');
    if (!slug) return [];
    const entry = await this.options.directory.findBySlug(slug);
    return entry ? [entry] : [];
  }

  private slugOfHost(host: string): string | undefined {
    const name = host.toLowerCase().replace(/:\d+$/, '');
    const { baseDomain } = this.options;
    if (baseDomain) {
      const suffix = `.${baseDomain.toLowerCase()}`;
      return name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
    }
    return name.split('.')[0];
  }

  private present(entry: TenantDirectoryEntry, auth: TenantAuth): DiscoveryResponse['tenants'][number] {
    const apiUrl = this.options.regionEndpoints[entry.region];
    return {
      tenantId: entry.tenantId,
      slug: entry.slug,
      region: entry.region,
      ...(apiUrl ? { apiUrl } : {}),
      auth,
      branding: entry.branding,
    };
  }
}

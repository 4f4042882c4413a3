import type { SlugDirectory } from '../core/tenant-signals';
import { BoundedMap } from '../identity/bounded-map';
import type { DirectoryReader } from './directory.reader';
import { slugSchema } from './tenant.schema';

export interface CachedSlugDirectoryOptions {
  /** How long a slug's tenant, or its absence, is reused; 0 reads on every request. */
  readonly ttlMs: number;
  /** Most slugs remembered. @default 10_000 */
  readonly capacity?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * The tenant a Host subdomain names, for the handlers' tenant-signal check: a malformed slug names none without a
 * read, and answers are kept per container for `ttlMs` (the directory cache's bound), bounded, so a request with a
 * subdomain costs no read per request and made-up subdomains cannot grow a container's memory.
 */
export function cachedSlugDirectory(directory: Pick<DirectoryReader, 'findBySlug'>, options: CachedSlugDirectoryOptions): SlugDirectory {
  const answers = new BoundedMap<string, { readonly tenantId: string | undefined; readonly until: number }>(options.capacity ?? 10_000);
  const clock = options.clock ?? Date.now;
  return async (label) => {
    if (!slugSchema.safeParse(label).success) return undefined;
    const hit = answers.get(label);
    if (hit && hit.until > clock()) return hit.tenantId;
    const tenantId = (await directory.findBySlug(label))?.tenantId;
    if (options.ttlMs > 0) answers.set(label, { tenantId, until: clock() + options.ttlMs });
    return tenantId;
  };
}

import type { IssuerRegistration } from './issuer-registry.repository';
import { BoundedMap } from './bounded-map';
import type { IssuerLookup } from './token-verifier';

export interface CachedIssuerLookupOptions {
  /** How long a found registration is reused. @default 60 s */
  readonly ttlMs?: number;
  /** @default 1,000 issuers */
  readonly capacity?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * Keeps found issuer registrations for a short while, so the authorizer does not read the registry on every request.
 * Unknown issuers are not remembered: a tenant onboarded a moment ago can sign in at once, and a flood of made-up
 * issuers cannot fill the cache. A registration removed at offboarding may still verify tokens for up to the TTL;
 * the tenant gate refuses a deleted tenant's requests regardless.
 */
export class CachedIssuerLookup implements IssuerLookup {
  private readonly entries: BoundedMap<string, { readonly registration: IssuerRegistration; readonly until: number }>;
  private readonly inFlight = new Map<string, Promise<IssuerRegistration | undefined>>();
  private readonly ttlMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly source: IssuerLookup,
    options: CachedIssuerLookupOptions = {},
  ) {
    this.entries = new BoundedMap(options.capacity ?? 1_000);
    this.ttlMs = options.ttlMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
  }

  async lookup(issuer: string): Promise<IssuerRegistration | undefined> {
    const cached = this.entries.get(issuer);
    if (cached && cached.until > this.clock()) return cached.registration;
    let pending = this.inFlight.get(issuer);
    if (!pending) {
      pending = this.source.lookup(issuer).finally(() => this.inFlight.delete(issuer));
      this.inFlight.set(issuer, pending);
    }
    const registration = await pending;
    if (registration) this.entries.set(issuer, { registration, until: this.clock() + this.ttlMs });
    return registration;
  }
}

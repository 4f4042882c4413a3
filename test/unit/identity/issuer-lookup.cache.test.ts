import type { IssuerRegistration } from '../../../functions/identity/issuer-registry.repository';
import { CachedIssuerLookup } from '../../../functions/identity/issuer-lookup.cache';

const acme: IssuerRegistration = { kind: 'tenant', issuer: 'https://issuer/acme', tenantId: 'acme', clientIds: ['c'], jwksUri: 'https://issuer/acme/jwks' };
const globex: IssuerRegistration = { ...acme, issuer: 'https://issuer/globex', tenantId: 'globex' };

function registry(entries: IssuerRegistration[]) {
  const calls: string[] = [];
  const byIssuer = new Map(entries.map((e) => [e.issuer, e]));
  return {
    calls,
    byIssuer,
    lookup: async (issuer: string) => {
      calls.push(issuer);
      return byIssuer.get(issuer);
    },
  };
}

describe('cached issuer lookup', () => {
  it('reads a found registration once per TTL, per issuer', async () => {
    // Prepare
    let now = 0;
    const source = registry([acme, globex]);
    const cache = new CachedIssuerLookup(source, { ttlMs: 1000, clock: () => now });
    // Act
    const first = await Promise.all([cache.lookup(acme.issuer), cache.lookup(acme.issuer), cache.lookup(globex.issuer)]);
    await cache.lookup(acme.issuer);
    now = 1001;
    await cache.lookup(acme.issuer);
    // Assess
    expect(first.map((r) => r?.issuer)).toEqual([acme.issuer, acme.issuer, globex.issuer]);
    expect(source.calls).toEqual([acme.issuer, globex.issuer, acme.issuer]);
  });

  it('never remembers an unknown issuer, so a tenant registered a moment later signs in at once', async () => {
    // Prepare
    const source = registry([]);
    const cache = new CachedIssuerLookup(source);
    // Act
    const before = await cache.lookup(acme.issuer);
    source.byIssuer.set(acme.issuer, acme);
    const after = await cache.lookup(acme.issuer);
    // Assess
    expect(before).toBeUndefined();
    expect(after).toEqual(acme);
  });
});

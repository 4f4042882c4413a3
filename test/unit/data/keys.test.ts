import fc from 'fast-check';
import { belongsToTenant, InvalidKeyError, parseKey, platformKey, sortKey, tenantKey, tenantPrefix } from '../../../functions/data/keys';

const tenantIdArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,39}$/);
const segmentArb = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('#'));
const segmentsArb = fc.array(segmentArb, { minLength: 1, maxLength: 5 });

describe('key builders', () => {
  it('property: a tenant key parses back into its tenant id and segments', () => {
    fc.assert(
      fc.property(tenantIdArb, segmentsArb, (tenantId, segments) => {
        expect(parseKey(tenantKey(tenantId, ...segments))).toEqual({ kind: 'tenant', tenantId, segments });
      }),
    );
  });

  it('property: a platform key parses back into its segments', () => {
    fc.assert(
      fc.property(segmentsArb, (segments) => {
        expect(parseKey(platformKey(...segments))).toEqual({ kind: 'platform', segments });
      }),
    );
  });

  it('property: every tenant key starts with its tenant prefix and belongs to its tenant', () => {
    fc.assert(
      fc.property(tenantIdArb, segmentsArb, (tenantId, segments) => {
        const key = tenantKey(tenantId, ...segments);
        expect(key.startsWith(tenantPrefix(tenantId))).toBe(true);
        expect(belongsToTenant(key, tenantId)).toBe(true);
      }),
    );
  });

  it("property: no tenant's keys belong to another tenant, even when one id is a prefix of the other", () => {
    const pairArb = fc.oneof(
      fc.tuple(tenantIdArb, tenantIdArb),
      // The prefix trick: `acme` and `acme2`.
      tenantIdArb.chain((id) =>
        fc.tuple(
          fc.constant(id),
          fc.stringMatching(/^[a-z0-9-]{1,5}$/).map((tail) => (id + tail).slice(0, 40)),
        ),
      ),
    );
    fc.assert(
      fc.property(pairArb, segmentsArb, ([a, b], segments) => {
        fc.pre(a !== b);
        expect(belongsToTenant(tenantKey(a, ...segments), b)).toBe(false);
        expect(belongsToTenant(tenantKey(b, ...segments), a)).toBe(false);
      }),
    );
  });

  it('property: platform keys belong to no tenant', () => {
    fc.assert(
      fc.property(tenantIdArb, segmentsArb, (tenantId, segments) => {
        expect(belongsToTenant(platformKey(...segments), tenantId)).toBe(false);
      }),
    );
  });

  it.each([
    ['a tenant id with #', () => tenantKey('ac#me', 'AGENT')],
    ['an upper-case tenant id', () => tenantKey('ACME', 'AGENT')],
    ['a too short tenant id', () => tenantKey('ab', 'AGENT')],
    ['a segment with #', () => tenantKey('acme', 'AGENT#1')],
    ['an empty segment', () => platformKey('')],
    ['no segment', () => tenantKey('acme')],
    ['an empty sort key', () => sortKey()],
  ])('rejects %s', (_name, build) => {
    expect(build).toThrow(InvalidKeyError);
  });

  it('rejects parsing keys it did not build', () => {
    for (const key of ['X#acme#A', 'T#acme', 'T#ACME#A', 'P', '', 'T##A']) {
      expect(() => parseKey(key)).toThrow(InvalidKeyError);
    }
  });
});

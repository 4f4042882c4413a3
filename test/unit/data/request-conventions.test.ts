import fc from 'fast-check';
import { MalformedRequestError } from '../../../functions/core/errors';
import { canonicalJson, etagOf, idempotencyOf, ifMatchAccepts, paginationQuerySchema, parseIfMatch } from '../../../functions/core/request-conventions';
import { lastIdAt, timeOrderedId, timePrefix, TIME_ORDERED_ID } from '../../../functions/data/ids';

const request = (headers: Record<string, string>, body: unknown = { a: 1 }) => ({
  headers,
  route: { operationId: 'createMemory' },
  path: { tenantId: 'acme', agentId: 'a1' },
  body,
});

describe('request conventions', () => {
  it('parses limit and cursor, and refuses limits outside 1-100', () => {
    expect(paginationQuerySchema.parse({ limit: '25', cursor: 'abc.def' })).toEqual({ limit: 25, cursor: 'abc.def' });
    for (const limit of ['0', '101', '-1', '1.5', 'ten', '', '007']) {
      expect(paginationQuerySchema.safeParse({ limit }).success).toBe(false);
    }
  });

  it('reads If-Match as *, a list of strong ETags, or nothing; weak tags never match', () => {
    expect(parseIfMatch({})).toBeUndefined();
    expect(parseIfMatch({ 'if-match': '*' })).toEqual({ any: true });
    expect(parseIfMatch({ 'if-match': `${etagOf(3)}, "4"` })).toEqual({ any: false, versions: [3, 4] });
    expect(ifMatchAccepts(parseIfMatch({ 'if-match': 'W/"3"' }), 3)).toBe(false);
    expect(() => parseIfMatch({ 'if-match': '3' })).toThrow(MalformedRequestError);
  });

  it('fingerprints the same request alike whatever its key order, and different bodies differently', () => {
    const a = idempotencyOf(request({ 'idempotency-key': 'k-1' }, { x: 1, y: [1, 2] }));
    const b = idempotencyOf(request({ 'idempotency-key': 'k-1' }, { y: [1, 2], x: 1 }));
    const c = idempotencyOf(request({ 'idempotency-key': 'k-1' }, { x: 2, y: [1, 2] }));
    expect(a).toEqual(b);
    expect(a?.fingerprint).not.toBe(c?.fingerprint);
    expect(idempotencyOf(request({}))).toBeUndefined();
    expect(() => idempotencyOf(request({ 'idempotency-key': 'bad key' }))).toThrow(MalformedRequestError);
  });

  it('property: canonical JSON is the same for any key order and parses back to the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('property: time-ordered ids sort as their times and fall inside their time range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 40 }), (t1, t2) => {
        const [a, b] = [timeOrderedId(t1), timeOrderedId(t2)];
        expect(a).toMatch(TIME_ORDERED_ID);
        if (t1 < t2) expect(a < b).toBe(true);
        expect(a >= timePrefix(t1) && a <= lastIdAt(t1)).toBe(true);
      }),
    );
  });
});

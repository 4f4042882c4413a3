import fc from 'fast-check';
import { ValidationError } from '../../../functions/core/errors';
import { toProblem } from '../../../functions/core/problem';
import { CursorCodec, MAX_CURSOR_LENGTH, type CursorBinding } from '../../../functions/data/cursor';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const acme: CursorBinding = { tenantId: 'acme', list: 'agents:newest' };
const keyArb = fc.dictionary(fc.constantFrom('pk', 'sk', 'collectionPk', 'collectionSk'), fc.oneof(fc.string({ minLength: 1 }), fc.integer()), { minKeys: 1 });

function problemStatus(action: () => unknown): number | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return toProblem(error).status;
  }
}

describe('CursorCodec', () => {
  const codec = new CursorCodec(SECRET);

  it('property: a cursor decodes to the key it was made from, for the same tenant and list', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        // Act
        const cursor = codec.encode(acme, key) as string;

        // Assess
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        expect(codec.decode(acme, cursor)).toEqual(key);
      }),
    );
  });

  it('gives no cursor after the last page', () => {
    expect(codec.encode(acme, undefined)).toBeUndefined();
  });

  it("property: another tenant's cursor is refused with 400, also between prefix-related tenants", () => {
    fc.assert(
      fc.property(keyArb, fc.constantFrom('acme2', 'acm', 'globex'), (key, other) => {
        // Prepare
        const cursor = codec.encode({ tenantId: other, list: acme.list }, key) as string;

        // Act
        const status = problemStatus(() => codec.decode(acme, cursor));

        // Assess
        expect(status).toBe(400);
      }),
    );
  });

  it('refuses a cursor of another list of the same tenant', () => {
    const cursor = codec.encode({ tenantId: 'acme', list: 'agents:id' }, { pk: 'T#acme#AGENT', sk: 'AGENT#1' }) as string;
    expect(problemStatus(() => codec.decode(acme, cursor))).toBe(400);
  });

  it('refuses a cursor signed with another secret', () => {
    const cursor = new CursorCodec(`${SECRET}-other`).encode(acme, { pk: 'T#acme#AGENT' }) as string;
    expect(problemStatus(() => codec.decode(acme, cursor))).toBe(400);
  });

  it('property: any edit of a cursor is refused with 400', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(keyArb, fc.nat(), fc.constantFrom(...alphabet), (key, at, replacement) => {
        // Prepare
        const cursor = codec.encode(acme, key) as string;
        const index = at % cursor.length;
        fc.pre(cursor[index] !== replacement);
        const edited = cursor.slice(0, index) + replacement + cursor.slice(index + 1);

        // Act
        const status = problemStatus(() => codec.decode(acme, edited));

        // Assess
        expect(status).toBe(400);
      }),
    );
  });

  it('refuses a cursor whose payload was swapped for another key, keeping the signature', () => {
    // Prepare
    const [, signature] = (codec.encode(acme, { pk: 'T#acme#AGENT', sk: 'AGENT#1' }) as string).split('.');
    const payload = Buffer.from(JSON.stringify({ pk: 'T#globex#AGENT', sk: 'AGENT#1' })).toString('base64url');

    // Act
    const status = problemStatus(() => codec.decode(acme, `${payload}.${signature}`));

    // Assess
    expect(status).toBe(400);
  });

  it.each([
    ['empty', ''],
    ['no dot', 'abc'],
    ['three parts', 'a.b.c'],
    ['not base64url', 'a+b.c/d'],
    ['too long', 'a'.repeat(MAX_CURSOR_LENGTH + 1)],
  ])('refuses a malformed cursor (%s) with 400', (_name, cursor) => {
    expect(problemStatus(() => codec.decode(acme, cursor))).toBe(400);
  });

  it('property: arbitrary strings are refused with 400, never another error', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (cursor) => expect(problemStatus(() => codec.decode(acme, cursor))).toBe(400)));
  });

  it('fails fast on a missing or short secret', () => {
    expect(() => new CursorCodec('')).toThrow(RangeError);
    expect(() => new CursorCodec('short')).toThrow(RangeError);
    expect(() => new CursorCodec(undefined as unknown as string)).toThrow(RangeError);
  });
});

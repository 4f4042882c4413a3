import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { withConstructorEntriesAsMaps } from '../../../functions/data/document-maps';

/** How the document client marshalls an item (lib-dynamodb's options, and the platform's own in data/clients.ts). */
const write = (item: Record<string, unknown>) => marshall(withConstructorEntriesAsMaps(item) as Record<string, unknown>, { removeUndefinedValues: true });

/** JSON values whose names include those the marshaller reads as types (`constructor`, `name`) and type names as values. */
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.constantFrom('Set', 'Map', 'String', 'Number', 'Boolean', 'Object'), fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('constructor', 'name', 'size', 'length', 'a', 'b'), tie('value'), { maxKeys: 4 }),
  ),
}));

describe('JSON objects with an entry named constructor', () => {
  it('marshall as the maps they are and read back equal, at any depth', () => {
    fc.assert(
      fc.property(json.value, (value) => {
        const item = { pk: 'T#acme', sk: 'X', value };
        expect(unmarshall(write(item))).toEqual(item);
      }),
      { numRuns: 500 },
    );
  });

  it('leave the value given as it was, and return it as is when nothing needs to change', () => {
    // Prepare
    const given = { settings: { constructor: 'Set' }, list: [{ name: 'String', constructor: { name: 'Map' } }] };
    const plain = { settings: { theme: 'dark' }, list: [1, { a: 'b' }] };
    const before = JSON.stringify(given);

    // Act
    const safe = withConstructorEntriesAsMaps(given) as { settings: unknown };

    // Assess
    expect(JSON.stringify(given)).toBe(before);
    expect(safe.settings).toEqual(new Map([['constructor', 'Set']]));
    expect(withConstructorEntriesAsMaps(plain)).toBe(plain);
  });

  it('fail to marshall without it (why it exists)', () => {
    expect(() => marshall({ settings: { constructor: 'Set' } })).toThrow();
  });
});

import fc from 'fast-check';
import { storableNameSchema, storableNumberSchema, unstorablePart } from '../../../functions/data/storable';

describe('what the table stores of client JSON', () => {
  it.each([0, 1, -1, 1.5, 1e-130, -1e-130, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER])('stores the number %p', (value) => {
    expect(storableNumberSchema.safeParse(value).success).toBe(true);
  });

  it.each([1e-131, -1e-200, Number.MAX_SAFE_INTEGER + 2, 1e300, -1e20])('refuses the number %p', (value) => {
    expect(storableNumberSchema.safeParse(value).success).toBe(false);
  });

  it('refuses an empty name', () => {
    expect(storableNameSchema.safeParse('').success).toBe(false);
    expect(storableNameSchema.safeParse('a').success).toBe(true);
  });

  it('names the first part it cannot store, at any depth', () => {
    expect(unstorablePart({ type: 'object', properties: { a: { minimum: 1 } } })).toBeUndefined();
    expect(unstorablePart({ properties: { a: { '': 1 } } })).toBe('properties.a: names must not be empty');
    expect(unstorablePart({ enum: [1, 2, 1e300] })).toBe(`enum[2]: numbers must be 0 or between 1e-130 and ${Number.MAX_SAFE_INTEGER} in magnitude`);
    expect(unstorablePart(1e-200)).toMatch(/^the value: numbers/);
  });

  it('finds no problem in JSON of safe integers, ordinary doubles and non-empty names', () => {
    const name = fc.string({ minLength: 1, maxLength: 8 });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.double({ min: 1, max: 1e9, noNaN: true }),
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        tie('array'),
        tie('object'),
      ),
      array: fc.array(tie('value'), { maxLength: 3 }),
      object: fc.dictionary(name, tie('value'), { maxKeys: 3 }),
    })).value;
    fc.assert(fc.property(json, (value) => unstorablePart(value) === undefined));
  });
});

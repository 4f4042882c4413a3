import fc from 'fast-check';
import {
  anyOf,
  attributeAbove,
  attributeAbsent,
  attributeAtMost,
  attributeBelow,
  attributeIs,
  conditionOf,
  itemExists,
  sizeIs,
  versionIs,
  type Condition,
} from '../../../functions/data/conditions';
import { mergedUpdate, updateOf, type ItemUpdate } from '../../../functions/data/updates';

/** Reads an update expression back into the update it says, through its placeholders. */
function parse(expression: string, names: Record<string, string>, values: Record<string, unknown>): Required<ItemUpdate> {
  const parsed = {
    set: {} as Record<string, unknown>,
    increment: {} as Record<string, number>,
    append: {} as Record<string, unknown[]>,
    add: {} as Record<string, number>,
    remove: [] as string[],
  };
  const name = (placeholder: string) => {
    expect(names).toHaveProperty([placeholder]);
    return names[placeholder];
  };
  const value = (placeholder: string) => {
    expect(values).toHaveProperty([placeholder]);
    return values[placeholder];
  };
  for (const [, action, body] of expression.matchAll(/(SET|REMOVE|ADD) ((?:(?!\b(?:SET|REMOVE|ADD)\b).)*)/g)) {
    for (const clause of body.trim().split(/, (?![^(]*\))/)) {
      let match: RegExpExecArray | null;
      if (action === 'REMOVE' && (match = /^(#\w+)$/.exec(clause))) parsed.remove.push(name(match[1]));
      else if (action === 'ADD' && (match = /^(#\w+) (:\w+)$/.exec(clause))) parsed.add[name(match[1])] = value(match[2]) as number;
      else if (action === 'SET' && (match = /^(#\w+) = \1 \+ (:\w+)$/.exec(clause))) parsed.increment[name(match[1])] = value(match[2]) as number;
      else if (action === 'SET' && (match = /^(#\w+) = list_append\(\1, (:\w+)\)$/.exec(clause))) parsed.append[name(match[1])] = value(match[2]) as unknown[];
      else if (action === 'SET' && (match = /^(#\w+) = (:\w+)$/.exec(clause))) parsed.set[name(match[1])] = value(match[2]);
      else throw new Error(`unexpected clause ${action} ${clause}`);
    }
  }
  return parsed;
}

/** Attribute names an update may touch: DynamoDB reserved words, placeholder look-alikes and odd characters among them. */
const ATTRIBUTES = [
  'status',
  'count',
  'name',
  'size',
  'value',
  'data',
  'key',
  'version',
  'u0',
  'u1',
  '#u0',
  ':u0',
  'a b',
  'a.b',
  'updatedAt',
  'sub',
  'bytes',
  'ttl',
];
const RESERVED = ['status', 'count', 'name', 'size', 'value', 'data', 'key', 'ttl'];

/** Conditions to combine with, including one that already uses the helper's own placeholder pattern. */
const CONDITIONS: readonly Condition[] = [
  itemExists,
  versionIs(3),
  attributeIs('status', 'PENDING'),
  attributeAbove('count', 1),
  attributeAbsent('sub'),
  { expression: '#u0 = :u0', names: { '#u0': 'other' }, values: { ':u0': 'taken' } },
  anyOf(attributeAbsent('count'), attributeAtMost('count', 9)),
  attributeBelow('ttl', 100),
  sizeIs('data', 2),
];

const updateArbitrary = fc
  .uniqueArray(fc.constantFrom(...ATTRIBUTES), { minLength: 1, maxLength: ATTRIBUTES.length })
  .chain((attributes) =>
    fc.tuple(
      fc.constant(attributes),
      fc.array(fc.constantFrom('set', 'increment', 'append', 'add', 'remove'), { minLength: attributes.length, maxLength: attributes.length }),
      fc.array(fc.jsonValue(), { minLength: attributes.length, maxLength: attributes.length }),
      fc.array(fc.integer(), { minLength: attributes.length, maxLength: attributes.length }),
    ),
  )
  .map(([attributes, actions, jsonValues, numbers]) => {
    const update = {
      set: {} as Record<string, unknown>,
      increment: {} as Record<string, number>,
      append: {} as Record<string, unknown[]>,
      add: {} as Record<string, number>,
      remove: [] as string[],
    };
    attributes.forEach((attribute, i) => {
      if (actions[i] === 'set') update.set[attribute] = jsonValues[i];
      else if (actions[i] === 'increment') update.increment[attribute] = numbers[i];
      else if (actions[i] === 'add') update.add[attribute] = numbers[i];
      else if (actions[i] === 'append') update.append[attribute] = [jsonValues[i]];
      else update.remove.push(attribute);
    });
    return update;
  });

describe('updateOf', () => {
  it('builds SET, REMOVE and ADD clauses with placeholders and the conditions', () => {
    // Act
    const built = updateOf({ set: { status: 'ACCEPTED' }, increment: { version: 1 }, remove: ['acceptedAt'], add: { count: 2 } }, versionIs(4));
    // Assess
    expect(built).toEqual({
      UpdateExpression: 'SET #u0 = :u0, #version = #version + :u1 REMOVE #u2 ADD #u1 :u2',
      ConditionExpression: '#version = :expectedVersion',
      ExpressionAttributeNames: { '#version': 'version', '#u0': 'status', '#u1': 'count', '#u2': 'acceptedAt' },
      ExpressionAttributeValues: { ':expectedVersion': 4, ':u0': 'ACCEPTED', ':u1': 1, ':u2': 2 },
    });
  });

  it('appends to a list that exists, beside the other clauses and under its conditions', () => {
    // Act
    const built = updateOf({ append: { steps: [{ n: 1 }] }, set: { usage: 3 } }, attributeIs('status', 'RUNNING'), sizeIs('steps', 0));
    // Assess: read back through the placeholders, whatever their spelling
    const names = built.ExpressionAttributeNames;
    const values = built.ExpressionAttributeValues as Record<string, unknown>;
    expect(parse(built.UpdateExpression, names, values)).toEqual({ set: { usage: 3 }, increment: {}, append: { steps: [{ n: 1 }] }, add: {}, remove: [] });
    expect(built.ConditionExpression).toBe('#status = :statusIs AND size(#steps) = :stepsSize');
    expect(built.UpdateExpression).toMatch(/(#\w+) = list_append\(\1, :\w+\)/);
    expect(names['#steps']).toBe('steps');
  });

  it('combines alternatives with OR in parentheses', () => {
    const built = conditionOf(attributeIs('status', 'RUNNING'), anyOf(attributeAbsent('expires'), attributeBelow('expires', 5)));
    expect(built).toEqual({
      ConditionExpression: '#status = :statusIs AND (attribute_not_exists(#expires) OR #expires < :expiresBelow)',
      ExpressionAttributeNames: { '#status': 'status', '#expires': 'expires' },
      ExpressionAttributeValues: { ':statusIs': 'RUNNING', ':expiresBelow': 5 },
    });
  });

  it('refuses an update that changes nothing or names an attribute twice', () => {
    expect(() => updateOf({})).toThrow('at least one attribute');
    expect(() => updateOf({ set: { version: 2 }, increment: { version: 1 } })).toThrow('twice');
  });

  it('refuses conditions that use one placeholder for two things', () => {
    expect(() => conditionOf(attributeIs('status', 'A'), attributeIs('status', 'B'))).toThrow(':statusIs');
  });

  it('property: names and values never collide, every placeholder is defined and used, reserved words are always aliased', () => {
    fc.assert(
      fc.property(updateArbitrary, fc.subarray([...CONDITIONS]), (update, conditions) => {
        // Act
        const built = updateOf(update, ...conditions);
        const names = built.ExpressionAttributeNames;
        const values = (built.ExpressionAttributeValues ?? {}) as Record<string, unknown>;

        // Assess: the expression reads back as exactly the update asked for (so no placeholder was reused for another thing)
        const parsed = parse(built.UpdateExpression, names, values);
        expect(parsed).toEqual({ set: update.set, increment: update.increment, append: update.append, add: update.add, remove: update.remove });
        // every condition keeps its own meaning
        for (const condition of conditions) {
          expect(names).toMatchObject(condition.names);
          expect(values).toMatchObject(condition.values ?? {});
        }
        // nothing but placeholders, keywords and operators in the expressions: no attribute name appears raw
        const text = `${built.UpdateExpression} ${built.ConditionExpression ?? ''}`;
        const rest = text.replace(/[#:]\w+/g, ' ').replace(/\b(SET|REMOVE|ADD|AND|OR|attribute_exists|attribute_not_exists|list_append|size)\b/g, ' ');
        expect(rest).toMatch(/^[\s=+<>(),]*$/);
        for (const word of RESERVED) expect(text).not.toMatch(new RegExp(`(^|[^#:\\w])${word}\\b(?!\\()`));
        // every placeholder defined is used (DynamoDB refuses unused ones)
        for (const placeholder of [...Object.keys(names), ...Object.keys(values)]) expect(text).toMatch(new RegExp(`${placeholder}\\b`));
      }),
    );
  });

  it('property: an update merged into a built one reads back as both, one clause per action, every placeholder defined and used', () => {
    fc.assert(
      fc.property(updateArbitrary, fc.nat(), fc.subarray([...CONDITIONS]), (update, cut, conditions) => {
        // Prepare: the attributes split between the caller's update and the one merged into it
        const attributes = [
          ...Object.keys(update.set),
          ...Object.keys(update.increment),
          ...Object.keys(update.append),
          ...Object.keys(update.add),
          ...update.remove,
        ];
        const at = cut % (attributes.length + 1);
        const part = (names: readonly string[]) => ({
          set: Object.fromEntries(Object.entries(update.set).filter(([name]) => names.includes(name))),
          increment: Object.fromEntries(Object.entries(update.increment).filter(([name]) => names.includes(name))),
          append: Object.fromEntries(Object.entries(update.append).filter(([name]) => names.includes(name))),
          add: Object.fromEntries(Object.entries(update.add).filter(([name]) => names.includes(name))),
          remove: update.remove.filter((name) => names.includes(name)),
        });
        const [first, second] = [part(attributes.slice(0, at)), part(attributes.slice(at))];
        fc.pre(at > 0 && at < attributes.length);

        // Act
        const merged = mergedUpdate(updateOf(first, ...conditions), second);

        // Assess
        const names = merged.ExpressionAttributeNames;
        const values = (merged.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
        expect(parse(merged.UpdateExpression, names, values)).toEqual(update);
        for (const keyword of ['SET', 'REMOVE', 'ADD']) expect(merged.UpdateExpression.split(keyword).length).toBeLessThanOrEqual(2);
        const text = `${merged.UpdateExpression} ${merged.ConditionExpression ?? ''}`;
        for (const placeholder of [...Object.keys(names), ...Object.keys(values)]) expect(text).toMatch(new RegExp(`${placeholder}\\b`));
      }),
    );
  });
});

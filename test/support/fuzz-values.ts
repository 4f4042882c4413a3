import fc from 'fast-check';

/** Any value a JSON field might be given: strings, numbers, booleans, null, arrays and small objects. */
export const anyFieldValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);

/** Text for path parameters, query values and headers: random, or one of the values that tend to break parsers. */
export const oddText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '',
    '0',
    '101',
    '-1',
    '2026-11-01T00:00:00Z',
    '2026-11',
    'agent.create',
    'x#y',
    '*',
    '"1"',
    'a'.repeat(5000),
    '%00',
    '..',
    'null',
    '01J00000000000000000000000',
    'eu-central-1',
  ),
);

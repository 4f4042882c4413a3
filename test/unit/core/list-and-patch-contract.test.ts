import { MAX_CURSOR_LENGTH } from '../../../functions/core/request-conventions';
import { ROUTES, type RouteDefinition } from '../../../functions/routes';
import { passwordSchema } from '../../../functions/users/user.schema';
import * as z from '../../../functions/core/zod';

const routes = ROUTES as readonly RouteDefinition[];
const lists = routes.filter(
  (route) =>
    route.method === 'GET' &&
    route.request.query &&
    'nextCursor' in (z.toJSONSchema(route.response, { io: 'output', unrepresentable: 'any' }).properties ?? {}),
);
const patches = routes.filter((route) => route.method === 'PATCH');

function queryOk(route: RouteDefinition, query: Record<string, string>): boolean {
  return z.safeParse(route.request.query!, query).success;
}

describe('one pagination contract on every list', () => {
  it('finds the lists of the route table', () => {
    expect(lists.map((route) => route.operationId)).toEqual(
      expect.arrayContaining([
        'listTenants',
        'listUsers',
        'listInvitations',
        'listApiKeys',
        'listAgents',
        'listMemories',
        'listAuditEntries',
        'listWorkflows',
        'listWorkflowRuns',
      ]),
    );
  });

  it.each(lists.map((route) => [route.operationId, route] as const))('%s takes limit 1-100, a bounded cursor, and no unknown parameter', (_id, route) => {
    expect(queryOk(route, { limit: '1' })).toBe(true);
    expect(queryOk(route, { limit: '100', cursor: 'abc.def' })).toBe(true);
    for (const limit of ['0', '101', '999', '-1', '1.5', 'ten', '', '007']) expect(queryOk(route, { limit })).toBe(false);
    for (const cursor of ['', 'no-dot', 'a.b.c', `${'a'.repeat(MAX_CURSOR_LENGTH)}.b`]) expect(queryOk(route, { cursor })).toBe(false);
    expect(queryOk(route, { unknown: 'x' })).toBe(false);
  });

  it.each(lists.map((route) => [route.operationId, route] as const))('%s documents limit as an integer 1-100 and cursor with its bound', (_id, route) => {
    const schema = z.toJSONSchema(route.request.query!, { io: 'input', unrepresentable: 'any' }) as {
      properties: Record<string, Record<string, unknown>>;
      additionalProperties?: unknown;
    };
    expect(schema.properties.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(schema.properties.cursor).toMatchObject({ type: 'string', maxLength: MAX_CURSOR_LENGTH });
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('one PATCH rule', () => {
  it.each(patches.map((route) => [route.operationId, route] as const))('%s refuses an empty object', (_id, route) => {
    expect(z.safeParse(route.request.body!, {}).success).toBe(false);
  });
});

describe('the password rule as one pattern', () => {
  const pattern = new RegExp((z.toJSONSchema(passwordSchema, { io: 'input' }) as { pattern: string }).pattern, 'u');

  it.each([
    'Correct-Horse-9-Battery',
    'Abcdefghij1!',
    'lower UPPER 9 ~ok',
    'correct-horse-9-battery',
    'CORRECT-HORSE-9',
    'Correct-Horse-Battery',
    'CorrectHorse9Battery',
    ' Correct-Horse-9-Battery',
    'Correct-Horse-9-Battery ',
  ])('the documented pattern and the server agree on %j', (password) => {
    const server = passwordSchema.safeParse(password).success;
    expect(pattern.test(password) && password.length >= 12).toBe(server);
  });
});

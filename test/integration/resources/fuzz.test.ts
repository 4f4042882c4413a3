import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { ROUTES, routesOf } from '../../../functions/routes';
import { createTableInput, localDynamoDbClient } from '../../../local/bootstrap';
import { emulatorEndpoints } from '../../support/emulators';
import { resourceFixture, tenantAdmin, type Group, type ResourceFixture } from '../../support/resources';
import { anyFieldValue, oddText } from '../../support/fuzz-values';

/**
 * Fuzz: fast-check bodies, queries, headers and path parameters for every route of the agents, memories, usage and
 * audit groups. Bad input gets a 4xx problem, never a 5xx, and a rejected request changes no item and no counter
 * (the table is this file's own, so a Scan sees every item).
 */
const GROUPS: Group[] = ['agents', 'memories', 'usage', 'audit'];
const TABLE = `fuzz-${process.pid}-${Date.now()}`;
let fixture: ResourceFixture;
let tenantId: string;
let agentId: string;
let memoryId: string;

beforeAll(async () => {
  const client = localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, 'eu-central-1');
  await client.send(new CreateTableCommand(createTableInput(TABLE)));
  client.destroy();
  fixture = resourceFixture({ tableName: TABLE });
  tenantId = await fixture.createTenant('free');
  agentId = (
    await fixture.call('agents', 'POST', '/v1/tenants/{tenantId}/agents', { pathParameters: { tenantId }, body: { name: 'a', modelId: 'local.echo' } })
  ).json.agentId;
  memoryId = (
    await fixture.call('memories', 'POST', '/v1/tenants/{tenantId}/agents/{agentId}/memories', {
      pathParameters: { tenantId, agentId },
      body: { content: 'c' },
    })
  ).json.memoryId;
});

afterAll(async () => {
  fixture.close();
  const client = localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, 'eu-central-1');
  await client.send(new DeleteTableCommand({ TableName: TABLE }));
  client.destroy();
});

async function snapshot(): Promise<string> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await fixture.raw.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return JSON.stringify(items.map((item) => JSON.stringify(item)).sort());
}

const bodyArb = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.record(
    { name: anyFieldValue, modelId: anyFieldValue, instructions: anyFieldValue, tools: anyFieldValue, status: anyFieldValue, extra: anyFieldValue },
    { requiredKeys: [] },
  ),
  fc.record({ content: anyFieldValue, metadata: anyFieldValue, tags: anyFieldValue, expiresAt: anyFieldValue, extra: anyFieldValue }, { requiredKeys: [] }),
);
const queryArb = fc.dictionary(fc.constantFrom('limit', 'cursor', 'tag', 'from', 'to', 'order', 'action', 'actor', 'target', 'period', 'x'), oddText, {
  maxKeys: 4,
});
const headersArb = fc.record(
  {
    'If-Match': fc.oneof(oddText, fc.constantFrom('"1"', '"2"', '*', 'W/"1"')),
    'Idempotency-Key': oddText,
    'Content-Type': fc.constantFrom('application/json', 'text/plain'),
  },
  { requiredKeys: [] },
);

describe('fuzz: bad input to agents, memories, usage and audit', () => {
  const routes = GROUPS.flatMap((group) => routesOf(group));

  it('covers every route of the four groups', () => {
    expect(routes.map((r) => r.operationId).sort()).toEqual(
      ROUTES.filter((r) => (GROUPS as string[]).includes(r.group))
        .map((r) => r.operationId)
        .sort(),
    );
  });

  it.each(routes.map((route) => [route.operationId, route] as const))(
    '%s answers 4xx, never 5xx, and a rejection changes nothing',
    async (_id, route) => {
      const pathArb = fc.record({
        agentId: fc.oneof(fc.constant(agentId), fc.constant(agentId), oddText),
        memoryId: fc.oneof(fc.constant(memoryId), fc.constant(memoryId), oddText),
      });
      await fc.assert(
        fc.asyncProperty(pathArb, queryArb, headersArb, bodyArb, async (ids, query, headers, body) => {
          const before = await snapshot();
          const pathParameters: Record<string, string> = { tenantId };
          if (route.path.includes('{agentId}')) pathParameters.agentId = ids.agentId;
          if (route.path.includes('{memoryId}')) pathParameters.memoryId = ids.memoryId;
          const result = await fixture.call(route.group as Group, route.method, route.path, {
            pathParameters,
            query,
            headers,
            ...(route.request && 'body' in route.request ? { body } : {}),
            auth: tenantAdmin(tenantId),
          });
          expect(result.statusCode).toBeLessThan(500);
          if (result.statusCode >= 400) {
            expect(result.headers?.['content-type']).toBe('application/problem+json');
            expect(await snapshot()).toBe(before);
          }
        }),
        { numRuns: 60 },
      );
    },
    120_000,
  );
});

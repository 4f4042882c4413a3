import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/data/clients';
import * as keys from '../functions/data/table-keys';
import type { MemberAccessLookup } from '../functions/identity/member-access';
import { createIsolation } from '../functions/isolation/tenant-db';
import { MemberRepository } from '../functions/users/member.repository';
import { bootstrapTables, localDynamoDbClient } from '../local/bootstrap';
import { startDynamoDbLocal } from '../local/dynamodb';
import { LOCAL_TABLE_NAME, useLocalCredentials } from '../local/platform.config';
import { freePort } from '../local/ports';

/**
 * What the authorizer's member-record check costs, on DynamoDB Local through the tenant-scoped client: two
 * consistent GetItems (the sub item, then the member), paid once per credential and ACCESS_CACHE_SECONDS, when API
 * Gateway's authorizer result cache misses; a hit costs nothing (`npm run bench -- gateway` prints the hit rate).
 */
const REGION = 'eu-central-1';
const TENANT = 'bench-members';
const REQUESTS = 500;

async function meanMs(lookup: MemberAccessLookup, subs: readonly string[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    if (!(await lookup.bySub(TENANT, subs[i % subs.length]))) throw new Error('member not found');
  }
  return (performance.now() - started) / REQUESTS;
}

export async function run(): Promise<void> {
  useLocalCredentials();
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  const raw = createDocumentClient(localDynamoDbClient(dynamo.endpoint, REGION));
  const isolation = createIsolation({ AWS_REGION: REGION, TABLE_NAME: LOCAL_TABLE_NAME, DYNAMODB_ENDPOINT: dynamo.endpoint, DATA_CREDENTIALS: 'local' });
  try {
    await bootstrapTables({ endpoint: dynamo.endpoint, regions: [REGION], tableName: LOCAL_TABLE_NAME });
    const subs = Array.from({ length: 20 }, (_, i) => `sub-${i}`);
    for (const [i, sub] of subs.entries()) {
      const userId = `01JBENCH${String(i).padStart(18, '0')}`;
      const member = {
        tenantId: TENANT,
        userId,
        email: `u${i}@bench.example`,
        role: 'member',
        sub,
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        version: 1,
      };
      await raw.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: { ...keys.user(TENANT, userId), ...member } }));
      await raw.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: { ...keys.userSub(TENANT, sub), userId } }));
    }
    const members = new MemberRepository((id) => isolation.forTenant(id), LOCAL_TABLE_NAME);
    const source: MemberAccessLookup = {
      bySub: async (tenantId, sub) => {
        const member = await members.findBySub(tenantId, sub);
        return member && { memberId: member.userId, role: member.role };
      },
      byId: async () => undefined,
    };
    await meanMs(source, subs); // warm-up: connections, credentials
    const check = await meanMs(source, subs);
    console.log('member-record check per authorizer invocation (DynamoDB Local, tenant-scoped client, 20 members)');
    console.log(`  ${check.toFixed(3)} ms mean over ${REQUESTS} checks; once per credential and ACCESS_CACHE_SECONDS (a cache hit skips it)`);
  } finally {
    isolation.destroy();
    raw.destroy();
    await dynamo.stop();
  }
}

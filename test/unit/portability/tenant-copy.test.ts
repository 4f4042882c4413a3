import * as fc from 'fast-check';
import { agentCollectionKeys } from '../../../functions/agents/agent.repository';
import { agentKind } from '../../../functions/agents/agent.kind';
import type { DataKind } from '../../../functions/data/data-kind';
import * as keys from '../../../functions/data/table-keys';
import { TABLE_SCHEMA } from '../../../functions/data/table.schema';
import { memoryKind } from '../../../functions/memories/memory.kind';
import { rekeyed, unstamped } from '../../../functions/portability/tenant-copy';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { toolKind } from '../../../functions/tools/tool.kind';
import { workflowKind } from '../../../functions/workflows/workflow.kind';

const { byCollection } = TABLE_SCHEMA.indexes;
const tenantId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,12}$/);
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
const memoryId = fc.stringMatching(/^[0-9A-Z]{26}$/);
const createdAt = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((date) => date.toISOString());

/** Items of each copied kind as their repositories store them in a tenant, keys built by the key builders. */
const STORED: Record<string, (tenant: string, ids: { id: string; memoryId: string; createdAt: string }) => Record<string, unknown>> = {
  agent: (tenant, { id, createdAt }) => ({ ...keys.agent(tenant, id), ...agentCollectionKeys(tenant, createdAt, id), agentId: id, name: `T#${tenant}#x` }),
  memory: (tenant, { id, memoryId }) => ({ ...keys.memory(tenant, id, memoryId), memoryId, agentId: id, content: 'says T#nobody#' }),
  workflow: (tenant, { id, createdAt }) => ({
    ...keys.workflow(tenant, id),
    [byCollection.partitionKey]: keys.workflowsByCreated(tenant),
    [byCollection.sortKey]: keys.workflowsByCreatedSortKey(createdAt, id),
    workflowId: id,
  }),
  tool: (tenant, { id }) => ({ ...toolKind.itemKey?.(tenant, id), toolId: id }),
};
const KINDS: Record<string, DataKind> = { agent: agentKind, memory: memoryKind, workflow: workflowKind, tool: toolKind };

describe('copying content between tenants', () => {
  it('copies exactly the content kinds; a copied kind with a parent comes after it in the catalogue', () => {
    // Act
    const copied = TENANT_DATA_CATALOGUE.filter((kind) => kind.crossTenant !== 'omit');

    // Assess
    expect(copied.map((kind) => kind.name)).toEqual(['agent', 'memory', 'workflow', 'tool']);
    expect(copied.every((kind) => kind.retention === 'content')).toBe(true);
    for (const kind of copied) {
      const parent = kind.crossTenant !== 'omit' ? kind.crossTenant.parent : undefined;
      if (parent) expect(copied.findIndex((other) => other.name === parent.kind)).toBeLessThan(copied.indexOf(kind));
    }
  });

  it('moves an item of every copied kind to exactly the item the target tenant would store (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(STORED)), tenantId, tenantId, id, memoryId, createdAt, (kind, from, to, itemId, memory, time) => {
        fc.pre(from !== to);
        const ids = { id: itemId, memoryId: memory, createdAt: time };
        const source = STORED[kind](from, ids);
        const expected = { ...STORED[kind](to, ids), ...(kind === 'agent' ? { name: `T#${from}#x` } : {}) };

        expect(rekeyed(KINDS[kind], source, from, to)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an item whose keys would still name the source', () => {
    // Prepare: a sort key that embeds the source's prefix
    const item = { ...keys.agent('acme', 'a1'), [byCollection.partitionKey]: keys.agentsByCreated('acme'), [byCollection.sortKey]: 'BY#T#acme#a1' };

    // Act / Assess
    expect(() => rekeyed(agentKind, item, 'acme', 'globex')).toThrow('does not move to tenant globex');
  });

  it("takes the source's retention stamp off and gives an item its own expiry back", () => {
    // Prepare
    const { ttlAttribute: TTL, retainedSinceAttribute: SINCE, ownExpiryAttribute: OWN } = TABLE_SCHEMA;

    // Act / Assess: stamped with its own expiry, stamped without, and never stamped
    expect(unstamped({ pk: 'p', [SINCE]: 10, [OWN]: 99, [TTL]: 50 })).toEqual({ pk: 'p', [TTL]: 99 });
    expect(unstamped({ pk: 'p', [SINCE]: 10, [TTL]: 50 })).toEqual({ pk: 'p' });
    expect(unstamped({ pk: 'p', [TTL]: 77 })).toEqual({ pk: 'p', [TTL]: 77 });
  });
});

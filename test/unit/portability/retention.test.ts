import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as keys from '../../../functions/data/table-keys';
import { CatalogueRetention, DAY_SECONDS, expiringKinds, RETENTION_SETTINGS_CACHE_MS } from '../../../functions/portability/retention';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { auditEntryKind } from '../../../functions/audit/audit.kind';

const TENANT = 'acme';

/** A client that answers every GetItem with the tenant's settings and counts the calls. */
function settingsClient(item: Record<string, unknown> | undefined) {
  const calls: string[] = [];
  const db = {
    send: async (command: { constructor: { name: string } }) => {
      calls.push(command.constructor.name);
      return { Item: item };
    },
  } as unknown as DynamoDBDocumentClient;
  return { db: () => db, calls };
}

const settings = { ...keys.complianceSettings(TENANT), retention: { content: 30 }, updatedAt: '2026-12-01T00:00:00.000Z', version: 1 };

describe('retention on write', () => {
  it('reads no settings for writes of kinds a period never deletes', async () => {
    // Prepare
    const client = settingsClient(settings);
    const retention = new CatalogueRetention({ db: client.db, tableName: 't', catalogue: TENANT_DATA_CATALOGUE });

    // Act
    const stamps = await retention.stamps(TENANT, 1_000, [keys.agent(TENANT, 'a1'), keys.quotaCounter(TENANT, 'agents')]);

    // Assess
    expect(stamps).toEqual([undefined, undefined]);
    expect(client.calls).toEqual([]);
  });

  it('reads the settings once per tenant per cache lifetime, and stamps the period of the kind’s class', async () => {
    // Prepare
    let now = 0;
    const client = settingsClient(settings);
    const retention = new CatalogueRetention({ db: client.db, tableName: 't', catalogue: TENANT_DATA_CATALOGUE, clock: () => now });
    const memory = keys.memory(TENANT, 'a1', 'm1');

    // Act: 100 writes within the cache's lifetime, one after it
    for (let i = 0; i < 100; i++) await retention.stamps(TENANT, 1_000, [memory]);
    now += RETENTION_SETTINGS_CACHE_MS + 1;
    const [stamp] = await retention.stamps(TENANT, 1_000, [memory, keys.agent(TENANT, 'a1')]);

    // Assess
    expect(client.calls).toEqual(['GetCommand', 'GetCommand']);
    expect(stamp).toEqual({ since: 1_000, until: 1_000 + 30 * DAY_SECONDS, held: false });
  });

  it('gives no TTL under a legal hold', async () => {
    const hold = { reason: 'litigation', placedAt: '2026-12-01T00:00:00.000Z', placedBy: 'platform-admin:ops' };
    const client = settingsClient({ ...settings, legalHold: hold });
    const retention = new CatalogueRetention({ db: client.db, tableName: 't', catalogue: TENANT_DATA_CATALOGUE });
    expect(await retention.stamps(TENANT, 5, [keys.memory(TENANT, 'a1', 'm1')])).toEqual([{ since: 5, until: 5 + 30 * DAY_SECONDS, held: true }]);
  });

  it('refuses a catalogue whose audit kind would expire: the hash chain needs every entry', () => {
    expect(() => expiringKinds([...TENANT_DATA_CATALOGUE, { ...auditEntryKind, expiry: 'sweep' }])).toThrow('audit chain');
    expect(expiringKinds(TENANT_DATA_CATALOGUE).every((kind) => kind.retention !== 'audit')).toBe(true);
  });
});

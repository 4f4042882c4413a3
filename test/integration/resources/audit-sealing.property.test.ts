import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { SEALED_LANE } from '../../../functions/audit/audit-chain';
import { AuditRepository } from '../../../functions/audit/audit.repository';
import { CursorCodec } from '../../../functions/data/cursor';
import * as keys from '../../../functions/data/table-keys';
import { resourceFixture } from '../../support/resources';

/**
 * Sealing: changes write their audit entries pending, from several containers at once; verify reports them unsealed
 * with the age of the oldest; sealers running at the same time link every entry exactly once, in id order, into a
 * chain that verifies; and editing, deleting or reordering any sealed entry makes verify fail at that entry.
 */
const fixture = resourceFixture({ containers: 2 });
afterAll(() => fixture.close());

const cursors = new CursorCodec('audit-sealing-test-cursor-secret-32c');
const repository = (tenantId: string, clock: () => number = Date.now) =>
  new AuditRepository({ db: fixture.isolation.forTenant(tenantId), tableName: fixture.tableName, tenantId, cursors, clock });

async function writeEntries(tenantId: string, count: number): Promise<string[]> {
  const entries = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      fixture.executors[i % fixture.executors.length].record(tenantId, {
        actor: `user:u-${i % 3}`,
        action: 'agent.update',
        target: `agent/a${i}`,
        requestId: `r-${i}`,
        change: { i },
      }),
    ),
  );
  return entries.map((entry) => entry.id);
}

const laneItems = (tenantId: string) =>
  fixture.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.auditLanePartition(tenantId, SEALED_LANE) } });

describe('audit sealing', () => {
  it('reports unsealed entries with their age, seals them once and in order under concurrent sealers, and detects any tampered sealed entry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 30 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom('edit', 'delete', 'swap'),
        fc.constantFrom('id', 'time', 'actor', 'target', 'digest', 'prevHash', 'hash', 'seq'),
        fc.nat(),
        async (count, sealers, tamper, field, pick) => {
          // Prepare: entries written at once by two containers, none sealed yet.
          const tenantId = await fixture.createTenant('team');
          const ids = await writeEntries(tenantId, count);
          const writtenBy = Date.now();

          // Act: verify a minute later, then seal with several sealers at once.
          const before = await repository(tenantId, () => writtenBy + 60_000).verify();
          const results = await Promise.all(Array.from({ length: sealers }, () => fixture.seal(tenantId)));
          const sealed = await laneItems(tenantId);
          const after = await repository(tenantId).verify();

          // Assess: reported with their age, then each sealed once, in id order, and the chain verifies.
          expect(before).toMatchObject({ valid: true, entries: 0, unsealed: { entries: count } });
          expect(before.unsealed.oldestAgeSeconds).toBeGreaterThanOrEqual(60);
          expect(results.reduce((sum, result) => sum + result.sealed, 0)).toBe(count);
          expect(sealed.map((item) => item.id)).toEqual([...ids].sort());
          expect(sealed.map((item) => item.seq)).toEqual(ids.map((_, i) => i + 1));
          expect(after).toMatchObject({ valid: true, entries: count, unsealed: { entries: 0 } });
          expect(after.unsealed.oldestAgeSeconds).toBeUndefined();

          // Tamper with one sealed entry: verify fails at that entry.
          const k = pick % sealed.length;
          const item = sealed[k];
          let expectedSeq = k + 1;
          if (tamper === 'edit') {
            const value = item[field];
            const edited = typeof value === 'number' ? value + 1 : field === 'time' ? new Date(Date.parse(String(value)) + 1).toISOString() : `${value}0`;
            await fixture.raw.send(new PutCommand({ TableName: fixture.tableName, Item: { ...item, [field]: edited } }));
          } else if (tamper === 'delete') {
            await fixture.raw.send(new DeleteCommand({ TableName: fixture.tableName, Key: { pk: item.pk, sk: item.sk } }));
          } else {
            const j = k === sealed.length - 1 ? k - 1 : k + 1;
            const other = sealed[j];
            await fixture.raw.send(new PutCommand({ TableName: fixture.tableName, Item: { ...other, pk: item.pk, sk: item.sk } }));
            await fixture.raw.send(new PutCommand({ TableName: fixture.tableName, Item: { ...item, pk: other.pk, sk: other.sk } }));
            expectedSeq = Math.min(k, j) + 1;
          }
          const tampered = await repository(tenantId).verify();
          expect(tampered.valid).toBe(false);
          expect(tampered.firstBroken).toMatchObject({ lane: SEALED_LANE, seq: expectedSeq });
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('goes on from the head: entries written after a sealing are linked after the sealed ones', async () => {
    const tenantId = await fixture.createTenant('team');
    const first = await writeEntries(tenantId, 3);
    await fixture.seal(tenantId);
    const second = await writeEntries(tenantId, 4);
    expect((await repository(tenantId).verify()).unsealed.entries).toBe(4);
    const result = await fixture.seal(tenantId);
    const sealed = await laneItems(tenantId);
    expect(result).toMatchObject({ sealed: 4, head: { seq: 7 } });
    expect(sealed.map((item) => item.id)).toEqual([...[...first].sort(), ...[...second].sort()]);
    expect(await repository(tenantId).verify()).toMatchObject({ valid: true, entries: 7, unsealed: { entries: 0 } });
    expect(await fixture.seal(tenantId)).toMatchObject({ sealed: 0, head: { seq: 7 } });
  });
});

import fc from 'fast-check';
import {
  EMPTY_HEAD,
  GENESIS_HASH,
  hashOf,
  pendingEntry,
  sealEntry,
  verifyLane,
  type AuditEntry,
  type AuditEvent,
  type ChainHead,
} from '../../../functions/audit/audit-chain';
import { timeOrderedId } from '../../../functions/data/ids';

const eventArb = fc.record({
  actor: fc.constantFrom('user:u-1', 'user:u-2', 'api-key:k-1', 'platform-admin:p-1'),
  action: fc.constantFrom('agent.create', 'agent.update', 'memory.create', 'memory.delete'),
  target: fc.string({ minLength: 1, maxLength: 20 }),
  requestId: fc.uuid(),
  change: fc.jsonValue(),
});

function chain(tenantId: string, lane: number, events: AuditEvent[]): { entries: AuditEntry[]; head: ChainHead } {
  let head = EMPTY_HEAD;
  const entries: AuditEntry[] = [];
  let ms = Date.parse('2026-11-01T00:00:00.000Z');
  for (const event of events) {
    ms += 1000;
    const entry = sealEntry(pendingEntry(tenantId, timeOrderedId(ms), new Date(ms).toISOString(), event), lane, head);
    entries.push(entry);
    head = { seq: entry.seq, hash: entry.hash, time: entry.time };
  }
  return { entries, head };
}

describe('audit hash chain', () => {
  it('starts every lane at the genesis hash and links each entry to the previous one', () => {
    // Act
    const { entries } = chain('acme', 0, [
      { actor: 'user:u', action: 'agent.create', target: 'agent/a', requestId: 'r1', change: { a: 1 } },
      { actor: 'user:u', action: 'agent.delete', target: 'agent/a', requestId: 'r2', change: {} },
    ]);
    // Assess
    expect(entries[0]).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(entries[1].prevHash).toBe(entries[0].hash);
    expect(entries[1].hash).toBe(hashOf(entries[1]));
  });

  it('property: an untouched lane verifies', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 20 }), (events) => {
        const { entries, head } = chain('acme', 2, events);
        expect(verifyLane('acme', 2, entries, head)).toBeUndefined();
      }),
    );
  });

  it('property: editing, deleting or swapping any single entry breaks the lane at that entry', () => {
    const fields = ['id', 'time', 'actor', 'action', 'target', 'requestId', 'digest', 'prevHash', 'hash'] as const;
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 2, maxLength: 12 }),
        fc.nat(),
        fc.constantFrom('edit', 'delete', 'swap'),
        fc.constantFrom(...fields),
        (events, at, tamper, field) => {
          const { entries, head } = chain('acme', 0, events);
          const i = at % entries.length;
          const stored = [...entries];
          if (tamper === 'edit') {
            const value = stored[i][field];
            stored[i] = { ...stored[i], [field]: field === 'time' ? '2027-01-01T00:00:00.000Z' : `${value}x` };
          } else if (tamper === 'delete') stored.splice(i, 1);
          else {
            const j = i === stored.length - 1 ? i - 1 : i + 1;
            [stored[i], stored[j]] = [stored[j], stored[i]];
          }
          const broken = verifyLane('acme', 0, stored, head);
          const expected = tamper === 'swap' ? Math.min(i, i === stored.length - 1 ? i - 1 : i + 1) + 1 : i + 1;
          expect(broken?.seq).toBe(expected);
        },
      ),
    );
  });

  it("refuses another tenant's entries even with valid hashes", () => {
    const { entries, head } = chain('globex', 0, [{ actor: 'user:u', action: 'a.b', target: 't', requestId: 'r', change: 1 }]);
    expect(verifyLane('acme', 0, entries, head)?.reason).toBe('wrong-tenant');
  });

  it('hashes an entry sealed before ids existed as it was hashed then', () => {
    const { entries } = chain('acme', 0, [{ actor: 'user:u', action: 'a.b', target: 't', requestId: 'r', change: 1 }]);
    const { id: _id, ...withoutId } = entries[0];
    expect(hashOf(withoutId)).not.toBe(entries[0].hash);
    expect(verifyLane('acme', 0, [{ ...withoutId, hash: hashOf(withoutId) }], { seq: 1, hash: hashOf(withoutId), time: '' })).toBeUndefined();
  });
});

import * as keys from '../../../functions/data/table-keys';
import { invoicingScope, scopeAllows } from '../../../functions/isolation/tenant-guard';

describe('invoicing scope', () => {
  const scope = invoicingScope('acme', 'eu-central-1');

  it("allows the tenant's keys with the region's invoice counter in one request", () => {
    expect(scopeAllows([keys.invoice('acme', '2026-11').pk, keys.invoiceNumbers('eu-central-1').pk], scope)).toBe(true);
  });

  it.each([
    ['another region counter', keys.invoiceNumbers('us-east-1').pk],
    ['another tenant', keys.invoice('globex', '2026-11').pk],
    ['a directory entry', keys.tenantDirectory('acme').pk],
    ['a longer tenant id', keys.invoice('acme2', '2026-11').pk],
  ])('refuses %s', (_name, key) => {
    expect(scopeAllows([keys.invoice('acme', '2026-11').pk, key], scope)).toBe(false);
  });
});

import type { Logger } from '../core/logger';
import { heldMove } from '../tenants/tenant-move';
import type { Invoice } from './invoice.schema';
import type { PaymentService } from './payment.service';
import type { PeriodCloseService } from './period-close.service';

/** A tenant of the directory as the region's close sees it. */
export interface BilledTenant {
  readonly tenantId: string;
  readonly region: string;
  readonly status: string;
  /** A migration moving the tenant to another region (its changes are held until the move ends). */
  readonly moving?: { readonly to: string };
}

/** Statuses whose tenants are invoiced: serving, or suspended (a suspension does not stop the subscription). */
const INVOICED_STATUSES: ReadonlySet<string> = new Set(['ACTIVE', 'SUSPENDED']);

export interface RegionCloseOptions {
  readonly region: string;
  /** Every tenant of the directory, page by page. */
  readonly tenants: () => AsyncIterable<readonly BilledTenant[]>;
  readonly periods: Pick<PeriodCloseService, 'close'>;
  readonly payments: Pick<PaymentService, 'suspendIfOverdue'>;
  readonly logger?: Pick<Logger, 'error'>;
}

/** What one run of the region's close did. */
export interface RegionCloseReport {
  readonly tenants: number;
  readonly issued: readonly Pick<Invoice, 'tenantId' | 'invoiceId' | 'number' | 'total' | 'currency'>[];
  readonly suspended: readonly string[];
  readonly failed: readonly { readonly tenantId: string; readonly reason: string }[];
}

/**
 * One run of the region's period close (the schedule in AWS, a timer and the CLI locally): closes the ended periods
 * of every tenant homed here and suspends those past their grace days. A tenant that fails is reported and left for
 * the next run (closing is idempotent); the others go on.
 */
export async function closeRegion(options: RegionCloseOptions, requestId: string): Promise<RegionCloseReport> {
  const report = {
    tenants: 0,
    issued: [] as RegionCloseReport['issued'][number][],
    suspended: [] as string[],
    failed: [] as RegionCloseReport['failed'][number][],
  };
  for await (const page of options.tenants()) {
    for (const tenant of page) {
      if (tenant.region !== options.region || !INVOICED_STATUSES.has(tenant.status)) continue;
      report.tenants += 1;
      const move = heldMove(tenant);
      if (move) {
        // Its changes are held: the next run in its new region closes its periods (closing catches up on every ended one).
        report.failed.push({ tenantId: tenant.tenantId, reason: `the tenant is moving to ${move.to}: its periods close at the next run there` });
        continue;
      }
      try {
        const invoices = await options.periods.close(tenant.tenantId, requestId);
        report.issued.push(...invoices.map(({ tenantId, invoiceId, number, total, currency }) => ({ tenantId, invoiceId, number, total, currency })));
        if (await options.payments.suspendIfOverdue(tenant.tenantId, requestId)) report.suspended.push(tenant.tenantId);
      } catch (error) {
        options.logger?.error('period close failed for a tenant', { tenantId: tenant.tenantId, error: error as Error });
        report.failed.push({ tenantId: tenant.tenantId, reason: (error as Error).message });
      }
    }
  }
  return report;
}

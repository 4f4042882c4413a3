import type { RunQueue } from './run.queue';
import type { LeasedRun, RedriveCutoffs, RunRepository } from './run.repository';

export interface RunSweeperDeps {
  /** The tenants whose runs this region executes (homed here, not deleted). */
  readonly tenants: () => AsyncIterable<string>;
  /** The runs of a tenant, over its scoped client. */
  readonly runsOf: (tenantId: string) => Pick<RunRepository, 'openRunsCreatedBefore' | 'claimRedrive'>;
  readonly queue: RunQueue;
  /** See DEFAULT_REDRIVE_AFTER_MS. */
  readonly redriveAfterMs: number;
  /**
   * The run lease, which equals the queue's visibility timeout: a message that reached a worker comes back at most
   * this long after, so a RUNNING run is only sent again once its last delivery is older than this plus the bound.
   */
  readonly leaseMs: number;
  /** Told of a tenant whose runs could not be swept (the others are). @default nothing */
  readonly onTenantError?: (tenantId: string, error: unknown) => void;
  /** @default Date.now */
  readonly clock?: () => number;
}

export interface SweepReport {
  readonly tenants: number;
  /** Open runs looked at (created before the cutoff). */
  readonly examined: number;
  /** Runs whose message was sent again. */
  readonly redriven: number;
  readonly failedTenants: number;
}

/**
 * Sends a message again for runs no message will reach: a QUEUED run whose start stopped between its transaction and
 * its message, or a RUNNING run whose worker stopped and whose message is gone. Runs on a schedule (EventBridge in
 * AWS, a timer locally). Each send is claimed first with a conditional write on the run, so sweepers running at
 * once send one message; a message sent for a run that moved on meanwhile is harmless, because the worker acts only
 * through the run's status and lease.
 */
export class RunSweeper {
  private readonly clock: () => number;

  constructor(private readonly deps: RunSweeperDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async sweep(): Promise<SweepReport> {
    const report = { tenants: 0, examined: 0, redriven: 0, failedTenants: 0 };
    for await (const tenantId of this.deps.tenants()) {
      report.tenants += 1;
      try {
        const swept = await this.sweepTenant(tenantId);
        report.examined += swept.examined;
        report.redriven += swept.redriven;
      } catch (error) {
        report.failedTenants += 1;
        this.deps.onTenantError?.(tenantId, error);
      }
    }
    return report;
  }

  private async sweepTenant(tenantId: string): Promise<{ examined: number; redriven: number }> {
    const now = this.clock();
    const runs = this.deps.runsOf(tenantId);
    const open = await runs.openRunsCreatedBefore(now - this.deps.redriveAfterMs);
    let redriven = 0;
    for (const leased of open) {
      const cutoffs = redriveCutoffs(leased.run.status, now, this.deps);
      if (!isStuck(leased, cutoffs) || !(await runs.claimRedrive(leased, now, cutoffs))) continue;
      await this.deps.queue.enqueue({ tenantId, workflowId: leased.run.workflowId, runId: leased.run.runId });
      redriven += 1;
    }
    return { examined: open.length, redriven };
  }
}

/**
 * A QUEUED run is stuck when no message reached it for the bound (a waiting run is marked delivered more often); a
 * RUNNING one when its lease ended the bound ago and its last delivery is older than a message's visibility timeout
 * (the lease) plus the bound: a message that had reached a worker would have come back and taken the run over.
 */
export function redriveCutoffs(status: string, nowMs: number, bounds: Pick<RunSweeperDeps, 'redriveAfterMs' | 'leaseMs'>): RedriveCutoffs {
  const cutoff = nowMs - bounds.redriveAfterMs;
  return { deliveredBeforeMs: status === 'RUNNING' ? cutoff - bounds.leaseMs : cutoff, leaseEndedBeforeMs: cutoff };
}

/** Whether the run read meets its cutoffs (the claim checks them again, conditionally). */
export function isStuck({ run, lease, deliveredAtMs }: LeasedRun, cutoffs: RedriveCutoffs): boolean {
  const delivered = deliveredAtMs ?? Date.parse(run.createdAt);
  if (run.status === 'QUEUED') return delivered < cutoffs.deliveredBeforeMs;
  if (run.status === 'RUNNING') return (lease?.expiresAtMs ?? 0) < cutoffs.leaseEndedBeforeMs && delivered < cutoffs.deliveredBeforeMs;
  return false;
}

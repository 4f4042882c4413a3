import type { RunQueue } from './run.queue';
import type { LeasedRun, RunRepository } from './run.repository';

export interface RunSweeperDeps {
  /** The tenants whose runs this region executes (homed here, not deleted). */
  readonly tenants: () => AsyncIterable<string>;
  /** The runs of a tenant, over its scoped client. */
  readonly runsOf: (tenantId: string) => Pick<RunRepository, 'openRunsCreatedBefore' | 'claimRedrive'>;
  readonly queue: RunQueue;
  /** See DEFAULT_REDRIVE_AFTER_MS. */
  readonly redriveAfterMs: number;
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
    const cutoff = now - this.deps.redriveAfterMs;
    const runs = this.deps.runsOf(tenantId);
    const open = await runs.openRunsCreatedBefore(cutoff);
    let redriven = 0;
    for (const leased of open.filter((candidate) => isStuck(candidate, cutoff))) {
      if (!(await runs.claimRedrive(leased, now, cutoff))) continue;
      await this.deps.queue.enqueue({ tenantId, workflowId: leased.run.workflowId, runId: leased.run.runId });
      redriven += 1;
    }
    return { examined: open.length, redriven };
  }
}

/** No message reached the run since the cutoff, and (RUNNING) its worker's lease ended before it. */
export function isStuck({ run, lease, deliveredAtMs }: LeasedRun, cutoffMs: number): boolean {
  const delivered = deliveredAtMs ?? Date.parse(run.createdAt);
  if (run.status === 'QUEUED') return delivered < cutoffMs;
  if (run.status === 'RUNNING') return (lease?.expiresAtMs ?? 0) < cutoffMs && delivered < cutoffMs;
  return false;
}

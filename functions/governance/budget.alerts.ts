import type { AuditPort } from '../data/mutation.executor';
import type { Mailer } from '../users/mailer';
import type { MemberRepository } from '../users/member.repository';
import { scopeLabel, type BudgetScope } from './budget.ledger';

/** A threshold of a budget reached in a period: told once, to the tenant's admins and on its event stream. */
export interface BudgetAlert {
  readonly tenantId: string;
  readonly period: string;
  readonly scope: Pick<BudgetScope, 'kind' | 'id'>;
  /** Percent of the budget. */
  readonly threshold: number;
  readonly budgetCents: number;
  readonly spentMicros: number;
  /** True when the alert is the budget refusing a call (100 %), not settled spend reaching a threshold. */
  readonly exhausted: boolean;
  readonly at: string;
}

/** Where budget alerts go. */
export interface BudgetAlertSink {
  notify(alert: BudgetAlert): Promise<void>;
}

/** The audit target of a budget scope: `budget/tenant`, `budget/agent/<id>`, `budget/api-key/<id>`. */
export function budgetTarget(scope: Pick<BudgetScope, 'kind' | 'id'>): string {
  return scope.kind === 'tenant' ? 'budget/tenant' : `budget/${scope.kind}/${scope.id}`;
}

export interface TenantAdminAlertSinkOptions {
  /** The tenant's audit log: its event stream, read by the console and by `GET /audit`. */
  readonly audit: Pick<AuditPort, 'record'>;
  readonly members: Pick<MemberRepository, 'list'>;
  readonly mailer: Mailer;
}

/** Tells a tenant's admins by mail and records the alert in the tenant's audit log (its event stream). */
export class TenantAdminAlertSink implements BudgetAlertSink {
  constructor(private readonly options: TenantAdminAlertSinkOptions) {}

  async notify(alert: BudgetAlert): Promise<void> {
    await this.options.audit.record(alert.tenantId, {
      actor: 'system:budget',
      action: alert.exhausted ? 'budget.exhausted' : 'budget.threshold',
      target: budgetTarget(alert.scope),
      requestId: `budget-${alert.period}-${alert.threshold}`,
      change: alert,
    });
    const dollars = (alert.spentMicros / 1e6).toFixed(2);
    const budget = (alert.budgetCents / 100).toFixed(2);
    const subject = alert.exhausted
      ? `Budget exhausted: ${scopeLabel(alert.scope)} (${alert.period})`
      : `Budget ${alert.threshold}% reached: ${scopeLabel(alert.scope)} (${alert.period})`;
    const text = `The ${scopeLabel(alert.scope)} budget of USD ${budget} for ${alert.period} has USD ${dollars} spent (${alert.threshold}% threshold).`;
    for (const email of await this.adminEmails(alert.tenantId)) {
      await this.options.mailer.send({
        to: email,
        subject,
        text,
        data: { kind: 'budget-alert', tenantId: alert.tenantId, period: alert.period, threshold: String(alert.threshold), scope: scopeLabel(alert.scope) },
      });
    }
  }

  private async adminEmails(tenantId: string): Promise<string[]> {
    const emails: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.options.members.list(tenantId, 100, start);
      emails.push(...page.items.filter((member) => member.role === 'tenant-admin').map((member) => member.email));
      start = page.lastEvaluatedKey;
    } while (start);
    return emails;
  }
}

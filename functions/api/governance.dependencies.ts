import type { Logger } from '../core/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditPort } from '../data/mutation.executor';
import { TenantAdminAlertSink } from '../governance/budget.alerts';
import { BudgetLedger } from '../governance/budget.ledger';
import { BudgetRepository, CachedBudgetPolicySource } from '../governance/budget.repository';
import { budgetAdmission } from '../governance/budget.service';
import { BudgetedModelProvider } from '../governance/budgeted.model-provider';
import { modelPriceOf } from '../governance/budget.pricing';
import type { ModelProvider } from '../models/model-provider';
import type { PlanSource } from '../quotas/plan.source';
import type { Mailer } from '../users/mailer';
import { MemberRepository } from '../users/member.repository';

export interface GovernanceWiring {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly plans: PlanSource;
  readonly audit: Pick<AuditPort, 'record'>;
  readonly mailer: Mailer;
  readonly logger: Logger;
  /** The region whose prices apply. */
  readonly region: string;
  /** How long a tenant's budget policy is cached per container. @default 5 s */
  readonly policyTtlMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** The admission check of new runs alone (the API starts runs; the run consumer makes the model calls). */
export function budgetAdmissionOf(wiring: Pick<GovernanceWiring, 'db' | 'tableName' | 'policyTtlMs' | 'clock'>) {
  const ledger = new BudgetLedger({ db: wiring.db, tableName: wiring.tableName });
  const policies = new CachedBudgetPolicySource(new BudgetRepository(wiring.db, wiring.tableName), wiring.policyTtlMs);
  return budgetAdmission({ policies, ledger, ...(wiring.clock ? { clock: wiring.clock } : {}) });
}

/**
 * The budget enforcement of a function instance: the provider wrapped so every model call is reserved and settled
 * against the tenant's budgets, and the admission check of new runs.
 */
export function budgetGovernance(wiring: GovernanceWiring, inner: ModelProvider) {
  const ledger = new BudgetLedger({ db: wiring.db, tableName: wiring.tableName });
  const policies = new CachedBudgetPolicySource(new BudgetRepository(wiring.db, wiring.tableName), wiring.policyTtlMs);
  const provider = new BudgetedModelProvider({
    inner,
    policies,
    ledger,
    alerts: new TenantAdminAlertSink({ audit: wiring.audit, members: new MemberRepository(wiring.db, wiring.tableName), mailer: wiring.mailer }),
    priceOf: (modelId) => modelPriceOf(wiring.region, modelId),
    allowedModels: async (tenantId) => (await wiring.plans.planOf(tenantId)).models,
    onAlertError: (error) => wiring.logger.error('budget alert failed', { error: error as Error }),
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
  return { provider, ledger, policies, admission: budgetAdmission({ policies, ledger, ...(wiring.clock ? { clock: wiring.clock } : {}) }) };
}

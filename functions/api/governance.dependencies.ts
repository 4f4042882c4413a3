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
import type { CredentialSecretStore } from '../governance/credential-store';
import { CredentialedModelProvider } from '../governance/credentialed.model-provider';
import { GovernedModelProvider } from '../governance/governed.model-provider';
import { ActiveCredentialSource, ModelCredentialRepository } from '../governance/model-credential.repository';
import { allowedModelsOf, CachedModelPolicySource, ModelPolicyRepository, type ModelPolicySource } from '../governance/model-policy.repository';

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
export function budgetGovernance(wiring: GovernanceWiring, inner: ModelProvider, modelPolicies?: ModelPolicySource) {
  const ledger = new BudgetLedger({ db: wiring.db, tableName: wiring.tableName });
  const policies = new CachedBudgetPolicySource(new BudgetRepository(wiring.db, wiring.tableName), wiring.policyTtlMs);
  const tenantPolicies = modelPolicies ?? new CachedModelPolicySource(new ModelPolicyRepository(wiring.db, wiring.tableName), wiring.policyTtlMs);
  const provider = new BudgetedModelProvider({
    inner,
    policies,
    ledger,
    alerts: new TenantAdminAlertSink({ audit: wiring.audit, members: new MemberRepository(wiring.db, wiring.tableName), mailer: wiring.mailer }),
    priceOf: (modelId) => modelPriceOf(wiring.region, modelId),
    allowedModels: async (tenantId) => {
      const [plan, policy] = await Promise.all([wiring.plans.planOf(tenantId), tenantPolicies.policyOf(tenantId)]);
      return allowedModelsOf(plan, policy);
    },
    ownKeyBilledPercent: async (tenantId) => (await wiring.plans.planOf(tenantId)).ownKeyBilledPercent,
    onAlertError: (error) => wiring.logger.error('budget alert failed', { error: error as Error }),
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
  return { provider, ledger, policies, admission: budgetAdmission({ policies, ledger, ...(wiring.clock ? { clock: wiring.clock } : {}) }) };
}

/**
 * The whole model governance of a function instance that makes model calls, outermost first: the tenant's model
 * policy (allow-list, guardrail, own credential named), its budgets (reserve, settle, fall back), then its own
 * credential's secret put in, then `inner` (the configured provider, observed).
 */
export function modelGovernance(wiring: GovernanceWiring & { readonly credentialStore: CredentialSecretStore }, inner: ModelProvider) {
  const modelPolicies = new CachedModelPolicySource(new ModelPolicyRepository(wiring.db, wiring.tableName), wiring.policyTtlMs);
  const credentialed = new CredentialedModelProvider({
    inner,
    store: wiring.credentialStore,
    ...(wiring.policyTtlMs !== undefined ? { ttlMs: wiring.policyTtlMs } : {}),
    onRetireError: (error) => wiring.logger.error('retiring a previous credential version failed', { error: error as Error }),
  });
  const budgets = budgetGovernance(wiring, credentialed, modelPolicies);
  const provider = new GovernedModelProvider({
    inner: budgets.provider,
    plans: wiring.plans,
    policies: modelPolicies,
    credentials: new ActiveCredentialSource(new ModelCredentialRepository(wiring.db, wiring.tableName), wiring.policyTtlMs),
    audit: wiring.audit,
    onAuditError: (error) => wiring.logger.error('recording a guardrail block failed', { error: error as Error }),
  });
  return { ...budgets, provider };
}

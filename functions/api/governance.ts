import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler } from '../core/http';
import { etagOf } from '../core/request-conventions';
import { mutationContextOf, toOperationResult } from '../data/mutation.context';
import { BudgetLedger } from '../governance/budget.ledger';
import { BudgetRepository } from '../governance/budget.repository';
import { BUDGET_ROUTES } from '../governance/budget.routes';
import type { BudgetPolicy } from '../governance/budget.schema';
import { BudgetService } from '../governance/budget.service';
import type { RequestFor } from '../routes';
import { createResourceDependencies, lazyHandler, type ResourceDependencies, tenantSignalsOf } from './dependencies';

/** A tenant's spend budgets. */
export function createHandler(config: RuntimeConfig, deps: ResourceDependencies = createResourceDependencies(config, 'governance')) {
  const budgets = new BudgetService({
    budgets: new BudgetRepository(deps.db, deps.tableName),
    ledger: new BudgetLedger({ db: deps.db, tableName: deps.tableName }),
    plans: deps.plans,
    mutations: deps.executor,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const presentPolicy = (policy: BudgetPolicy) => ({ status: 200, body: policy, headers: { etag: etagOf(policy.version) } });
  return createGroupHandler({
    tenantSignals: tenantSignalsOf(config),
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: BUDGET_ROUTES,
    tenantGate: deps.tenantGate,
    operations: {
      getBudget: async ({ path }: RequestFor<'getBudget'>) => {
        const status = await budgets.status(path.tenantId);
        return { body: status, headers: { etag: etagOf(status.policy.version) } };
      },
      setBudget: async (request: RequestFor<'setBudget'>) => toOperationResult(await budgets.set(request.body, mutationContextOf(request), presentPolicy)),
      deleteBudget: async (request: RequestFor<'deleteBudget'>) => toOperationResult(await budgets.remove(mutationContextOf(request))),
    },
  });
}

export const handler = lazyHandler(createHandler);

import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler } from '../core/http';
import { etagOf } from '../core/request-conventions';
import { mutationContextOf, toOperationResult } from '../data/mutation.context';
import { BudgetLedger } from '../governance/budget.ledger';
import { BudgetRepository } from '../governance/budget.repository';
import { GOVERNANCE_ROUTES } from '../governance/governance.routes';
import type { BudgetPolicy } from '../governance/budget.schema';
import { BudgetService } from '../governance/budget.service';
import type { CredentialSecretStore } from '../governance/credential-store';
import { ModelCredentialRepository } from '../governance/model-credential.repository';
import { ModelCredentialService } from '../governance/model-credential.service';
import { ModelPolicyRepository } from '../governance/model-policy.repository';
import type { ModelPolicy } from '../governance/model-policy.schema';
import { ModelPolicyService } from '../governance/model-policy.service';
import type { RequestFor } from '../routes';
import { credentialStoreOf } from './credential-store.dependencies';
import { createResourceDependencies, lazyHandler, type ResourceDependencies, tenantSignalsOf } from './dependencies';

const presented = <T extends { version: number }>(value: T) => ({ status: 200, body: value, headers: { etag: etagOf(value.version) } });

/** The operations of a tenant's model policy and own model credentials. */
function modelGovernanceOperations(deps: ResourceDependencies, store: CredentialSecretStore) {
  const clock = deps.clock ? { clock: deps.clock } : {};
  const policies = new ModelPolicyService({
    policies: new ModelPolicyRepository(deps.db, deps.tableName),
    plans: deps.plans,
    mutations: deps.executor,
    ...clock,
  });
  const credentials = new ModelCredentialService({
    credentials: new ModelCredentialRepository(deps.db, deps.tableName),
    store,
    mutations: deps.executor,
    onSecretLeft: (error, secret) => deps.logger.warn('credential secret left for the purge', { ...secret, error: error as Error }),
    ...clock,
  });
  return {
    getModelPolicy: async ({ path }: RequestFor<'getModelPolicy'>) => presented(await policies.get(path.tenantId)),
    setModelPolicy: async (request: RequestFor<'setModelPolicy'>) =>
      toOperationResult(await policies.set(request.body, mutationContextOf(request), presented<ModelPolicy>)),
    deleteModelPolicy: async (request: RequestFor<'deleteModelPolicy'>) => toOperationResult(await policies.remove(mutationContextOf(request))),
    listModelCredentials: async ({ path }: RequestFor<'listModelCredentials'>) => ({ body: { items: await credentials.list(path.tenantId) } }),
    createModelCredential: async (request: RequestFor<'createModelCredential'>) =>
      toOperationResult(await credentials.create(mutationContextOf(request), request.body)),
    getModelCredential: async ({ path }: RequestFor<'getModelCredential'>) => presented(await credentials.get(path.tenantId, path.credentialId)),
    rotateModelCredential: async (request: RequestFor<'rotateModelCredential'>) =>
      toOperationResult(await credentials.rotate(mutationContextOf(request), request.path.credentialId, request.body)),
    deleteModelCredential: async (request: RequestFor<'deleteModelCredential'>) =>
      toOperationResult(await credentials.remove(mutationContextOf(request), request.path.credentialId)),
  };
}

/** A tenant's spend budgets, model policy and own model credentials. */
export function createHandler(
  config: RuntimeConfig,
  deps: ResourceDependencies = createResourceDependencies(config, 'governance'),
  store: CredentialSecretStore = credentialStoreOf(config),
) {
  const budgets = new BudgetService({
    budgets: new BudgetRepository(deps.db, deps.tableName),
    ledger: new BudgetLedger({ db: deps.db, tableName: deps.tableName }),
    plans: deps.plans,
    mutations: deps.executor,
    tenantModels: async (tenantId) => (await new ModelPolicyRepository(deps.db, deps.tableName).get(tenantId))?.allowedModels,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const presentPolicy = (policy: BudgetPolicy) => ({ status: 200, body: policy, headers: { etag: etagOf(policy.version) } });
  return createGroupHandler({
    tenantSignals: tenantSignalsOf(config),
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: GOVERNANCE_ROUTES,
    tenantGate: deps.tenantGate,
    operations: {
      getBudget: async ({ path }: RequestFor<'getBudget'>) => {
        const status = await budgets.status(path.tenantId);
        return { body: status, headers: { etag: etagOf(status.policy.version) } };
      },
      setBudget: async (request: RequestFor<'setBudget'>) => toOperationResult(await budgets.set(request.body, mutationContextOf(request), presentPolicy)),
      deleteBudget: async (request: RequestFor<'deleteBudget'>) => toOperationResult(await budgets.remove(mutationContextOf(request))),
      ...modelGovernanceOperations(deps, store),
    },
  });
}

export const handler = lazyHandler(createHandler);

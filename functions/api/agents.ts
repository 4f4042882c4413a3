import { AgentRepository } from '../agents/agent.repository';
import { AgentService } from '../agents/agent.service';
import type { Agent } from '../agents/agent.schema';
import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler } from '../core/http';
import { etagOf } from '../core/request-conventions';
import { mutationContextOf, toOperationResult } from '../data/mutation.context';
import { AGENT_ROUTES } from '../agents/agent.routes';
import type { RequestFor } from '../routes';
import { referenceCheck } from '../resource.catalogue';
import { kindOperations, kindRoutes } from '../resource-api.catalogue';
import { ModelPolicyRepository } from '../governance/model-policy.repository';
import { createResourceDependencies, lazyHandler, type ResourceDependencies, tenantSignalsOf } from './dependencies';

/** Agents: create (quota-checked), read, list, update and delete (optimistic locking), all audited. */
export function createHandler(config: RuntimeConfig, deps: ResourceDependencies = createResourceDependencies(config, 'agents')) {
  const modelPolicies = new ModelPolicyRepository(deps.db, deps.tableName);
  const agents = new AgentService({
    executor: deps.executor,
    agents: (tenantId) => new AgentRepository({ db: deps.db(tenantId), tableName: deps.tableName, tenantId, cursors: deps.cursors }),
    plans: deps.plans,
    references: referenceCheck,
    tenantModels: async (tenantId) => (await modelPolicies.get(tenantId))?.allowedModels,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const present = (tenantId: string, status: number) => (agent: Agent) => ({
    status,
    body: agent,
    headers: {
      etag: etagOf(agent.version),
      ...(status === 201 ? { location: `/v1/tenants/${tenantId}/agents/${agent.agentId}` } : {}),
    },
  });
  return createGroupHandler({
    tenantSignals: tenantSignalsOf(config),
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    // The resource kinds served with agents (see resource-api.catalogue.ts) bring their routes and operations.
    routes: [...AGENT_ROUTES, ...kindRoutes('agents')],
    tenantGate: deps.tenantGate,
    operations: {
      listAgents: async ({ path, query }: RequestFor<'listAgents'>) => ({ body: await agents.list(path.tenantId, query) }),
      createAgent: async (request: RequestFor<'createAgent'>) =>
        toOperationResult(await agents.create(mutationContextOf(request), request.body, present(request.path.tenantId, 201))),
      getAgent: async ({ path }: RequestFor<'getAgent'>) => {
        const agent = await agents.get(path.tenantId, path.agentId);
        return { body: agent, headers: { etag: etagOf(agent.version) } };
      },
      updateAgent: async (request: RequestFor<'updateAgent'>) =>
        toOperationResult(await agents.update(mutationContextOf(request), request.path.agentId, request.body, present(request.path.tenantId, 200))),
      deleteAgent: async (request: RequestFor<'deleteAgent'>) => toOperationResult(await agents.delete(mutationContextOf(request), request.path.agentId)),
      ...kindOperations('agents', deps),
    },
  });
}

export const handler = lazyHandler(createHandler);

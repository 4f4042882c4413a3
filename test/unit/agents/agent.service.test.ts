import type { AgentRepository } from '../../../functions/agents/agent.repository';
import type { Agent } from '../../../functions/agents/agent.schema';
import { AgentService } from '../../../functions/agents/agent.service';
import { PLANS, type PlanId } from '../../../functions/billing/plan.catalogue';
import { ModelNotAllowedError } from '../../../functions/core/errors';
import { toProblem } from '../../../functions/core/problem';
import type { MutationExecutor } from '../../../functions/data/mutation.executor';

const context = { tenantId: 'acme', actor: 'user:u-1', requestId: 'r-1' };
const present = (agent: Agent) => ({ status: 201, body: agent });
const stored: Agent = {
  agentId: 'a-1',
  name: 'Helper',
  modelId: 'amazon.nova-lite-v1:0',
  instructions: '',
  tools: [],
  toolIds: [],
  status: 'ACTIVE',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  version: 1,
};

/** A service over a tenant on the plan, with an executor that records what it is asked to write. */
function serviceOn(plan: PlanId) {
  const executed: unknown[] = [];
  const executor: Pick<MutationExecutor, 'execute' | 'findReplay'> = {
    execute: async (mutation) => {
      executed.push(mutation);
      return { replayed: false, entry: {} as never };
    },
    findReplay: async () => undefined,
  };
  const agents = () => ({ get: async () => stored }) as unknown as AgentRepository;
  const service = new AgentService({ executor, agents, plans: { planOf: async () => PLANS[plan] }, clock: () => Date.parse('2026-12-01T00:00:00Z') });
  return { service, executed };
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("AgentService: models of the tenant's plan", () => {
  it('creates an agent whose model is on the plan', async () => {
    // Prepare
    const { service, executed } = serviceOn('free');
    // Act
    await service.create(context, { name: 'Helper', modelId: 'amazon.nova-micro-v1:0' }, present);
    // Assess
    expect(executed).toHaveLength(1);
  });

  it('refuses to create an agent whose model is not on the plan, with a 422 model-not-allowed, and writes nothing', async () => {
    // Prepare
    const { service, executed } = serviceOn('free');
    // Act
    const error = await failureOf(service.create(context, { name: 'Big', modelId: 'anthropic.claude-3-haiku-20240307-v1:0' }, present));
    // Assess
    expect(error).toBeInstanceOf(ModelNotAllowedError);
    expect(toProblem(error)).toMatchObject({ status: 422, code: 'model-not-allowed', plan: 'free', modelId: 'anthropic.claude-3-haiku-20240307-v1:0' });
    expect(executed).toEqual([]);
  });

  it('refuses an update that sets a model outside the plan, and writes nothing', async () => {
    // Prepare
    const { service, executed } = serviceOn('team');
    // Act
    const error = await failureOf(service.update(context, 'a-1', { modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0' }, present));
    // Assess
    expect(error).toBeInstanceOf(ModelNotAllowedError);
    expect(executed).toEqual([]);
  });

  it('lets an update that names no model through, whatever the plan', async () => {
    // Prepare: the stored agent's model is on the free plan; the rename must not depend on it either way
    const { service, executed } = serviceOn('free');
    // Act
    await service.update(context, 'a-1', { name: 'Renamed' }, present);
    // Assess
    expect(executed).toHaveLength(1);
  });
});

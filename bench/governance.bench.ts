import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { putBenchTenant } from './bench-tenant';
import { createDocumentClient } from '../functions/data/clients';
import * as keys from '../functions/data/table-keys';
import { BudgetLedger } from '../functions/governance/budget.ledger';
import { modelPriceOf } from '../functions/governance/budget.pricing';
import { BudgetRepository, CachedBudgetPolicySource } from '../functions/governance/budget.repository';
import type { BudgetPolicy } from '../functions/governance/budget.schema';
import { BudgetedModelProvider } from '../functions/governance/budgeted.model-provider';
import { GovernedModelProvider } from '../functions/governance/governed.model-provider';
import { ActiveCredentialSource, ModelCredentialRepository } from '../functions/governance/model-credential.repository';
import { CachedModelPolicySource, ModelPolicyRepository } from '../functions/governance/model-policy.repository';
import { createIsolation } from '../functions/isolation/tenant-db';
import { CachedPlanSource } from '../functions/quotas/plan.source';
import type { ModelInvocation, ModelProvider } from '../functions/models/model-provider';
import { bootstrapTables, localDynamoDbClient } from '../local/bootstrap';
import { startDynamoDbLocal } from '../local/dynamodb';
import { LOCAL_TABLE_NAME, useLocalCredentials } from '../local/platform.config';
import { freePort } from '../local/ports';

/**
 * What a spend budget adds to a run step on DynamoDB Local: the reservation (one conditional UpdateItem) before the
 * model call and the settlement (one UpdateItem) after it, with the tenant's policy cached. The model answers at
 * once, so the figures are the budget's own cost per step; DynamoDB calls are counted on the tenant-scoped client.
 */
const REGION = 'eu-central-1';
const STEPS = 300;
const IN_FLIGHT = 16;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

const instant: ModelProvider = {
  name: 'local',
  invoke: async () => ({ output: 'ok', usage: { inputTokens: 120, outputTokens: 80 } }),
};

const invocation = (tenantId: string, i: number): ModelInvocation => ({
  modelId: 'amazon.nova-lite-v1:0',
  instructions: 'Be brief.',
  input: `step ${i}: summarise the quarter`,
  maxOutputTokens: 2_048,
  metadata: { tenantId, agentId: 'a1', runId: `r${i}` },
});

async function timed(provider: ModelProvider, tenantId: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const started = performance.now();
    await provider.invoke(invocation(tenantId, i));
    times.push(performance.now() - started);
  }
  return times;
}

export async function run(): Promise<void> {
  useLocalCredentials();
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  try {
    await bootstrapTables({ endpoint: dynamo.endpoint, regions: [REGION], tableName: LOCAL_TABLE_NAME });
    const isolation = createIsolation({ AWS_REGION: REGION, TABLE_NAME: LOCAL_TABLE_NAME, DYNAMODB_ENDPOINT: dynamo.endpoint, DATA_CREDENTIALS: 'local' });
    const raw = createDocumentClient(localDynamoDbClient(dynamo.endpoint, REGION));
    const counts = new Map<string, number>();
    const seen = new WeakSet<object>();
    const db = (tenantId: string) => {
      const client = isolation.forTenant(tenantId);
      if (!seen.has(client)) {
        seen.add(client);
        client.middlewareStack.add(
          (next, context) => async (args) => {
            const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
            counts.set(name, (counts.get(name) ?? 0) + 1);
            return next(args);
          },
          { step: 'initialize', name: 'benchCallCounter' },
        );
      }
      return client;
    };
    const tenantId = 'bench-governance';
    const policy: BudgetPolicy = {
      currency: 'USD',
      monthlyCents: 1_000_00,
      thresholds: [50, 80, 100],
      onExhausted: { action: 'block' },
      agents: {},
      apiKeys: {},
      version: 1,
      updatedAt: new Date().toISOString(),
      updatedBy: 'bench',
    };
    await raw.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: { ...keys.budgetPolicy(tenantId), ...policy } }));
    const budgeted = new BudgetedModelProvider({
      inner: instant,
      policies: new CachedBudgetPolicySource(new BudgetRepository(db, LOCAL_TABLE_NAME)),
      ledger: new BudgetLedger({ db, tableName: LOCAL_TABLE_NAME }),
      alerts: { notify: async () => undefined },
      priceOf: (modelId) => modelPriceOf(REGION, modelId),
      allowedModels: async () => [],
    });

    const baseline = await timed(instant, tenantId);
    counts.clear();
    const withBudget = await timed(budgeted, tenantId);
    const calls = [...counts.entries()].map(([name, n]) => `${name} ${(n / STEPS).toFixed(2)}`).join(', ');
    console.log(`governance: budget per run step (${STEPS} sequential steps, policy cached, DynamoDB Local)`);
    console.log(`  without budget  p50 ${percentile(baseline, 50).toFixed(3)} ms  p99 ${percentile(baseline, 99).toFixed(3)} ms`);
    console.log(`  with budget     p50 ${percentile(withBudget, 50).toFixed(2)} ms  p99 ${percentile(withBudget, 99).toFixed(2)} ms`);
    console.log(`  added per step  p50 ${(percentile(withBudget, 50) - percentile(baseline, 50)).toFixed(2)} ms; DynamoDB calls per step: ${calls}`);

    // The model governance around it (allow-list, guardrail, own credential), each read cached per tenant for 5 s.
    await putBenchTenant(raw, tenantId, REGION);
    const governed = new GovernedModelProvider({
      inner: budgeted,
      plans: new CachedPlanSource({ db, tableName: LOCAL_TABLE_NAME }),
      policies: new CachedModelPolicySource(new ModelPolicyRepository(db, LOCAL_TABLE_NAME)),
      credentials: new ActiveCredentialSource(new ModelCredentialRepository(db, LOCAL_TABLE_NAME)),
      audit: { record: async () => Promise.reject(new Error('no block expected')) },
    });
    counts.clear();
    const withGovernance = await timed(governed, tenantId);
    const governedCalls = [...counts.entries()].map(([name, n]) => `${name} ${(n / STEPS).toFixed(2)}`).join(', ');
    console.log(
      `  with model governance too  p50 ${percentile(withGovernance, 50).toFixed(2)} ms  p99 ${percentile(withGovernance, 99).toFixed(2)} ms; DynamoDB calls per step: ${governedCalls}`,
    );

    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < STEPS) await budgeted.invoke(invocation(tenantId, next++));
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `  ${IN_FLIGHT} steps in flight on one tenant's budget: ${(STEPS / seconds).toFixed(0)} steps/s (every step reserves and settles on one ledger item)`,
    );
    isolation.destroy();
    raw.destroy();
  } finally {
    await dynamo.stop();
  }
}

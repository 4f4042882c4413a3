import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { MICROS_PER_CENT } from '../../../functions/billing/budget-limits.catalogue';
import { PLANS, type PlanId } from '../../../functions/billing/plan.catalogue';
import type { ModelPrice } from '../../../functions/billing/pricing.catalogue';
import { BudgetExhaustedError } from '../../../functions/core/errors';
import * as keys from '../../../functions/data/table-keys';
import type { BudgetAlert } from '../../../functions/governance/budget.alerts';
import { BudgetLedger, scopeLabel, type BudgetScope } from '../../../functions/governance/budget.ledger';
import { costMicros, estimateMicros } from '../../../functions/governance/budget.pricing';
import { BudgetRepository, CachedBudgetPolicySource } from '../../../functions/governance/budget.repository';
import type { BudgetPolicy } from '../../../functions/governance/budget.schema';
import { BudgetedModelProvider, scopesOf } from '../../../functions/governance/budgeted.model-provider';
import { ModelInvocationError, type ModelInvocation, type ModelProvider, type ModelResult } from '../../../functions/models/model-provider';
import { resourceFixture } from '../../support/resources';

/**
 * The budget property: random concurrent model calls (run steps) of several tenants, with random prices, token
 * counts, budgets per tenant and agent, block or fallback policies and failing calls, over two months, against
 * DynamoDB Local through the tenant-scoped clients. Afterwards, for every budget:
 *
 * - spend never passes the cap by more than one in-flight step's estimate (and no reservation is left behind),
 * - spend equals the sum of the costs of the steps that settled on it,
 * - each threshold's alert went out exactly once in a month where spend reached it, never twice, and the 100 %
 *   alert exactly once where the budget refused or diverted a call,
 * - a call only ever went to the model it asked for or to the policy's fallback, and only when the tenant may run it.
 */
const fixture = resourceFixture();
afterAll(() => fixture.close());
const db = (tenantId: string) => fixture.isolation.forTenant(tenantId);
const ledger = new BudgetLedger({ db, tableName: fixture.tableName });
const repository = new BudgetRepository(db, fixture.tableName);

const PERIODS = [Date.parse('2026-11-15T12:00:00Z'), Date.parse('2026-12-15T12:00:00Z')];
const EXPENSIVE = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const MID = 'amazon.nova-pro-v1:0';
const CHEAP = 'amazon.nova-micro-v1:0';
const MODELS = [EXPENSIVE, MID, CHEAP] as const;
const AGENTS = ['a1', 'a2'] as const;

interface TenantSpec {
  readonly plan: PlanId;
  readonly monthlyCents: number;
  readonly agentCents?: number;
  readonly onExhausted: BudgetPolicy['onExhausted'];
}

interface StepSpec {
  readonly tenant: number;
  readonly period: number;
  readonly agent: number;
  readonly model: number;
  readonly inputChars: number;
  readonly maxOutputTokens: number;
  /** Share of the input and output bound the provider reports using. */
  readonly inputShare: number;
  readonly outputShare: number;
  readonly fails: boolean;
}

const priceArb: fc.Arbitrary<ModelPrice> = fc.record({
  inputPer1k: fc.integer({ min: 1, max: 3_000 }).map((n) => n / 1e6),
  outputPer1k: fc.integer({ min: 1, max: 15_000 }).map((n) => n / 1e6),
});
const tenantArb: fc.Arbitrary<TenantSpec> = fc.record(
  {
    plan: fc.constantFrom<PlanId>('free', 'team', 'enterprise'),
    monthlyCents: fc.integer({ min: 0, max: 12 }),
    agentCents: fc.integer({ min: 0, max: 6 }),
    onExhausted: fc.oneof(
      fc.constant({ action: 'block' as const }),
      fc.constantFrom(...MODELS).map((modelId) => ({ action: 'fallback' as const, modelId })),
    ),
  },
  { requiredKeys: ['plan', 'monthlyCents', 'onExhausted'] },
);
const stepArb = (tenants: number): fc.Arbitrary<StepSpec> =>
  fc.record({
    tenant: fc.nat({ max: tenants - 1 }),
    period: fc.nat({ max: PERIODS.length - 1 }),
    agent: fc.nat({ max: AGENTS.length - 1 }),
    model: fc.nat({ max: MODELS.length - 1 }),
    inputChars: fc.integer({ min: 1, max: 4_000 }),
    maxOutputTokens: fc.integer({ min: 1, max: 4_096 }),
    // Often the whole bound: the edge where concurrent calls would together pass the cap.
    inputShare: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    outputShare: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    fails: fc.boolean().map((b) => b && Math.random() < 0.3),
  });

/** A provider that answers after a short random delay with the token counts the step prescribes. */
class ScriptedProvider implements ModelProvider {
  readonly name = 'local' as const;
  readonly calls: { tenantId: string; modelId: string; runId: string }[] = [];
  constructor(private readonly script: Map<string, StepSpec>) {}

  async invoke(invocation: ModelInvocation): Promise<ModelResult> {
    const step = this.script.get(invocation.metadata?.runId ?? '')!;
    this.calls.push({ tenantId: invocation.metadata?.tenantId ?? '', modelId: invocation.modelId, runId: invocation.metadata?.runId ?? '' });
    await new Promise((done) => setTimeout(done, Math.random() * 5));
    if (step.fails) throw new ModelInvocationError('scripted failure');
    const inputBound = Buffer.byteLength(invocation.input) + Buffer.byteLength(invocation.instructions);
    return {
      output: 'ok',
      usage: { inputTokens: Math.floor(inputBound * step.inputShare), outputTokens: Math.floor((invocation.maxOutputTokens ?? 0) * step.outputShare) },
    };
  }
}

function policyOf(spec: TenantSpec): BudgetPolicy {
  return {
    currency: 'USD',
    monthlyCents: spec.monthlyCents,
    thresholds: [50, 80, 100],
    onExhausted: spec.onExhausted,
    agents: spec.agentCents === undefined ? {} : { a1: spec.agentCents },
    apiKeys: {},
    version: 1,
    updatedAt: '2026-01-01T00:00:00.000Z',
    updatedBy: 'test',
  };
}

const scopeKey = (tenantId: string, period: string, scope: Pick<BudgetScope, 'kind' | 'id'>) => `${tenantId} ${period} ${scopeLabel(scope)}`;

let refusals = 0;
let fallbacks = 0;

describe('property: budgets hold under concurrent model calls', () => {
  it('keeps spend within the cap, equal to the settled steps, alerts once per threshold and period, and falls back only to allowed models', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tenantArb, { minLength: 2, maxLength: 3 }),
        fc.tuple(priceArb, priceArb, priceArb),
        fc.integer({ min: 1, max: 1_000 }).chain((seed) => fc.array(stepArb(3), { minLength: 5, maxLength: 32 }).map((steps) => ({ seed, steps }))),
        async (specs, prices, { steps: rawSteps }) => {
          const steps = rawSteps.map((step) => ({ ...step, tenant: step.tenant % specs.length }));
          const tenantIds = await Promise.all(specs.map(() => fixture.createTenant('free')));
          const policies = specs.map(policyOf);
          for (const [i, tenantId] of tenantIds.entries()) {
            await fixture.raw.send(new PutCommand({ TableName: fixture.tableName, Item: { ...keys.budgetPolicy(tenantId), ...policies[i] } }));
          }
          const priceOf = (modelId: string) => prices[MODELS.indexOf(modelId as (typeof MODELS)[number])];
          const allowed = (tenantId: string) => PLANS[specs[tenantIds.indexOf(tenantId)].plan].models;
          const alerts: BudgetAlert[] = [];
          const script = new Map(steps.map((step, i) => [`step-${i}`, step]));
          const inner = new ScriptedProvider(script);
          const providers = PERIODS.map(
            (time) =>
              new BudgetedModelProvider({
                inner,
                policies: new CachedBudgetPolicySource(repository, 0),
                ledger,
                alerts: { notify: async (alert) => void alerts.push(alert) },
                priceOf,
                allowedModels: async (tenantId) => allowed(tenantId),
                clock: () => time,
              }),
          );

          const outcomes = await Promise.all(
            steps.map(async (step, i) => {
              const invocation: ModelInvocation = {
                modelId: MODELS[step.model],
                instructions: '',
                input: 'x'.repeat(step.inputChars),
                maxOutputTokens: step.maxOutputTokens,
                metadata: { tenantId: tenantIds[step.tenant], agentId: AGENTS[step.agent], runId: `step-${i}` },
              };
              try {
                const result = await providers[step.period].invoke(invocation);
                return { step, invocation, result };
              } catch (error) {
                return { step, invocation, error };
              }
            }),
          );

          // Fallback picks only allowed models, and only the policy's.
          for (const outcome of outcomes) {
            const tenantId = tenantIds[outcome.step.tenant];
            const used = outcome.result?.modelId;
            if (used === undefined) continue;
            const policy = policies[outcome.step.tenant].onExhausted;
            expect(policy.action === 'fallback' && policy.modelId === used).toBe(true);
            expect(allowed(tenantId)).toContain(used);
          }
          for (const call of inner.calls) {
            const spec = specs[tenantIds.indexOf(call.tenantId)];
            const asked = outcomes.some((o) => tenantIds[o.step.tenant] === call.tenantId && o.invocation.modelId === call.modelId);
            const fallback =
              spec.onExhausted.action === 'fallback' && spec.onExhausted.modelId === call.modelId && allowed(call.tenantId).includes(call.modelId);
            expect(asked || fallback).toBe(true);
          }

          // Expected spend per budget and month: the sum of the settled steps' costs.
          const expected = new Map<string, number>();
          const diverted = new Set<string>();
          let maxEstimate = 0;
          for (const outcome of outcomes) {
            const tenantId = tenantIds[outcome.step.tenant];
            const period = new Date(PERIODS[outcome.step.period]).toISOString().slice(0, 7);
            const scopes = scopesOf(policies[outcome.step.tenant], outcome.invocation.metadata);
            for (const modelId of MODELS) maxEstimate = Math.max(maxEstimate, estimateMicros(priceOf(modelId), outcome.invocation));
            const refused = outcome.error instanceof ModelInvocationError && outcome.error.cause instanceof BudgetExhaustedError;
            // Diverted to the fallback: seen by the provider even when the fallback call then failed.
            const fellBack = inner.calls.some((call) => call.runId === outcome.invocation.metadata?.runId && call.modelId !== outcome.invocation.modelId);
            if (refused) refusals += 1;
            if (fellBack) fallbacks += 1;
            if (refused || fellBack) for (const scope of scopes) diverted.add(scopeKey(tenantId, period, scope));
            if (!outcome.result) continue;
            const cost = costMicros(priceOf(outcome.result.modelId ?? outcome.invocation.modelId), outcome.result.usage);
            for (const scope of scopes) expected.set(scopeKey(tenantId, period, scope), (expected.get(scopeKey(tenantId, period, scope)) ?? 0) + cost);
          }

          for (const [t, tenantId] of tenantIds.entries()) {
            for (const time of PERIODS) {
              const period = new Date(time).toISOString().slice(0, 7);
              for (const scope of scopesOf(policies[t], { agentId: 'a1' })) {
                const key = scopeKey(tenantId, period, scope);
                const state = await ledger.read(tenantId, period, scope);
                expect(state.committedMicros).toBe(state.spentMicros);
                expect(state.spentMicros).toBe(expected.get(key) ?? 0);
                if (scope.kind === 'tenant') expect(Object.values(state.by.model).reduce((sum, micros) => sum + micros, 0)).toBe(state.spentMicros);
                expect(state.spentMicros).toBeLessThanOrEqual(scope.capMicros + maxEstimate);
                // Tighter, since estimates bound what the provider can report: spend never passes the cap at all.
                expect(state.spentMicros).toBeLessThanOrEqual(scope.capMicros);
                const told = alerts.filter((a) => scopeKey(a.tenantId, a.period, a.scope) === key);
                for (const threshold of [50, 80]) {
                  const reached = state.steps > 0 && state.spentMicros * 100 >= scope.capMicros * threshold;
                  expect(told.filter((a) => a.threshold === threshold).length).toBe(reached ? 1 : 0);
                }
                const full = told.filter((a) => a.threshold === 100).length;
                expect(full).toBeLessThanOrEqual(1);
                if (state.spentMicros >= scope.capMicros && state.steps > 0) expect(full).toBe(1);
                if (full === 1) expect(state.spentMicros >= scope.capMicros || diverted.has(key)).toBe(true);
              }
            }
          }
          // A refused or diverted call told at least one of its budgets' admins that the budget is used up.
          for (const key of diverted) {
            const [tenantId, period] = key.split(' ');
            expect(alerts.some((a) => a.tenantId === tenantId && a.period === period && a.threshold === 100)).toBe(true);
          }
          expect(MICROS_PER_CENT).toBe(10_000);
        },
      ),
      // Shrinking a failure runs many more cases against the table: bound it, a failure found is reported anyway.
      {
        numRuns: 10,
        interruptAfterTimeLimit: 60_000,
        // One case sure to refuse and divert: a 1-cent budget, an expensive model asked, a near-free fallback.
        examples: [
          [
            [
              { plan: 'team', monthlyCents: 1, onExhausted: { action: 'fallback', modelId: CHEAP } },
              { plan: 'free', monthlyCents: 0, onExhausted: { action: 'block' } },
            ],
            [
              { inputPer1k: 0.003, outputPer1k: 0.015 },
              { inputPer1k: 0.0008, outputPer1k: 0.0032 },
              { inputPer1k: 0.000001, outputPer1k: 0.000001 },
            ],
            {
              seed: 1,
              steps: [0, 0, 1].map((tenant) => ({
                tenant,
                period: 0,
                agent: 0,
                model: 0,
                inputChars: 100,
                maxOutputTokens: 4_096,
                inputShare: 1,
                outputShare: 1,
                fails: false,
              })),
            },
          ],
        ],
      },
    );
    // The generated runs did reach their caps: calls were refused and diverted to fallbacks.
    expect(refusals).toBeGreaterThan(0);
    expect(fallbacks).toBeGreaterThan(0);
  });
});

import { LOCAL_MODEL_IDS, PLAN_IDS, PLANS, planAllowsModel } from '../../../functions/billing/plan.catalogue';

describe('plan catalogue: models', () => {
  it.each(PLAN_IDS)('the %s plan allows the local models, which the local platform and its tests run', (planId) => {
    // Act
    const allowed = LOCAL_MODEL_IDS.map((modelId) => planAllowsModel(PLANS[planId], modelId));
    // Assess
    expect(allowed.every(Boolean)).toBe(true);
  });

  it('allows every model of a plan on every larger plan', () => {
    // Prepare
    const [free, team, enterprise] = PLAN_IDS.map((id) => PLANS[id].models);
    // Assess
    expect(team).toEqual(expect.arrayContaining([...free]));
    expect(enterprise).toEqual(expect.arrayContaining([...team]));
  });

  it('keeps large models off the free plan, and refuses ids that only look like an allowed one', () => {
    // Assess
    expect(planAllowsModel(PLANS.free, 'anthropic.claude-3-5-sonnet-20240620-v1:0')).toBe(false);
    expect(planAllowsModel(PLANS.enterprise, 'anthropic.claude-3-5-sonnet-20240620-v1:0')).toBe(true);
    expect(planAllowsModel(PLANS.free, 'AMAZON.NOVA-LITE-V1:0')).toBe(false);
    expect(planAllowsModel(PLANS.free, 'amazon.nova-lite-v1:0 ')).toBe(false);
    expect(planAllowsModel(PLANS.free, 'amazon.nova-lite')).toBe(false);
  });
});

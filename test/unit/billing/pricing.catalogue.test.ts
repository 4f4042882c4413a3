import { estimateCost, pricesOf, REGION_PRICES } from '../../../functions/billing/pricing.catalogue';
import { PLANS } from '../../../functions/billing/plan.catalogue';
import { DEFAULT_REGIONS } from '../../../lib/config';
import { unitsOf } from '../../../functions/observability/consumed-capacity.plugin';
import { costQuantitiesOf } from '../../../functions/usage/usage.meter';

describe('price table', () => {
  it('prices every residency region and every model a plan allows', () => {
    for (const region of DEFAULT_REGIONS) {
      const prices = pricesOf(region);
      for (const plan of Object.values(PLANS)) {
        for (const model of plan.models) expect({ region, model, priced: model in prices.models }).toEqual({ region, model, priced: true });
      }
    }
    expect(() => pricesOf('ap-south-2')).toThrow(/ap-south-2/);
  });

  it('estimates a month of usage from the table, to a millionth of a dollar', () => {
    // Prepare
    const prices = REGION_PRICES['us-east-1'];
    const used = {
      apiRequests: 2_000_000,
      readUnits: 2_000_000,
      writeUnits: 1_000_000,
      computeMbMs: 1024 * 1000 * 3_600,
      invocations: 1_000_000,
      tokens: { 'amazon.nova-lite-v1:0': { input: 10_000, output: 2_000 } },
      storageBytes: 1024 ** 3,
    };

    // Act
    const cost = estimateCost('us-east-1', used);

    // Assess
    expect(cost.apiGateway).toBeCloseTo(2 * prices.apiGatewayPerMillionRequests, 6);
    expect(cost.dynamodb).toBeCloseTo(2 * prices.dynamoReadPerMillion + prices.dynamoWritePerMillion, 6);
    expect(cost.lambda).toBeCloseTo(3_600 * prices.lambdaPerGbSecond + prices.lambdaPerMillionRequests, 6);
    expect(cost.models).toBeCloseTo(10 * 0.00006 + 2 * 0.00024, 6);
    expect(cost.storage).toBeCloseTo(prices.dynamoStoragePerGbMonth, 6);
    expect(cost.total).toBeCloseTo(cost.apiGateway + cost.dynamodb + cost.lambda + cost.models + cost.storage, 5);
  });

  it('reads metered quantities and per-model tokens back from a usage item', () => {
    const quantities = costQuantitiesOf(
      { readUnits: 1.5, writeUnits: 4, computeMbMs: 2048, invocations: 2, 'inputTokens:local.echo': 7, 'outputTokens:local.echo': 3, requests: 9 },
      100,
    );
    expect(quantities).toEqual({
      apiRequests: 9,
      readUnits: 1.5,
      writeUnits: 4,
      computeMbMs: 2048,
      invocations: 2,
      tokens: { 'local.echo': { input: 7, output: 3 } },
      storageBytes: 100,
    });
  });

  it('splits consumed capacity into read and write units by what the table or the command says', () => {
    expect(unitsOf('GetItemCommand', { CapacityUnits: 0.5 })).toEqual({ readUnits: 0.5, writeUnits: 0 });
    expect(unitsOf('UpdateItemCommand', { CapacityUnits: 1 })).toEqual({ readUnits: 0, writeUnits: 1 });
    expect(unitsOf('TransactWriteItemsCommand', [{ CapacityUnits: 6, ReadCapacityUnits: 2, WriteCapacityUnits: 4 }])).toEqual({ readUnits: 2, writeUnits: 4 });
    expect(unitsOf('QueryCommand', undefined)).toEqual({ readUnits: 0, writeUnits: 0 });
  });
});

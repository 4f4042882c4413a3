/**
 * The price table: what AWS charges the platform per unit of what a tenant uses, per region, in US dollars. The
 * cost attribution multiplies a tenant's metered quantities (API requests, DynamoDB request units, Lambda GB-seconds,
 * model tokens, stored bytes) by these prices; nothing else in the code knows a price.
 *
 * Figures are on-demand list prices (API Gateway REST APIs at the first tier, DynamoDB on-demand after the November
 * 2024 reduction, Lambda arm64, Bedrock on-demand text models). Prices change: review them with each release; the
 * estimate is only as good as this table.
 */

export interface ModelPrice {
  /** USD per 1,000 input tokens. */
  readonly inputPer1k: number;
  /** USD per 1,000 output tokens. */
  readonly outputPer1k: number;
}

export interface RegionPrices {
  /** USD per million REST API calls received (API Gateway, first 333 million a month). */
  readonly apiGatewayPerMillionRequests: number;
  /** USD per million read request units (on-demand). */
  readonly dynamoReadPerMillion: number;
  /** USD per million write request units (on-demand). */
  readonly dynamoWritePerMillion: number;
  /** USD per GB-month of table storage. */
  readonly dynamoStoragePerGbMonth: number;
  /** USD per GB-second of Lambda duration (arm64). */
  readonly lambdaPerGbSecond: number;
  /** USD per million Lambda requests. */
  readonly lambdaPerMillionRequests: number;
  /** Model prices by model id; a model missing here is priced as `defaultModel`. */
  readonly models: Readonly<Record<string, ModelPrice>>;
  readonly defaultModel: ModelPrice;
}

const US_MODELS: Readonly<Record<string, ModelPrice>> = {
  'amazon.nova-micro-v1:0': { inputPer1k: 0.000035, outputPer1k: 0.00014 },
  'amazon.nova-lite-v1:0': { inputPer1k: 0.00006, outputPer1k: 0.00024 },
  'amazon.nova-pro-v1:0': { inputPer1k: 0.0008, outputPer1k: 0.0032 },
  'anthropic.claude-3-haiku-20240307-v1:0': { inputPer1k: 0.00025, outputPer1k: 0.00125 },
  'anthropic.claude-3-5-haiku-20241022-v1:0': { inputPer1k: 0.0008, outputPer1k: 0.004 },
  'anthropic.claude-3-5-sonnet-20240620-v1:0': { inputPer1k: 0.003, outputPer1k: 0.015 },
  'anthropic.claude-3-7-sonnet-20250219-v1:0': { inputPer1k: 0.003, outputPer1k: 0.015 },
};

/** The local provider's models cost nothing: they run in the platform's own process. */
const LOCAL_MODELS: Readonly<Record<string, ModelPrice>> = Object.fromEntries(
  ['local.echo', 'local.echo-v1', 'local.writer', 'local.critic'].map((id) => [id, { inputPer1k: 0, outputPer1k: 0 }]),
);

/** Prices by region; a residency region missing here fails `pricesOf` (a deployment must price what it serves). */
export const REGION_PRICES: Readonly<Record<string, RegionPrices>> = {
  'us-east-1': {
    apiGatewayPerMillionRequests: 3.5,
    dynamoReadPerMillion: 0.125,
    dynamoWritePerMillion: 0.625,
    dynamoStoragePerGbMonth: 0.25,
    lambdaPerGbSecond: 0.0000133334,
    lambdaPerMillionRequests: 0.2,
    models: { ...US_MODELS, ...LOCAL_MODELS },
    defaultModel: { inputPer1k: 0.003, outputPer1k: 0.015 },
  },
  'eu-central-1': {
    apiGatewayPerMillionRequests: 3.7,
    dynamoReadPerMillion: 0.1525,
    dynamoWritePerMillion: 0.7625,
    dynamoStoragePerGbMonth: 0.306,
    lambdaPerGbSecond: 0.0000133334,
    lambdaPerMillionRequests: 0.2,
    models: {
      ...Object.fromEntries(Object.entries(US_MODELS).map(([id, price]) => [id, { inputPer1k: price.inputPer1k * 1.2, outputPer1k: price.outputPer1k * 1.2 }])),
      ...LOCAL_MODELS,
    },
    defaultModel: { inputPer1k: 0.0036, outputPer1k: 0.018 },
  },
};

/** The prices of a region; throws naming the region when the table has none. */
export function pricesOf(region: string): RegionPrices {
  const prices = REGION_PRICES[region];
  if (!prices) throw new RangeError(`no prices for region ${region}: add it to REGION_PRICES`);
  return prices;
}

/** What a tenant used in a period, in billable units. */
export interface MeteredQuantities {
  /** Requests the API's functions served for the tenant (each one an API Gateway call). */
  readonly apiRequests: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Lambda duration times memory, in MB-milliseconds. */
  readonly computeMbMs: number;
  readonly invocations: number;
  /** Tokens by model id. */
  readonly tokens: Readonly<Record<string, { readonly input: number; readonly output: number }>>;
  readonly storageBytes: number;
}

export interface CostEstimate {
  readonly currency: 'USD';
  readonly region: string;
  readonly apiGateway: number;
  readonly dynamodb: number;
  readonly lambda: number;
  readonly models: number;
  readonly storage: number;
  readonly total: number;
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;
const GB = 1024 ** 3;

/** Prices the quantities with the region's table (storage as one month at the current size), to a millionth of a dollar. */
export function estimateCost(region: string, used: MeteredQuantities): CostEstimate {
  const prices = pricesOf(region);
  const apiGateway = (used.apiRequests * prices.apiGatewayPerMillionRequests) / 1e6;
  const dynamodb = (used.readUnits * prices.dynamoReadPerMillion + used.writeUnits * prices.dynamoWritePerMillion) / 1e6;
  const lambda = (used.computeMbMs / 1024 / 1000) * prices.lambdaPerGbSecond + (used.invocations * prices.lambdaPerMillionRequests) / 1e6;
  let models = 0;
  for (const [modelId, tokens] of Object.entries(used.tokens)) {
    const price = prices.models[modelId] ?? prices.defaultModel;
    models += (tokens.input * price.inputPer1k + tokens.output * price.outputPer1k) / 1000;
  }
  const storage = (used.storageBytes / GB) * prices.dynamoStoragePerGbMonth;
  return {
    currency: 'USD',
    region,
    apiGateway: round(apiGateway),
    dynamodb: round(dynamodb),
    lambda: round(lambda),
    models: round(models),
    storage: round(storage),
    total: round(apiGateway + dynamodb + lambda + models + storage),
  };
}

/**
 * The one exchange rate of the platform's figures: euro per US dollar. AWS bills the platform in US dollars and the
 * plans are sold in euro (plan.catalogue.ts), so the margin needs both in one currency. A stated rate here (rather
 * than a price table per region in euro) keeps every AWS price as AWS lists it and the conversion in one place,
 * applied when a margin is read: a changed rate needs no migration and no second copy of each price. Review it with
 * the prices.
 */
export const EUR_PER_USD = 0.86;

/** What a tenant's plan brings in for a month beside what serving it cost, both in euro. */
export interface Margin {
  readonly currency: 'EUR';
  /** The plan's monthly price. */
  readonly price: number;
  /** The cost estimate converted at EUR_PER_USD. */
  readonly cost: number;
  /** price − cost. */
  readonly margin: number;
}

/** The margin of a month: the plan's price (euro cents) minus the month's cost estimate (US dollars) in euro. */
export function marginOf(monthlyPriceCents: number, cost: Pick<CostEstimate, 'total'>): Margin {
  const price = monthlyPriceCents / 100;
  const costEur = round(cost.total * EUR_PER_USD);
  return { currency: 'EUR', price, cost: costEur, margin: round(price - costEur) };
}

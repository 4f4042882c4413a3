/**
 * The platform's CloudWatch metrics: one namespace, fixed dimension sets, and the names the functions emit (EMF
 * lines through Powertools Metrics) and the dashboards and alarms in lib/ read. Names live here only.
 *
 * Cardinality choice: the tenant id is never a dimension. A custom metric costs per dimension combination and month,
 * so per-tenant dimensions would cost (tenants × metrics × sets) and grow with every sign-up; it is an EMF property
 * instead (`tenantId`), searchable with Logs Insights, and the per-tenant views (usage, health, `tenant top`) are
 * computed from those lines. The tier (plan) is a dimension: three values, and alarms compare it with its SLA.
 */
export const METRICS_NAMESPACE = 'AgentPlatform';

/** The `service` dimension every platform function emits with (Powertools' default dimension). */
export const METRICS_SERVICE = 'agent-platform';

export const METRIC_DIMENSIONS = {
  service: 'service',
  /** The tenant's plan: `free`, `team`, `enterprise`; `none` for requests of no tenant (public, platform-wide). */
  tier: 'tier',
  /** The route's operationId. */
  operation: 'operation',
} as const;

/**
 * Dimension sets of the request metrics, each one an aggregation CloudWatch keeps: platform-wide, per tier, per
 * operation. (`service` is part of each.)
 */
export const REQUEST_DIMENSION_SETS = [[], [METRIC_DIMENSIONS.tier], [METRIC_DIMENSIONS.operation]] as const;

export const METRIC_NAMES = {
  /** One per request a route group served (any status). */
  requests: 'Requests',
  /** 1 when the answer was 4xx, else 0: the average is the client-error rate. */
  clientErrors: 'ClientErrors',
  /** 1 when the answer was 5xx, else 0: the average is the server-error rate. */
  serverErrors: 'ServerErrors',
  /** Time the group handler took, in milliseconds. */
  latency: 'Latency',
  /** Requests refused because a plan quota was used up (`quota-exceeded`). */
  quotaRefusals: 'QuotaRefusals',
  /** Requests refused by the usage plan's rate or daily quota (429 at the gateway). */
  throttles: 'Throttles',
  /** Requests the authorizer refused (401 or 403). */
  authorizerDenials: 'AuthorizerDenials',
  /** Audit log verifications that found a broken chain. */
  auditVerifyFailures: 'AuditVerifyFailures',
  /** One model invocation's latency, in milliseconds. */
  modelLatency: 'ModelLatency',
  modelInputTokens: 'ModelInputTokens',
  modelOutputTokens: 'ModelOutputTokens',
  /** Time one delivery of a run spent in the run worker, in milliseconds (its steps, or the check that it must wait). */
  runLatency: 'RunLatency',
  /** Run deliveries of a tenant that found all its concurrent-run slots taken (the run waits in the queue). */
  runSlotWaits: 'RunSlotWaits',
  /** DynamoDB capacity units the request consumed (ReturnConsumedCapacity). */
  readCapacityUnits: 'ReadCapacityUnits',
  writeCapacityUnits: 'WriteCapacityUnits',
} as const;
export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/** EMF properties (not dimensions) every request line carries. */
export const METRIC_PROPERTIES = {
  tenantId: 'tenantId',
  requestId: 'requestId',
  statusClass: 'statusClass',
  status: 'status',
  /** The run a run-consumer line is about, and how its delivery ended (done, later, failed). */
  runId: 'runId',
  outcome: 'outcome',
} as const;

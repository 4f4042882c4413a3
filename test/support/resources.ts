import { AuditSealer, type SealResult } from '../../functions/audit/audit-sealer';
import { HASH_CHAIN } from '../../functions/audit/audit-chain';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createHandler as createAgentsHandler } from '../../functions/api/agents';
import { createHandler as createAuditHandler } from '../../functions/api/audit';
import type { ResourceDependencies } from '../../functions/api/dependencies';
import { createHandler as createMemoriesHandler } from '../../functions/api/memories';
import { createHandler as createUsageHandler } from '../../functions/api/usage';
import type { Plan, PlanId } from '../../functions/billing/plan.catalogue';
import { parseRuntimeConfig } from '../../functions/api/runtime-config';
import { createLogger } from '../../functions/core/logger';
import { createDocumentClient } from '../../functions/data/clients';
import { CursorCodec } from '../../functions/data/cursor';
import * as keys from '../../functions/data/table-keys';
import { MutationExecutor } from '../../functions/data/mutation.executor';
import type { AuthContext } from '../../functions/core/auth-context';
import { createIsolation, type Isolation } from '../../functions/isolation/tenant-db';
import type { PlanSource } from '../../functions/quotas/plan.source';
import { CachedPlanSource } from '../../functions/quotas/plan.source';
import { localDynamoDbClient } from '../../local/bootstrap';
import { LOCAL_TABLE_NAME } from '../../local/platform.config';
import { emulatorEndpoints } from './emulators';
import { uniqueTenantId } from './platform';
import { lambdaContext, restEvent } from './rest-event';

/**
 * Resource handlers (agents, memories, usage, audit) wired to the shared DynamoDB Local through the real isolation
 * layer, called with API Gateway REST proxy events. Each "container" has its own executor (head cache, lane locks),
 * so tests can make several containers write the same tenant at once.
 */

export const CURSOR_SECRET = 'test-cursor-secret-of-at-least-32-chars';

export type Group = 'agents' | 'memories' | 'usage' | 'audit';

export interface CallOptions {
  readonly pathParameters: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** @default a member of the tenant in pathParameters */
  readonly auth?: AuthContext;
  /** @default 0 */
  readonly container?: number;
}

export interface ResourceFixture {
  readonly tableName: string;
  /** A client outside the isolation layer, for arranging and inspecting (and tampering with) the table. */
  readonly raw: DynamoDBDocumentClient;
  readonly isolation: Isolation;
  readonly executors: readonly MutationExecutor[];
  /** Creates a tenant record with the plan; returns its unique id. */
  createTenant(plan?: PlanId): Promise<string>;
  call(group: Group, method: string, resource: string, options: CallOptions): Promise<APIGatewayProxyResult & { json: any }>;
  /** Every item of a partition (strongly consistent). */
  queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]>;
  /** Seals the tenant's pending audit entries, as the sealer does after the writes. */
  seal(tenantId: string): Promise<SealResult>;
  close(): void;
}

export interface ResourceFixtureOptions {
  /** Containers (handler sets with their own executor). @default 1 */
  readonly containers?: number;
  /** Plan limits to enforce instead of the catalogue's (same plan ids). */
  readonly limits?: Partial<Record<PlanId, Partial<Plan['limits']>>>;
  /** @default the shared table */
  readonly tableName?: string;
}

export const member = (tenantId: string, principalId = 'u-member'): AuthContext => ({ principalType: 'user', principalId, tenantId, roles: ['member'] });
export const tenantAdmin = (tenantId: string): AuthContext => ({ principalType: 'user', principalId: 'u-admin', tenantId, roles: ['tenant-admin'] });
export const auditor = (tenantId: string): AuthContext => ({ principalType: 'user', principalId: 'u-auditor', tenantId, roles: ['auditor'] });
export const viewer = (tenantId: string): AuthContext => ({ principalType: 'user', principalId: 'u-viewer', tenantId, roles: ['viewer'] });

export function resourceFixture(options: ResourceFixtureOptions = {}): ResourceFixture {
  const { dynamoDbEndpoint } = emulatorEndpoints();
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  const config = parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamoDbEndpoint, LOG_LEVEL: 'ERROR' });
  const isolation = createIsolation({ ...config, DATA_CREDENTIALS: 'local' });
  const raw = createDocumentClient(localDynamoDbClient(dynamoDbEndpoint, 'eu-central-1'));
  const db = (tenantId: string) => isolation.forTenant(tenantId);
  const catalogue = new CachedPlanSource({ db, tableName });
  const plans: PlanSource = {
    planOf: async (tenantId, planOptions) => {
      const plan = await catalogue.planOf(tenantId, planOptions);
      return { ...plan, limits: { ...plan.limits, ...options.limits?.[plan.id] } };
    },
  };
  const logger = createLogger('test', 'ERROR');
  const cursors = new CursorCodec(CURSOR_SECRET);
  const executors = Array.from({ length: options.containers ?? 1 }, () => new MutationExecutor({ chain: HASH_CHAIN, db, tableName, plans }));
  const containers = executors.map((executor) => {
    const deps: ResourceDependencies = { logger, tenantGate: async () => undefined, tableName, db, cursors, executor, plans };
    return {
      agents: createAgentsHandler(config, deps),
      memories: createMemoriesHandler(config, deps),
      usage: createUsageHandler(config, deps),
      audit: createAuditHandler(config, deps),
    };
  });
  const sealer = new AuditSealer({ db, tableName });
  let requests = 0;

  return {
    tableName,
    raw,
    isolation,
    executors,
    async createTenant(plan = 'free') {
      const tenantId = uniqueTenantId('rs');
      const now = new Date().toISOString();
      await raw.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keys.tenantProfile(tenantId),
            tenantId,
            slug: tenantId,
            name: tenantId,
            plan,
            region: 'eu-central-1',
            status: 'ACTIVE',
            branding: {},
            settings: {},
            createdAt: now,
            updatedAt: now,
            version: 1,
          },
        }),
      );
      return tenantId;
    },
    async call(group, method, resource, call) {
      const tenantId = call.pathParameters.tenantId;
      const event = restEvent({
        method,
        resource,
        pathParameters: call.pathParameters,
        ...(call.query ? { query: call.query } : {}),
        headers: { 'Content-Type': 'application/json', ...call.headers },
        body: call.body === undefined ? null : typeof call.body === 'string' ? call.body : JSON.stringify(call.body),
        auth: call.auth ?? member(tenantId),
      });
      event.requestContext.requestId = `req-${++requests}`;
      const result = await containers[call.container ?? 0][group](event, lambdaContext());
      let json: unknown;
      try {
        json = result.body ? JSON.parse(result.body) : undefined;
      } catch {
        json = undefined;
      }
      return { ...result, json };
    },
    seal: (tenantId) => sealer.seal(tenantId),
    async queryAll(input) {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await raw.send(
          new QueryCommand({ TableName: tableName, ConsistentRead: !input.IndexName, ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    close() {
      isolation.destroy();
      raw.destroy();
    },
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APIGatewayClient, CreateApiKeyCommand, GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { PLANS } from '../../../functions/billing/plan.catalogue';
import { NotFoundError } from '../../../functions/core/errors';
import { ApiGatewayUsageKeyBinding } from '../../../functions/billing/usage-key.api-gateway';
import { usageIdentifierKey } from '../../../functions/identity/usage-identifier';
import { serveUsagePlanApi } from '../../../local/usage-plan-api';
import { UsagePlanThrottle } from '../../../local/usage-plans';

/** The local gateway's management API as the SDK client speaks to it: what a migration's cut-over calls in its target. */

const STAGE = 'local';
let server: Server;
let throttle: UsagePlanThrottle;
let client: APIGatewayClient;

beforeAll(async () => {
  throttle = new UsagePlanThrottle({ planOf: async () => PLANS.free });
  server = createServer((req, res) => void serveUsagePlanApi(req, res, { stage: STAGE, throttle: () => throttle }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new APIGatewayClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

describe('local API Gateway management API', () => {
  it("ensures a tenant's key: the key exists (as its stack's would) and moves to the plan's usage plan", async () => {
    // Act
    await new ApiGatewayUsageKeyBinding({ client, stage: STAGE }).ensure('acme', 'team');
    // Assess
    expect(await throttle.bindingOf(usageIdentifierKey(STAGE, 'acme'), 'acme')).toMatchObject({ id: 'team' });
  });

  it("answers CreateApiKey of a tenant's key with a conflict, and refuses any other key", async () => {
    // Act
    const tenantKey = await client
      .send(new CreateApiKeyCommand({ name: 'agent-platform-local-tenant-acme', value: usageIdentifierKey(STAGE, 'acme'), enabled: true }))
      .catch((error: unknown) => error);
    const otherKey = await client
      .send(new CreateApiKeyCommand({ name: 'another-key', value: 'a-value-of-twenty-chars', enabled: true }))
      .catch((error: unknown) => error);
    // Assess
    expect((tenantKey as Error).name).toBe('ConflictException');
    expect((otherKey as Error).name).toBe('BadRequestException');
  });

  it('finds no key of a tenant without a record in the region, and makes none there before its records are imported', async () => {
    // Prepare
    const here = new UsagePlanThrottle({
      planOf: async (tenantId) => {
        if (tenantId === 'globex') throw new NotFoundError('tenant globex not found');
        return PLANS.free;
      },
    });
    const previous = throttle;
    throttle = here;
    try {
      // Act
      const keys = await client.send(new GetApiKeysCommand({ nameQuery: 'agent-platform-local-tenant-globex' }));
      const created = await client
        .send(new CreateApiKeyCommand({ name: 'agent-platform-local-tenant-globex', value: usageIdentifierKey(STAGE, 'globex'), enabled: true }))
        .catch((error: unknown) => error);
      // Assess
      expect(keys.items ?? []).toEqual([]);
      expect((created as Error).name).toBe('BadRequestException');
    } finally {
      throttle = previous;
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APIGatewayClient, CreateApiKeyCommand, GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { PLANS } from '../../../functions/billing/plan.catalogue';
import { NotFoundError } from '../../../functions/core/errors';
import { ApiGatewayUsageKeyBinding } from '../../../functions/billing/usage-key.api-gateway';
import { MIGRATION_KEY_TAG } from '../../../functions/billing/usage-key.binding';
import { USAGE_KEY_RELEASE_RESOURCE_TYPE } from '../../../functions/billing/usage-key-release.resource';
import { createHandler as createRegistrar } from '../../../functions/api/issuer-registration';
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

  describe("in a region where the tenant has no record (a migration's target before its stack is deployed)", () => {
    let previous: UsagePlanThrottle;
    beforeEach(() => {
      previous = throttle;
      throttle = new UsagePlanThrottle({
        planOf: async (tenantId) => {
          if (tenantId === 'globex') throw new NotFoundError('tenant globex not found');
          return PLANS.free;
        },
      });
    });
    afterEach(() => {
      throttle = previous;
    });

    it("finds no key of the tenant; ensure makes it, tagged as a migration's, and binds it; the release deletes it", async () => {
      // Prepare
      const binding = new ApiGatewayUsageKeyBinding({ client, stage: STAGE });
      const key = usageIdentifierKey(STAGE, 'globex');
      const before = await client.send(new GetApiKeysCommand({ nameQuery: 'agent-platform-local-tenant-globex' }));

      // Act
      await binding.ensure('globex', 'team');
      const made = await client.send(new GetApiKeysCommand({ nameQuery: 'agent-platform-local-tenant-globex' }));
      const bound = await throttle.admit(key, 'globex');
      const released = await binding.releaseMigrationKey('globex');
      const after = await client.send(new GetApiKeysCommand({ nameQuery: 'agent-platform-local-tenant-globex' }));

      // Assess
      expect(before.items ?? []).toEqual([]);
      expect(made.items).toEqual([expect.objectContaining({ id: key, tags: { [MIGRATION_KEY_TAG.key]: MIGRATION_KEY_TAG.value } })]);
      expect(bound).toMatchObject({ admitted: true, quota: { quota: PLANS.team.limits.apiRequestsPerDay } });
      expect(released).toBe(true);
      expect(after.items ?? []).toEqual([]);
      expect(await throttle.admit(key, 'globex')).toEqual({ admitted: false, reason: 'no-key' });
    });

    it("releases it through the registrar's Custom::UsageKeyRelease on create, then deletes nothing (the stack's key is untagged)", async () => {
      // Prepare: a migration made globex's key here; the tenant stack now deploys
      const binding = new ApiGatewayUsageKeyBinding({ client, stage: STAGE });
      await binding.ensure('globex', 'team');
      const registrar = createRegistrar(() => {
        throw new Error('no issuer registration in this test');
      }, binding);
      const request = { ResourceType: USAGE_KEY_RELEASE_RESOURCE_TYPE, ResourceProperties: { ServiceToken: 'arn', TenantId: 'globex' } };

      // Act
      const created = await registrar({ RequestType: 'Create', ...request });
      const stackKey = await client.send(
        new CreateApiKeyCommand({ name: 'agent-platform-local-tenant-globex', value: usageIdentifierKey(STAGE, 'globex'), enabled: true }),
      );
      const updated = await registrar({ RequestType: 'Update', PhysicalResourceId: created.PhysicalResourceId, ...request });
      const deleted = await registrar({ RequestType: 'Delete', PhysicalResourceId: created.PhysicalResourceId, ...request });

      // Assess
      expect(created).toEqual({ PhysicalResourceId: 'usage-key-release|globex', Data: { Released: 'true' } });
      expect(stackKey.id).toBe(usageIdentifierKey(STAGE, 'globex'));
      expect(updated).toEqual({ PhysicalResourceId: 'usage-key-release|globex', Data: { Released: 'false' } });
      expect(deleted).toEqual({ PhysicalResourceId: 'usage-key-release|globex' });
      expect(await throttle.keyExists(usageIdentifierKey(STAGE, 'globex'), 'globex')).toBe(true);
    });

    it("refuses a release in a registrar without the API Gateway API (the control plane's) and a release without a tenant", async () => {
      // Prepare
      const registryIn = () => {
        throw new Error('no issuer registration in this test');
      };
      const binding = new ApiGatewayUsageKeyBinding({ client, stage: STAGE });

      // Act
      const controlPlane = createRegistrar(registryIn)({
        RequestType: 'Create',
        ResourceType: USAGE_KEY_RELEASE_RESOURCE_TYPE,
        ResourceProperties: { TenantId: 'globex' },
      });
      const noTenant = createRegistrar(registryIn, binding)({ RequestType: 'Create', ResourceType: USAGE_KEY_RELEASE_RESOURCE_TYPE, ResourceProperties: {} });

      // Assess
      await expect(controlPlane).rejects.toThrow(/registrar of a region stack only/);
      await expect(noTenant).rejects.toThrow();
    });

    it("never releases a key that a stack made (no migration's tag), nor a key that does not exist", async () => {
      // Prepare
      const binding = new ApiGatewayUsageKeyBinding({ client, stage: STAGE });

      // Act
      const stackKey = await binding.releaseMigrationKey('acme');
      const noKey = await binding.releaseMigrationKey('globex');

      // Assess
      expect([stackKey, noKey]).toEqual([false, false]);
      expect(await throttle.keyExists(usageIdentifierKey(STAGE, 'acme'), 'acme')).toBe(true);
    });
  });
});

import {
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlansCommand,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';
import { NotFoundError } from '../../../functions/core/errors';
import { ApiGatewayUsageKeyBinding } from '../../../functions/billing/usage-key.api-gateway';

/** The API Gateway calls a plan change makes, offline: which commands, in which order, with which ids. */

const USAGE_PLANS = [
  { id: 'up-free', name: 'agent-platform-prod-free' },
  { id: 'up-team', name: 'agent-platform-prod-team' },
  { id: 'up-enterprise', name: 'agent-platform-prod-enterprise' },
  { id: 'up-other', name: 'another-api-free' },
];

interface FakeOptions {
  keys?: { id: string; name: string }[];
  failDelete?: Error;
  failCreate?: Error;
  /** CreateApiKey fails with it, and the key (k-3) is found by name from then on, as when another run made it. */
  failCreateKey?: Error;
}

function fakeApiGateway(options: FakeOptions = {}) {
  const calls: string[] = [];
  const keys = options.keys ?? [{ id: 'k-1', name: 'agent-platform-prod-tenant-acme' }];
  const send = jest.fn(async (command: unknown) => {
    if (command instanceof GetUsagePlansCommand) return { items: USAGE_PLANS };
    if (command instanceof GetApiKeysCommand) {
      calls.push(`GetApiKeys ${command.input.nameQuery}`);
      return { items: [...keys] };
    }
    if (command instanceof CreateApiKeyCommand) {
      const { name, value, enabled } = command.input;
      calls.push(`CreateApiKey ${name} ${value} ${enabled}`);
      if (options.failCreateKey) {
        keys.push({ id: 'k-3', name: name as string });
        throw options.failCreateKey;
      }
      return { id: 'k-new', name, value, enabled };
    }
    if (command instanceof DeleteUsagePlanKeyCommand) {
      calls.push(`Delete ${command.input.usagePlanId} ${command.input.keyId}`);
      if (options.failDelete) throw options.failDelete;
      return {};
    }
    if (command instanceof CreateUsagePlanKeyCommand) {
      calls.push(`Create ${command.input.usagePlanId} ${command.input.keyId} ${command.input.keyType}`);
      if (options.failCreate) throw options.failCreate;
      return {};
    }
    throw new Error(`unexpected command ${String(command)}`);
  });
  return { client: { send } as never, calls, send };
}

describe('API Gateway usage key binding', () => {
  it("takes the tenant's key out of the other plans' usage plans, then puts it into the new plan's", async () => {
    // Prepare
    const api = fakeApiGateway();
    const binding = new ApiGatewayUsageKeyBinding({ client: api.client, stage: 'prod' });
    // Act
    await binding.bind('acme', 'team');
    // Assess
    expect(api.calls).toEqual(['GetApiKeys agent-platform-prod-tenant-acme', 'Delete up-free k-1', 'Delete up-enterprise k-1', 'Create up-team k-1 API_KEY']);
  });

  it('completes a change made before (key in no other plan, already in the new one)', async () => {
    // Prepare
    const notFound = new NotFoundException({ message: 'Invalid API Key identifier specified', $metadata: {} });
    const conflict = new ConflictException({ message: 'Usage Plan already contains the key', $metadata: {} });
    const binding = new ApiGatewayUsageKeyBinding({ client: fakeApiGateway({ failDelete: notFound, failCreate: conflict }).client, stage: 'prod' });
    // Act, Assess
    await expect(binding.bind('acme', 'enterprise')).resolves.toBeUndefined();
  });

  it('refuses a tenant without a key in the region (its stack is not deployed) and moves nothing', async () => {
    // Prepare: only a key whose name merely contains the tenant's
    const api = fakeApiGateway({ keys: [{ id: 'k-2', name: 'agent-platform-prod-tenant-acme-2' }] });
    const binding = new ApiGatewayUsageKeyBinding({ client: api.client, stage: 'prod' });
    // Act, Assess
    await expect(binding.bind('acme', 'team')).rejects.toBeInstanceOf(NotFoundError);
    expect(api.calls.filter((call) => !call.startsWith('GetApiKeys'))).toEqual([]);
  });

  it('reads the usage plan ids once per function instance', async () => {
    // Prepare
    const api = fakeApiGateway();
    const binding = new ApiGatewayUsageKeyBinding({ client: api.client, stage: 'prod' });
    // Act
    await binding.bind('acme', 'team');
    await binding.bind('acme', 'free');
    // Assess
    expect(api.send.mock.calls.filter(([command]) => command instanceof GetUsagePlansCommand)).toHaveLength(1);
  });
});

describe("API Gateway usage key provisioning (a migration's target region)", () => {
  it("makes the tenant's key, named and valued as its stack's and enabled, when the region has none, then binds it", async () => {
    // Prepare: only a key whose name merely contains the tenant's
    const api = fakeApiGateway({ keys: [{ id: 'k-2', name: 'agent-platform-prod-tenant-acme-2' }] });
    const binding = new ApiGatewayUsageKeyBinding({ client: api.client, stage: 'prod' });
    // Act
    await binding.ensure('acme', 'team');
    // Assess
    expect(api.calls).toEqual([
      'GetApiKeys agent-platform-prod-tenant-acme',
      'CreateApiKey agent-platform-prod-tenant-acme agent-platform-prod-usage-acme true',
      'Delete up-free k-new',
      'Delete up-enterprise k-new',
      'Create up-team k-new API_KEY',
    ]);
  });

  it('only binds a key the region has (a resumed migration, or a tenant stack deployed there)', async () => {
    // Prepare
    const api = fakeApiGateway();
    const binding = new ApiGatewayUsageKeyBinding({ client: api.client, stage: 'prod' });
    // Act
    await binding.ensure('acme', 'enterprise');
    // Assess
    expect(api.calls).toEqual(['GetApiKeys agent-platform-prod-tenant-acme', 'Delete up-free k-1', 'Delete up-team k-1', 'Create up-enterprise k-1 API_KEY']);
  });

  it('tolerates a key made meanwhile (conflict): finds it by name and binds it, already bound or not', async () => {
    // Prepare
    const conflict = new ConflictException({ message: 'API Key already exists', $metadata: {} });
    const inPlan = new ConflictException({ message: 'Usage Plan already contains the key', $metadata: {} });
    const api = fakeApiGateway({ keys: [], failCreateKey: conflict, failCreate: inPlan });
    const binding = new ApiGatewayUsageKeyBinding({ client: api.client, stage: 'prod' });
    // Act
    await binding.ensure('acme', 'free');
    // Assess
    expect(api.calls).toEqual([
      'GetApiKeys agent-platform-prod-tenant-acme',
      'CreateApiKey agent-platform-prod-tenant-acme agent-platform-prod-usage-acme true',
      'GetApiKeys agent-platform-prod-tenant-acme',
      'Delete up-team k-3',
      'Delete up-enterprise k-3',
      'Create up-free k-3 API_KEY',
    ]);
  });

  it('refuses, binding nothing, when the conflict is a key of that value under another name', async () => {
    // Prepare: the value is taken, and no key of the tenant's name appears
    const conflict = new ConflictException({ message: 'API Key already exists', $metadata: {} });
    const base = fakeApiGateway({ keys: [] });
    const api = {
      ...base,
      client: {
        send: async (command: unknown) => {
          if (command instanceof CreateApiKeyCommand) throw conflict;
          return base.send(command);
        },
      } as never,
    };
    const binding = new ApiGatewayUsageKeyBinding({ client: api.client, stage: 'prod' });
    // Act, Assess
    await expect(binding.ensure('acme', 'team')).rejects.toBeInstanceOf(NotFoundError);
    expect(api.calls.filter((call) => !call.startsWith('GetApiKeys'))).toEqual([]);
  });

  it('passes on any other failure of CreateApiKey', async () => {
    // Prepare
    const denied = new Error('AccessDeniedException');
    const binding = new ApiGatewayUsageKeyBinding({ client: fakeApiGateway({ keys: [], failCreateKey: denied }).client, stage: 'prod' });
    // Act, Assess
    await expect(binding.ensure('acme', 'team')).rejects.toBe(denied);
  });
});

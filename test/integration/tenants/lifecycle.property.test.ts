import fc from 'fast-check';
import { DomainError, IllegalTransitionError, NotFoundError, TenantSuspendedError, TenantUnavailableError } from '../../../functions/core/errors';
import { statusOf } from '../../../functions/core/problem';
import { tenantPrefix } from '../../../functions/data/keys';
import * as keys from '../../../functions/data/table-keys';
import type { AuthContext } from '../../../functions/core/auth-context';
import { ROUTES, TENANT_PATH_PARAMETER, type RouteDefinition } from '../../../functions/routes';
import { createTenantGate } from '../../../functions/tenants/tenant-gate';
import type { LifecycleEvent } from '../../../functions/tenants/tenant-lifecycle';
import type { TenantManifest } from '../../../functions/tenants/tenant-manifest.schema';
import type { TenantDirectoryEntry, TenantStatus } from '../../../functions/tenants/tenant.schema';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { modelStep } from '../../support/lifecycle-model';
import { uniqueTenantId } from '../../support/platform';
import { createLifecycleFixture, type LifecycleFixture } from './lifecycle-fixture';

/**
 * State machine property, against DynamoDB Local in both regions: whatever sequence of lifecycle calls and
 * pipeline answers arrives, the tenant only ever moves along the design's arrows (everything else is a 409 that
 * changes nothing), every copy of the directory and the tenant's record agree with the model, a DELETED tenant
 * has no data left and its slug is free, and a SUSPENDED tenant's users pass the tenant gate only to read the
 * tenant's own record.
 */

const [EU, US] = LOCAL_REGIONS;
const PLATFORM_ADMIN: AuthContext = { principalType: 'platform-admin', principalId: 'ops-1', roles: ['platform-admin'] };

let fixture: LifecycleFixture;

beforeAll(async () => {
  fixture = await createLifecycleFixture('lifecycle-prop');
});

afterAll(async () => {
  await fixture?.dispose();
});

interface Model {
  status: TenantStatus;
}

interface Real {
  readonly tenantId: string;
}

type Call = 'suspend' | 'reactivate' | 'offboard' | 'retry' | 'patch-suspended' | 'patch-active' | 'answer-provisioned' | 'answer-failed' | 'answer-offboarded';

/**
 * The model: what each call means for the lifecycle. `noop` when the tenant already is where the call leads
 * (a PATCH to the current status, a pipeline answer delivered twice).
 */
function meaning(call: Call, status: TenantStatus): { event: LifecycleEvent } | 'noop' {
  switch (call) {
    case 'suspend':
    case 'reactivate':
    case 'offboard':
    case 'retry':
      return { event: call };
    case 'patch-suspended':
      return status === 'SUSPENDED' ? 'noop' : { event: 'suspend' };
    case 'patch-active':
      return status === 'ACTIVE' ? 'noop' : { event: 'reactivate' };
    case 'answer-provisioned':
      return status === 'ACTIVE' ? 'noop' : { event: 'provisioned' };
    case 'answer-failed':
      return status === 'FAILED' ? 'noop' : { event: 'provisioningFailed' };
    case 'answer-offboarded':
      return status === 'DELETED' ? 'noop' : { event: 'purged' };
  }
}

function perform(call: Call, tenantId: string, requestId: string): Promise<unknown> {
  const { lifecycle } = fixture.regions[EU];
  const context = { tenantId, actor: `platform-admin:${PLATFORM_ADMIN.principalId}`, requestId };
  switch (call) {
    case 'suspend':
      return lifecycle.suspend(context);
    case 'reactivate':
      return lifecycle.reactivate(context);
    case 'offboard':
      return lifecycle.offboard(context);
    case 'retry':
      return lifecycle.retry(context);
    case 'patch-suspended':
      return lifecycle.update(context, PLATFORM_ADMIN, { status: 'SUSPENDED' });
    case 'patch-active':
      return lifecycle.update(context, PLATFORM_ADMIN, { status: 'ACTIVE' });
    case 'answer-provisioned':
      return lifecycle.complete(
        {
          kind: 'provisioningSucceeded',
          detail: { tenantId, auth: { issuer: `https://issuer.test/${tenantId}`, userPoolId: `pool-${tenantId}`, clientId: `client-${tenantId}` } },
        },
        requestId,
      );
    case 'answer-failed':
      return lifecycle.complete({ kind: 'provisioningFailed', detail: { tenantId, reason: 'stack rolled back' } }, requestId);
    case 'answer-offboarded':
      return lifecycle.complete({ kind: 'offboardingCompleted', detail: { tenantId } }, requestId);
  }
}

/** What the tenant gate says to a tenant-admin of the tenant on a route, given the tenant's directory entry. */
async function gateVerdict(tenantId: string, entry: TenantDirectoryEntry | undefined, route: RouteDefinition): Promise<string> {
  const gate = createTenantGate({ directory: { get: async () => entry }, region: EU, regionEndpoints: {} });
  try {
    await gate(tenantId, route, { principalType: 'user', principalId: 'u-1', tenantId, roles: ['tenant-admin'] });
    return 'pass';
  } catch (error) {
    return (error as Error).constructor.name;
  }
}

const TENANT_ROUTES: readonly RouteDefinition[] = ROUTES.filter((route) => route.path.includes(`{${TENANT_PATH_PARAMETER}}`));

/** Every observable part of the tenant agrees with the model. */
async function assertAgrees(model: Model, tenantId: string, slug: string): Promise<void> {
  const copies = await Promise.all(LOCAL_REGIONS.map((region) => fixture.regions[region].local.directory.get(tenantId)));
  expect(copies.map((copy) => copy?.status)).toEqual(LOCAL_REGIONS.map(() => model.status));
  const record = await fixture.regions[EU].tenantRecords(tenantId).get(tenantId);
  if (model.status === 'DELETED') {
    expect(record).toBeUndefined();
    expect(await fixture.scanPrefix(EU, tenantPrefix(tenantId))).toEqual([]);
    for (const region of LOCAL_REGIONS) {
      expect(await fixture.regions[region].local.directory.findBySlug(slug)).toBeUndefined();
      const slugItems = await fixture.scanPrefix(region, keys.slug(slug).pk);
      expect(slugItems).toEqual([]);
    }
  } else {
    expect(record?.status).toBe(model.status);
  }
  const verdicts = await Promise.all(TENANT_ROUTES.map((route) => gateVerdict(tenantId, copies[0], route)));
  TENANT_ROUTES.forEach((route, i) => {
    const expected =
      model.status === 'ACTIVE'
        ? 'pass'
        : model.status === 'SUSPENDED'
          ? route.allowedWhenSuspended
            ? 'pass'
            : TenantSuspendedError.name
          : model.status === 'DELETED'
            ? NotFoundError.name
            : TenantUnavailableError.name;
    expect({ route: route.operationId, verdict: verdicts[i] }).toEqual({ route: route.operationId, verdict: expected });
  });
}

class LifecycleCall implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly call: Call,
    readonly slug: string,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, real: Real): Promise<void> {
    const meant = meaning(this.call, model.status);
    const next = meant === 'noop' ? model.status : modelStep(model.status, meant.event);
    const outcome = await perform(this.call, real.tenantId, `req-${this.call}`).then(
      () => 'done' as const,
      (error: unknown) => error,
    );
    if (next === undefined) {
      // Illegal: refused with 409 (404 once the tenant is deleted and its record gone), nothing changed.
      expect(outcome).toBeInstanceOf(DomainError);
      if (model.status !== 'DELETED') expect(outcome).toBeInstanceOf(IllegalTransitionError);
      expect([404, 409]).toContain(statusOf(outcome as DomainError));
    } else {
      expect(outcome).toBe('done');
      model.status = next;
    }
    await assertAgrees(model, real.tenantId, this.slug);
  }

  toString(): string {
    return this.call;
  }
}

const CALLS: readonly Call[] = [
  'suspend',
  'reactivate',
  'offboard',
  'retry',
  'patch-suspended',
  'patch-active',
  'answer-provisioned',
  'answer-failed',
  'answer-offboarded',
];

function manifestOf(tenantId: string): TenantManifest {
  return {
    id: tenantId,
    slug: tenantId,
    name: tenantId,
    plan: 'team',
    homeRegion: EU,
    emailDomains: [`${tenantId}.example`],
    admins: [`owner@${tenantId}.example`],
    sso: { saml: [], oidc: [] },
    mfa: 'OPTIONAL',
    branding: {},
    settings: {},
  };
}

describe('tenant lifecycle state machine property', () => {
  it('no sequence of lifecycle calls reaches an illegal state; suspended tenants only read their record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...CALLS), { minLength: 1, maxLength: 10 }), async (calls) => {
        // Prepare
        const tenantId = uniqueTenantId('lc');
        await fixture.regions[EU].lifecycle.create(PLATFORM_ADMIN, manifestOf(tenantId), 'req-create');
        const model: Model = { status: 'PROVISIONING' };
        await assertAgrees(model, tenantId, tenantId);

        // Act and assess, step by step
        await fc.asyncModelRun(
          () => ({ model, real: { tenantId } }),
          calls.map((call) => new LifecycleCall(call, tenantId)),
        );
      }),
      { numRuns: 25, verbose: 1 },
    );
  });

  it('settles concurrent lifecycle calls on one tenant into one legal order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Call>('suspend', 'offboard', 'patch-suspended'),
        fc.constantFrom<Call>('suspend', 'offboard', 'reactivate'),
        async (first, second) => {
          // Prepare
          const tenantId = uniqueTenantId('lcc');
          await fixture.regions[EU].lifecycle.create(PLATFORM_ADMIN, manifestOf(tenantId), 'req-create');
          await perform('answer-provisioned', tenantId, 'req-provisioned');

          // Act
          const outcomes = await Promise.allSettled([perform(first, tenantId, 'req-1'), perform(second, tenantId, 'req-2')]);

          // Assess: the final status is what applying the calls that succeeded gives, in some order.
          const succeeded = [first, second].filter((_, i) => outcomes[i].status === 'fulfilled');
          const reachable = [succeeded, [...succeeded].reverse()].map((order) =>
            order.reduce<TenantStatus | undefined>((status, call) => {
              if (!status) return undefined;
              const meant = meaning(call, status);
              return meant === 'noop' ? status : modelStep(status, meant.event);
            }, 'ACTIVE'),
          );
          const entry = await fixture.regions[EU].local.directory.get(tenantId);
          expect(reachable).toContain(entry?.status);
          for (const outcome of outcomes) if (outcome.status === 'rejected') expect(statusOf(outcome.reason as DomainError)).toBe(409);
          expect((await fixture.regions[US].local.directory.get(tenantId))?.status).toBe(entry?.status);
        },
      ),
      { numRuns: 9 },
    );
  });
});

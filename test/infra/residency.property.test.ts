import type { APIGatewayProxyResult } from 'aws-lambda';
import fc from 'fast-check';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHandler as createPortabilityHandler } from '../../functions/api/portability';
import type { ResourceDependencies } from '../../functions/api/dependencies';
import { parseRuntimeConfig } from '../../functions/api/runtime-config';
import { createLogger } from '../../functions/core/logger';
import { CursorCodec } from '../../functions/data/cursor';
import type { MutationExecutor } from '../../functions/data/mutation.executor';
import type { PortabilityJobService } from '../../functions/portability/portability-job.service';
import { insideBoundary, residencyZoneOf } from '../../functions/portability/residency';
import type { PlanSource } from '../../functions/quotas/plan.source';
import { createTenantGate } from '../../functions/tenants/tenant-gate';
import type { TenantDirectoryEntry } from '../../functions/tenants/tenant.schema';
import type { TenantManifest } from '../../functions/tenants/tenant-manifest.schema';
import { parsePlatformConfig } from '../../lib/config';
import { lambdaContext, restEvent } from '../support/rest-event';
import { buildFixture, CDK_CONTEXT } from './support/platform-fixture';
import { PLATFORM_CONTEXT_KEY } from '../../lib/config';

/**
 * Property 7, data residency compliance. Random residency regions and tenants homed in them (each with the zone its
 * home region is in): in the synthesized templates every stateful resource (tables, buckets, backup vaults and plans,
 * queues, log groups, secrets, user pools) and every backup copy of a tenant's data lies inside the tenant's boundary,
 * and no table replicates anywhere else. At run time, a request for a tenant homed in another region answers 421 and
 * reads no tenant data. Synthesis is slow, so few apps are drawn.
 */

const REGIONS = ['eu-central-1', 'eu-west-1', 'us-east-1'] as const;

/** Resource types that hold data (or its copies). */
const STATEFUL = new Set([
  'AWS::DynamoDB::GlobalTable',
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::Backup::BackupVault',
  'AWS::Backup::BackupPlan',
  'AWS::SQS::Queue',
  'AWS::Logs::LogGroup',
  'AWS::SecretsManager::Secret',
  'AWS::Cognito::UserPool',
]);

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

function manifestOf(id: string, homeRegion: string): TenantManifest {
  return {
    id,
    slug: id,
    name: id,
    plan: 'team',
    homeRegion,
    emailDomains: [`${id}.example`],
    admins: [`admin@${id}.example`],
    sso: { saml: [], oidc: [] },
    mfa: 'OPTIONAL',
    branding: {},
    settings: {},
  };
}

/** Regions a resource names for copies of its data: table replicas, backup copy destinations, bucket replication. */
function copyRegions(resource: Resource): string[] {
  const text = JSON.stringify(resource.Properties ?? {});
  const replicas = (resource.Properties?.Replicas as { Region?: string }[] | undefined)?.map((replica) => replica.Region ?? '') ?? [];
  const arns = [...text.matchAll(/arn:aws:backup:([a-z0-9-]+):/g)].map((match) => match[1]);
  const replication = resource.Properties?.ReplicationConfiguration ? ['(replicated)'] : [];
  return [...replicas, ...arns, ...replication];
}

const assignmentArbitrary = fc.subarray([...REGIONS], { minLength: 1, maxLength: 2 }).chain((regions) =>
  fc.record({
    regions: fc.constant(regions),
    tenants: fc.uniqueArray(fc.record({ id: fc.stringMatching(/^t[a-z0-9]{3,8}$/), home: fc.constantFrom(...regions) }), {
      minLength: 1,
      maxLength: 3,
      selector: (tenant) => tenant.id,
    }),
  }),
);

describe('property 7: data residency compliance', () => {
  it('keeps every stateful resource and backup copy of a tenant inside its boundary in the synthesized templates', () => {
    fc.assert(
      fc.property(assignmentArbitrary, ({ regions, tenants }) => {
        // Prepare
        const raw = CDK_CONTEXT[PLATFORM_CONTEXT_KEY] as Record<string, unknown>;
        const config = parsePlatformConfig({ ...raw, regions, homeRegion: regions[0] });
        const manifests = tenants.map((tenant) => manifestOf(tenant.id, tenant.home));

        // Act
        const { app, stacks } = buildFixture({ config, tenants: { manifests, dir: '.', label: 'generated' } });
        const assembly = app.synth();

        // Assess
        for (const tenant of tenants) {
          const zone = residencyZoneOf(tenant.home);
          const tenantStack = stacks.tenants.get(tenant.id);
          expect(tenantStack?.region).toBe(tenant.home);
          // The stacks that hold the tenant's data: its own, and its home region's (table, bucket, backups, queues).
          const holding = [tenantStack?.artifactId, stacks.regions.get(tenant.home)?.artifactId];
          for (const artifactId of holding) {
            const artifact = assembly.getStackArtifact(artifactId as string);
            const region = artifact.environment.region;
            const resources = Object.values((artifact.template as { Resources: Record<string, Resource> }).Resources);
            const stateful = resources.filter((resource) => STATEFUL.has(resource.Type));
            expect({ artifactId, region, inside: insideBoundary(region, tenant.home, zone) }).toEqual({ artifactId, region, inside: true });
            for (const resource of stateful) {
              const outside = copyRegions(resource).filter((copy) => !insideBoundary(copy, tenant.home, zone));
              expect({ artifactId, type: resource.Type, outside }).toEqual({ artifactId, type: resource.Type, outside: [] });
            }
          }
        }
        // Every region stack's own stateful resources stay in it: nothing replicates or copies to another region.
        for (const [region, stack] of stacks.regions) {
          const resources = Object.values((assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, Resource> }).Resources);
          for (const resource of resources.filter((candidate) => STATEFUL.has(candidate.Type))) {
            expect({ region, type: resource.Type, copies: copyRegions(resource).filter((copy) => copy !== region) }).toEqual({
              region,
              type: resource.Type,
              copies: [],
            });
          }
        }
      }),
      { numRuns: 2, endOnFailure: true },
    );
  }, 120_000);

  it('answers 421 for a tenant homed in another region and reads none of its data', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...REGIONS), fc.constantFrom(...REGIONS), fc.stringMatching(/^t[a-z0-9]{3,8}$/), async (served, home, tenantId) => {
        // Only a tenant of another region: one homed where it is served is read, by a client that answers nothing here.
        fc.pre(served !== home);
        // Prepare: a function of region `served`, whose tenant data clients count every call.
        let reads = 0;
        const db = () => ({ send: async () => void (reads += 1) }) as unknown as DynamoDBDocumentClient;
        const entry = { tenantId, slug: tenantId, region: home, status: 'ACTIVE' } as unknown as TenantDirectoryEntry;
        const endpoints = Object.fromEntries(REGIONS.map((region) => [region, `https://api.${region}.example`]));
        const deps: ResourceDependencies = {
          logger: createLogger('residency', 'ERROR'),
          tenantGate: createTenantGate({ directory: { get: async () => entry }, region: served, regionEndpoints: endpoints }),
          tableName: 'table',
          db,
          cursors: new CursorCodec('residency-property-cursor-secret-32ch'),
          executor: {} as unknown as MutationExecutor,
          plans: {} as PlanSource,
        };
        const config = parseRuntimeConfig({ AWS_REGION: served, TABLE_NAME: 'table', LOG_LEVEL: 'ERROR' });
        const handler = createPortabilityHandler(config, deps, {} as PortabilityJobService);
        const event = restEvent({
          method: 'GET',
          resource: '/v1/tenants/{tenantId}/compliance',
          pathParameters: { tenantId },
          auth: { principalType: 'user', principalId: 'u-1', tenantId, roles: ['tenant-admin'] },
        });

        // Act
        const result = (await handler(event, lambdaContext())) as APIGatewayProxyResult;

        // Assess
        expect({ status: result.statusCode, reads }).toEqual({ status: 421, reads: 0 });
        expect(JSON.parse(result.body)).toMatchObject({ region: home });
      }),
      { numRuns: 30 },
    );
  });
});

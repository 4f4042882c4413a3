import * as os from 'node:os';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { PLAN_IDS } from '../../functions/billing/plan.catalogue';
import { TENANT_ROLES } from '../../functions/core/roles';
import { usageIdentifierKey } from '../../functions/identity/usage-identifier';
import { parseManifest } from '../../functions/tenants/tenant-manifest.loader';
import type { TenantManifest, TenantManifestInput } from '../../functions/tenants/tenant-manifest.schema';
import { ISSUER_REGISTRATION_RESOURCE_TYPE } from '../../lib/constructs/issuer-registrar';
import { addTenantStacks } from '../../lib/platform-app';
import { tenantDomainPrefix } from '../../lib/tenant-identity';
import type { CfnResource, CfnTemplate } from '../support/iam-simulation';
import { CDK_CONTEXT, CONFIG, STUB_CODE } from './support/platform-fixture';
import { renderIntrinsics } from './support/intrinsics';

/**
 * Property 12, tenant SSO integration: for random sets of tenant manifests (SAML and OIDC providers, email
 * domains, console URLs, regions), synthesized together in one app, each tenant's stack has exactly its own
 * identity providers, hosted UI domain, groups and redirect URLs, in its own region, and nothing of another tenant.
 */

const label = fc.stringMatching(/^[a-z][a-z0-9]{1,7}$/).filter((text) => !/aws|amazon|cognito/.test(text));
const segment = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const mapping = fc
  .subarray(['name', 'given_name', 'family_name', 'preferred_username'] as const)
  .map((attributes) => Object.fromEntries([['email', 'mail'], ...attributes.map((attribute) => [attribute, `claim_${attribute}`])]));

/** One tenant's manifest: every value that could leak carries the tenant's base name between delimiters. */
function manifestArb(base: string): fc.Arbitrary<TenantManifestInput> {
  const host = (sub: string) => `${sub}.${base}.example`;
  const providers = fc.uniqueArray(label, { maxLength: 4 }).chain((providerNames) =>
    fc.tuple(
      ...providerNames.map((name, index) =>
        fc
          .record({
            kind: fc.constantFrom('saml' as const, 'oidc' as const),
            sub: segment,
            path: segment,
            identify: fc.boolean(),
            attributeMapping: mapping,
            scopes: fc.subarray(['email', 'profile'], { minLength: 0 }),
          })
          .map((p) => ({ ...p, name: `Idp${name}`, index })),
      ),
    ),
  );
  return fc
    .record({
      homeRegion: fc.constantFrom(...CONFIG.regions),
      plan: fc.constantFrom(...PLAN_IDS),
      mfa: fc.constantFrom('OFF' as const, 'OPTIONAL' as const, 'REQUIRED' as const),
      providers,
      console: fc.option(fc.record({ callback: segment, logout: fc.option(segment, { nil: undefined }) }), { nil: undefined }),
      domains: fc.uniqueArray(segment, { maxLength: 2 }),
    })
    .map(({ homeRegion, plan, mfa, providers: list, console, domains }) => ({
      id: `t-${base}`,
      slug: `s-${base}`,
      name: `Tenant ${base}`,
      plan,
      homeRegion,
      mfa,
      emailDomains: domains.map(host),
      admins: [`admin@${host('mail')}`],
      sso: {
        saml: list
          .filter((p) => p.kind === 'saml')
          .map((p) => ({
            name: p.name,
            metadataUrl: `https://${host(p.sub)}/saml/${p.path}`,
            identifiers: p.identify ? [host(`idp${p.index}`)] : [],
            attributeMapping: p.attributeMapping,
          })),
        oidc: list
          .filter((p) => p.kind === 'oidc')
          .map((p) => ({
            name: p.name,
            issuer: `https://${host(p.sub)}/oidc/${p.path}`,
            clientId: `client.${base}.${p.path}`,
            clientSecretRef: `tenants/${base}/${p.name}`,
            scopes: ['openid', ...p.scopes],
            identifiers: p.identify ? [host(`idp${p.index}`)] : [],
            attributeMapping: p.attributeMapping,
          })),
      },
      ...(console
        ? {
            console: {
              callbackUrls: [`https://${host('console')}/${console.callback}`],
              logoutUrls: console.logout ? [`https://${host('console')}/${console.logout}`] : [],
            },
          }
        : {}),
    }));
}

const tenantsArb = fc
  .uniqueArray(label, { minLength: 2, maxLength: 4 })
  .chain((bases) => fc.tuple(...bases.map(manifestArb)))
  .map((inputs) => inputs.map((input) => parseManifest(input, `${input.slug}.json`)));

function resourcesOf(template: CfnTemplate, type: string): CfnResource[] {
  return Object.values(template.Resources).filter((resource) => resource.Type === type);
}

/** Every string in the template, intrinsics rendered. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsOf(inner)]);
  return [];
}

/** What a manifest's pool should federate, in Cognito's terms. */
function expectedProviders(manifest: TenantManifest) {
  return [
    ...manifest.sso.saml.map((p) => ({
      ProviderName: p.name,
      ProviderType: 'SAML',
      ProviderDetails: { MetadataURL: p.metadataUrl },
      IdpIdentifiers: p.identifiers.length > 0 ? p.identifiers : undefined,
      AttributeMapping: p.attributeMapping,
    })),
    ...manifest.sso.oidc.map((p) => ({
      ProviderName: p.name,
      ProviderType: 'OIDC',
      ProviderDetails: {
        client_id: p.clientId,
        client_secret: `{{resolve:secretsmanager:${p.clientSecretRef}:SecretString:::}}`,
        oidc_issuer: p.issuer,
        authorize_scopes: p.scopes.join(' '),
        attributes_request_method: 'GET',
      },
      IdpIdentifiers: p.identifiers.length > 0 ? p.identifiers : undefined,
      AttributeMapping: p.attributeMapping,
    })),
  ].sort((a, b) => a.ProviderName.localeCompare(b.ProviderName));
}

/** Strings that only the tenant's own stack may contain, as patterns that do not match inside another's. */
function markersOf(manifest: TenantManifest): RegExp[] {
  const token = (text: string) => new RegExp(`(^|[^a-z0-9-])${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9-])`);
  const base = manifest.id.slice('t-'.length);
  return [
    token(manifest.id),
    token(manifest.slug),
    token(tenantDomainPrefix(CONFIG, manifest.slug)),
    new RegExp(`\\.${base}\\.example`),
    new RegExp(`/${base}/`),
  ];
}

describe('property 12: tenant SSO integration', () => {
  it("gives each tenant's pool exactly its own identity providers, domain, groups and redirect URLs, in its own region, and nothing of another tenant", () => {
    fc.assert(
      fc.property(tenantsArb, (manifests) => {
        // Prepare
        const app = new App({ context: CDK_CONTEXT });

        // Act
        const stacks = addTenantStacks(app, CONFIG, { manifests, dir: os.tmpdir(), label: 'tenants' }, STUB_CODE);

        // Assess
        for (const manifest of manifests) {
          const stack = stacks.get(manifest.id)!;
          const json = renderIntrinsics(Template.fromStack(stack).toJSON() as CfnTemplate, manifest.homeRegion);
          const providers = resourcesOf(json, 'AWS::Cognito::UserPoolIdentityProvider')
            .map((resource) => {
              const { ProviderName, ProviderType, ProviderDetails, IdpIdentifiers, AttributeMapping } = resource.Properties!;
              return { ProviderName, ProviderType, ProviderDetails, IdpIdentifiers, AttributeMapping };
            })
            .sort((a, b) => a.ProviderName.localeCompare(b.ProviderName));
          const [client] = resourcesOf(json, 'AWS::Cognito::UserPoolClient');
          const redirects = manifest.console ?? CONFIG.console;

          expect(stack.region).toBe(manifest.homeRegion);
          expect(resourcesOf(json, 'AWS::Cognito::UserPool')).toHaveLength(1);
          expect(providers).toEqual(expectedProviders(manifest));
          expect(resourcesOf(json, 'AWS::Cognito::UserPoolDomain').map((r) => r.Properties!.Domain)).toEqual([tenantDomainPrefix(CONFIG, manifest.slug)]);
          expect(
            resourcesOf(json, 'AWS::Cognito::UserPoolGroup')
              .map((r) => r.Properties!.GroupName)
              .sort(),
          ).toEqual([...TENANT_ROLES].sort());
          expect(resourcesOf(json, 'AWS::Cognito::UserPoolClient')).toHaveLength(1);
          // The manifest's (or the config's) redirect URLs, then the region's console (its URL read from SSM at deploy).
          expect(client.Properties!.CallbackURLs).toEqual([...redirects.callbackUrls, expect.stringMatching(/consoleurl.*\/auth\/callback$/)]);
          expect(client.Properties!.LogoutURLs).toEqual([...redirects.logoutUrls, expect.stringMatching(/consoleurl[^/]*\/$/)]);
          expect([...client.Properties!.SupportedIdentityProviders].sort()).toEqual(['COGNITO', ...providers.map((p) => p.ProviderName)].sort());
          const [registration] = resourcesOf(json, ISSUER_REGISTRATION_RESOURCE_TYPE);
          expect(registration.Properties).toMatchObject({ Region: manifest.homeRegion, Registration: { kind: 'tenant', tenantId: manifest.id } });
          expect(registration.Properties!.Registration.issuer).toMatch(new RegExp(`^https://cognito-idp\\.${manifest.homeRegion}\\.`));
          expect(resourcesOf(json, 'AWS::ApiGateway::ApiKey').map((r) => r.Properties!.Value)).toEqual([usageIdentifierKey(CONFIG.stage, manifest.id)]);
          const triggers = resourcesOf(json, 'AWS::Lambda::Function').map((r) => r.Properties!.Environment.Variables.TENANT_ID);
          expect(triggers).toEqual([manifest.id]);

          const strings = stringsOf(json);
          for (const other of manifests.filter((m) => m !== manifest)) {
            for (const marker of markersOf(other)) {
              expect({ tenant: manifest.id, foreign: strings.filter((text) => marker.test(text)) }).toEqual({ tenant: manifest.id, foreign: [] });
            }
          }
          for (const region of CONFIG.regions.filter((r) => r !== manifest.homeRegion)) {
            expect({ tenant: manifest.id, elsewhere: strings.filter((text) => text.includes(region)) }).toEqual({ tenant: manifest.id, elsewhere: [] });
          }
        }
      }),
      { numRuns: 12 },
    );
  });
});

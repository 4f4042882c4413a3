import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SecretValue } from 'aws-cdk-lib';
import { ManifestError, type ManifestProblem } from '../functions/tenants/tenant-manifest.loader';
import type { TenantManifest } from '../functions/tenants/tenant-manifest.schema';
import { cognitoDomainPrefixProblem, redirectUrlSchema, type PlatformConfig } from './config';
import type { IdentityProviderDefinition } from './constructs/hosted-user-pool';
import { TENANT_ID_CLAIM } from '../functions/identity/tenant-attribute';

/**
 * What a tenant's pool is made of, read from its manifest: the identity providers, the console's redirect URLs and
 * the hosted UI domain. What the manifest schema cannot know (Cognito's rules, the platform's config, files beside
 * the manifest) is checked here, and every problem names the manifest file and field, like the loader's.
 */

/** Provider names Cognito keeps for its social providers and its own users. */
const RESERVED_PROVIDER_NAMES = ['Cognito', 'COGNITO', 'Google', 'Facebook', 'LoginWithAmazon', 'SignInWithApple'];

/** Largest SAML metadata document Cognito accepts inline. */
const MAX_METADATA_FILE_CHARS = 131_072;

export interface TenantIdentity {
  readonly identityProviders: readonly IdentityProviderDefinition[];
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
  readonly domainPrefix: string;
}

export interface TenantIdentityOptions {
  /** The manifest's file as people know it (`tenants/acme.json`), for messages. */
  readonly manifestFile: string;
  /** Folder of the manifest, where `metadataFile`s are. */
  readonly manifestDir: string;
}

/** The hosted UI domain prefix of a tenant: `<authDomainPrefix>-<stage>-<slug>`. */
export function tenantDomainPrefix(config: PlatformConfig, slug: string): string {
  return `${config.authDomainPrefix}-${config.stage}-${slug}`;
}

/** The hosted UI domain prefix of the platform admins: `<authDomainPrefix>-admin-<stage>`. */
export function adminDomainPrefix(config: PlatformConfig): string {
  return `${config.authDomainPrefix}-admin-${config.stage}`;
}

/** The checks every identity provider of the manifest passes: its name, identifiers unique across the pool, its mapping. */
function commonProviderChecks(problem: (field: string, message: string) => void) {
  const identifierOwners = new Map<string, string>();
  return (kind: 'saml' | 'oidc', index: number, name: string, identifiers: readonly string[], mapping: Readonly<Record<string, string>>) => {
    const field = `sso.${kind}[${index}]`;
    if (RESERVED_PROVIDER_NAMES.includes(name)) problem(`${field}.name`, `${name} is a name Cognito reserves for its own providers`);
    identifiers.forEach((identifier, i) => {
      const owner = identifierOwners.get(identifier);
      if (owner) problem(`${field}.identifiers[${i}]`, `${identifier} already routes to ${owner}: an identifier names one provider of the pool`);
      else identifierOwners.set(identifier, name);
    });
    for (const attribute of Object.keys(mapping)) {
      if (attribute.startsWith('custom:')) {
        problem(
          `${field}.attributeMapping.${attribute}`,
          attribute === TENANT_ID_CLAIM
            ? `${TENANT_ID_CLAIM} is set by the platform, never by an identity provider`
            : `the tenant pool has no attribute ${attribute}`,
        );
      }
    }
  };
}

/** The provider details of a SAML provider: its metadata URL, or its metadata file read beside the manifest and checked. */
function samlDetailsOf(
  provider: TenantManifest['sso']['saml'][number],
  index: number,
  manifestDir: string,
  problem: (field: string, message: string) => void,
): Record<string, string> | undefined {
  let details: Record<string, string> | undefined;
  if (provider.metadataUrl) details = { MetadataURL: provider.metadataUrl };
  if (provider.metadataFile) {
    const file = path.join(manifestDir, provider.metadataFile);
    try {
      const metadata = readFileSync(file, 'utf8');
      if (metadata.length > MAX_METADATA_FILE_CHARS)
        problem(`sso.saml[${index}].metadataFile`, `${provider.metadataFile} is larger than Cognito's ${MAX_METADATA_FILE_CHARS} characters`);
      else if (!/<(\w+:)?EntityDescriptor[\s>]/.test(metadata))
        problem(`sso.saml[${index}].metadataFile`, `${provider.metadataFile} is not SAML metadata (no EntityDescriptor)`);
      else details = { MetadataFile: metadata };
    } catch (error) {
      problem(`sso.saml[${index}].metadataFile`, `cannot read ${provider.metadataFile} beside the manifest: ${(error as Error).message}`);
    }
  }
  return details;
}

/** Reads a tenant's identity from its manifest; throws a ManifestError listing every problem. */
export function tenantIdentityOf(config: PlatformConfig, manifest: TenantManifest, options: TenantIdentityOptions): TenantIdentity {
  const problems: ManifestProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ file: options.manifestFile, field, message });

  const identityProviders: IdentityProviderDefinition[] = [];
  const checkCommon = commonProviderChecks(problem);

  manifest.sso.saml.forEach((provider, index) => {
    checkCommon('saml', index, provider.name, provider.identifiers, provider.attributeMapping);
    const details = samlDetailsOf(provider, index, options.manifestDir, problem);
    if (details) {
      identityProviders.push({ name: provider.name, type: 'SAML', details, identifiers: provider.identifiers, attributeMapping: provider.attributeMapping });
    }
  });

  manifest.sso.oidc.forEach((provider, index) => {
    checkCommon('oidc', index, provider.name, provider.identifiers, provider.attributeMapping);
    const secretRegion = /^arn:[^:]+:secretsmanager:([^:]+):/.exec(provider.clientSecretRef)?.[1];
    if (secretRegion !== undefined && secretRegion !== manifest.homeRegion) {
      problem(
        `sso.oidc[${index}].clientSecretRef`,
        `the secret is in ${secretRegion}; the tenant's pool is in ${manifest.homeRegion} and reads secrets of its own region only`,
      );
    }
    identityProviders.push({
      name: provider.name,
      type: 'OIDC',
      details: {
        client_id: provider.clientId,
        // A dynamic reference: CloudFormation resolves the secret when it deploys; the template never holds it.
        client_secret: SecretValue.secretsManager(provider.clientSecretRef).unsafeUnwrap(),
        oidc_issuer: provider.issuer,
        authorize_scopes: provider.scopes.join(' '),
        attributes_request_method: 'GET',
      },
      identifiers: provider.identifiers,
      attributeMapping: provider.attributeMapping,
    });
  });

  const redirects = manifest.console ?? config.console;
  const checkUrls = (field: 'callbackUrls' | 'logoutUrls', urls: readonly string[]) =>
    urls.forEach((url, index) => {
      const result = redirectUrlSchema.safeParse(url);
      if (!result.success) problem(`console.${field}[${index}]`, result.error.issues[0].message);
    });
  if (manifest.console) {
    checkUrls('callbackUrls', manifest.console.callbackUrls);
    checkUrls('logoutUrls', manifest.console.logoutUrls);
  }

  const domainPrefix = tenantDomainPrefix(config, manifest.slug);
  const domainProblem = cognitoDomainPrefixProblem(domainPrefix);
  if (domainProblem) problem('slug', domainProblem);

  if (!config.regions.includes(manifest.homeRegion)) {
    problem('homeRegion', `${manifest.homeRegion} is not a residency region of the platform (${config.regions.join(', ')})`);
  }

  if (problems.length > 0) throw new ManifestError(problems);
  return { identityProviders, callbackUrls: redirects.callbackUrls, logoutUrls: redirects.logoutUrls, domainPrefix };
}

import * as path from 'node:path';
import { Tags, Validations, type App, type Stage } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { loadManifests, ManifestError } from '../functions/tenants/tenant-manifest.loader';
import { manifestFileName, type TenantManifest } from '../functions/tenants/tenant-manifest.schema';
import type { PlatformConfig } from './config';
import { PlatformNames } from './naming';
import { REPO_ROOT, TENANTS_DIR } from './source-paths';
import type { ManifestStoreReader } from './constructs/manifest-store';
import { ControlPlaneStack } from './stacks/control-plane-stack';
import { RegionStack } from './stacks/region-stack';
import { TenantStack } from './stacks/tenant-stack';
import { buildConsoleSync } from '../web/build';
import { adminDomainPrefix, tenantDomainPrefix } from './tenant-identity';

export interface PlatformAppOptions {
  /**
   * Code to deploy for every function instead of bundling (tests).
   * @default - each function's entry bundled by esbuild
   */
  readonly functionCode?: lambda.Code;
  /**
   * The tenant manifests: one TenantStack each.
   * @default none
   */
  readonly tenants?: TenantManifests;
  /**
   * The built web console each region serves.
   * @default web/ built into the app's output directory
   */
  readonly consoleAssetDir?: string;
}

/** Tenant manifests and where they were read from (SAML metadata files sit beside them). */
export interface TenantManifests {
  readonly manifests: readonly TenantManifest[];
  /** The folder of the manifests. */
  readonly dir: string;
  /** The folder as problems name it, e.g. `tenants`. */
  readonly label: string;
}

/** The stacks of the platform. */
export interface PlatformStacks {
  /** One stack per residency region, by region. */
  readonly regions: ReadonlyMap<string, RegionStack>;
  /** The control plane, in the home region. */
  readonly controlPlane: ControlPlaneStack;
  /** One stack per tenant manifest, by tenant id. */
  readonly tenants: ReadonlyMap<string, TenantStack>;
}

/** The construct id (and CLI name) of a region's stack. */
export function regionStackId(region: string): string {
  return `Region-${region}`;
}

/** The construct id (and CLI name) of the control plane's stack. */
export const CONTROL_PLANE_STACK_ID = 'ControlPlane';

/**
 * Reads `tenants/*.json` (or another folder): a bad manifest fails synthesis with the file and field of every
 * problem (functions/tenants/tenant-manifest.loader.ts).
 */
export function loadTenantManifests(dir: string = TENANTS_DIR): TenantManifests {
  const label = path.relative(REPO_ROOT, dir) || dir;
  return { manifests: loadManifests(dir, label), dir, label };
}

/**
 * Builds the platform into the app: one RegionStack per residency region, the ControlPlaneStack in the home region,
 * one TenantStack per manifest in its home region, tagged, and checked by cdk-nag's AWS Solutions rules at
 * synthesis. Stacks share no CloudFormation references (see lib/naming.ts); their dependencies only order
 * deployments: regions, then the control plane (it registers its issuer in every region), then each tenant after
 * its region (its SSM parameters and registrar).
 */
export function buildPlatform(app: App, config: PlatformConfig, options: PlatformAppOptions = {}): PlatformStacks {
  checkAndTag(app, config);
  const consoleAssetDir = options.consoleAssetDir ?? buildConsoleSync(path.join(app.outdir, 'console-build')).dir;
  const { regions, controlPlane } = addPlatformStacks(app, config, options.functionCode, consoleAssetDir);
  const tenants = addTenantStacks(app, config, options.tenants, options.functionCode);
  for (const tenant of tenants.values()) {
    const region = regions.get(tenant.manifest.homeRegion);
    if (region) tenant.addStackDependency(region, "reads its region's usage plans and issuer registrar");
  }
  return { regions, controlPlane, tenants };
}

/** cdk-nag's AWS Solutions rules at synthesis, and the platform's tags, on an app or a pipeline stage. */
export function checkAndTag(scope: App | Stage, config: PlatformConfig): void {
  Validations.of(scope).addPlugins(new AwsSolutionsChecks(scope));
  Tags.of(scope).add('platform', 'agent-platform');
  Tags.of(scope).add('stage', config.stage);
}

/** The region stacks and the control plane after them: what a fleet deployment updates before any tenant. */
export function addPlatformStacks(
  scope: Construct,
  config: PlatformConfig,
  functionCode?: lambda.Code,
  consoleAssetDir?: string,
  manifestReaders?: readonly ManifestStoreReader[],
): Omit<PlatformStacks, 'tenants'> {
  const regions = new Map<string, RegionStack>();
  for (const region of config.regions) {
    regions.set(
      region,
      new RegionStack(scope, regionStackId(region), {
        stackName: `agent-platform-${config.stage}-region-${region}`,
        config,
        region,
        functionCode,
        consoleAssetDir,
      }),
    );
  }

  const controlPlane = new ControlPlaneStack(scope, CONTROL_PLANE_STACK_ID, {
    stackName: `agent-platform-${config.stage}-control-plane`,
    config,
    functionCode,
    manifestReaders,
  });
  for (const region of regions.values()) controlPlane.addStackDependency(region, 'registers the platform-admin issuer in every region');
  return { regions, controlPlane };
}

/**
 * One TenantStack per manifest, each in its home region. Hosted UI domains must differ (Cognito domains are global
 * per region): a clash fails synthesis naming both manifests.
 */
export function addTenantStacks(scope: Construct, config: PlatformConfig, tenants?: TenantManifests, functionCode?: lambda.Code): Map<string, TenantStack> {
  const stacks = new Map<string, TenantStack>();
  if (!tenants) return stacks;
  const names = new PlatformNames(config.stage);
  const domains = new Map<string, string>([[adminDomainPrefix(config), 'the platform-admin pool']]);
  for (const manifest of tenants.manifests) {
    const manifestFile = path.join(tenants.label, manifestFileName(manifest.slug));
    const domain = tenantDomainPrefix(config, manifest.slug);
    const owner = domains.get(domain);
    if (owner) throw new ManifestError([{ file: manifestFile, field: 'slug', message: `hosted UI domain ${domain} is already that of ${owner}` }]);
    domains.set(domain, manifestFile);
    stacks.set(
      manifest.id,
      new TenantStack(scope, names.tenantStackId(manifest.id), { config, manifest, manifestFile, manifestDir: tenants.dir, functionCode }),
    );
  }
  return stacks;
}

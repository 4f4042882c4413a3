import { Tags, Validations, type App } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PlatformConfig } from './config';
import { RegionStack } from './stacks/region-stack';

export interface PlatformAppOptions {
  /**
   * Code to deploy for every function instead of bundling (tests).
   * @default - each function's entry bundled by esbuild
   */
  readonly functionCode?: lambda.Code;
}

/** The stacks of the platform. */
export interface PlatformStacks {
  /** One stack per residency region, by region. */
  readonly regions: ReadonlyMap<string, RegionStack>;
}

/** The construct id (and CLI name) of a region's stack. */
export function regionStackId(region: string): string {
  return `Region-${region}`;
}

/**
 * Builds the platform into the app: one RegionStack per residency region (control-plane and tenant stacks join
 * here), tagged, and checked by cdk-nag's AWS Solutions rules at synthesis.
 */
export function buildPlatform(app: App, config: PlatformConfig, options: PlatformAppOptions = {}): PlatformStacks {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  Tags.of(app).add('platform', 'agent-platform');
  Tags.of(app).add('stage', config.stage);

  const regions = new Map<string, RegionStack>();
  for (const region of config.regions) {
    regions.set(
      region,
      new RegionStack(app, regionStackId(region), {
        stackName: `agent-platform-${config.stage}-region-${region}`,
        config,
        region,
        functionCode: options.functionCode,
      }),
    );
  }
  return { regions };
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { parsePlatformConfig, PLATFORM_CONTEXT_KEY, type PlatformConfig } from '../../../lib/config';
import { buildPlatform, loadTenantManifests, type PlatformStacks, type TenantManifests } from '../../../lib/platform-app';
import { REPO_ROOT } from '../../../lib/source-paths';
import type { CfnTemplate } from '../../support/iam-simulation';

/** The context of cdk.json (feature flags and platform config): tests synthesize what `cdk synth` synthesizes. */
export const CDK_CONTEXT: Readonly<Record<string, unknown>> = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')).context;

export const CONFIG: PlatformConfig = parsePlatformConfig(CDK_CONTEXT[PLATFORM_CONTEXT_KEY]);

/**
 * Stands in for the bundled handlers, so tests do not bundle: they check the deployed shape, which is the same
 * apart from the code (bundling itself is checked in bundling.test.ts).
 */
export const STUB_CODE = lambda.Code.fromInline("exports.handler = async () => { throw new Error('test stub'); };");

export interface FixtureOptions {
  /**
   * Run CDK's built-in CloudFormation validation as `cdk synth` does (about 10 s more); cdk-nag runs either way.
   * @default false
   */
  readonly builtinValidation?: boolean;
  /** Platform config. @default the one in cdk.json */
  readonly config?: PlatformConfig;
  /** Bundle the real handlers instead of using STUB_CODE. @default false */
  readonly bundle?: boolean;
  /** Tenant manifests. @default the repository's tenants/*.json */
  readonly tenants?: TenantManifests;
  /** Context values over those of cdk.json (feature flags). @default none */
  readonly context?: Readonly<Record<string, unknown>>;
}

export interface PlatformFixture {
  readonly app: App;
  readonly stacks: PlatformStacks;
  readonly outdir: string;
}

/** Builds the platform app the way bin/app.ts does, into a temporary cloud assembly directory. */
export function buildFixture(options: FixtureOptions = {}): PlatformFixture {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-test-'));
  const app = new App({
    context: { ...CDK_CONTEXT, 'aws:cdk:enable-path-metadata': true, ...options.context },
    outdir,
    builtinCloudFormationValidation: options.builtinValidation ?? false,
  });
  const stacks = buildPlatform(app, options.config ?? CONFIG, {
    ...(options.bundle ? {} : { functionCode: STUB_CODE }),
    tenants: options.tenants ?? loadTenantManifests(),
  });
  return { app, stacks, outdir };
}

/** Template assertions and the raw template JSON of a stack. */
export interface StackTemplate {
  readonly template: Template;
  readonly json: CfnTemplate;
}

export function templateOf(stack: Stack): StackTemplate {
  const template = Template.fromStack(stack);
  return { template, json: template.toJSON() as CfnTemplate };
}

/** The logical id of a construct's CloudFormation resource (the construct itself or its default child). */
export function logicalIdOf(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).resolve(element.logicalId) as string;
}

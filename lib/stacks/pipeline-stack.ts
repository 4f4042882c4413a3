import * as path from 'node:path';
import { buildConsoleSync } from '../../web/build';
import { Aws, Stack, Stage, Validations, type StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { PLAN_IDS } from '../../functions/billing/plan.catalogue';
import type { TenantManifest } from '../../functions/tenants/tenant-manifest.schema';
import type { PipelineConfig, PipelineEnvironment, PlatformConfig } from '../config';
import { MANIFEST_STORE_PREFIX, type ManifestStoreReader } from '../constructs/manifest-store';
import { PlatformNames } from '../naming';
import { addPlatformStacks, addTenantStacks, checkAndTag, type PlatformStacks, type TenantManifests } from '../platform-app';
import type { TenantStack } from './tenant-stack';

/** The folder the synth step fills with an environment's manifests (committed ones, then the store's over them). */
export function fleetManifestsDir(stage: string): string {
  return `.fleet/${stage}`;
}

/** The platform config of one environment of the pipeline: its stage and account over the platform's. */
export function environmentConfig(config: PlatformConfig, environment: PipelineEnvironment): PlatformConfig {
  return { ...config, stage: environment.stage, account: environment.account ?? config.account };
}

/** Whether a person approves before the environment changes: as configured, else for production stages. */
export function needsApproval(environment: PipelineEnvironment): boolean {
  return environment.approval ?? ['prod', 'production'].includes(environment.stage);
}

/**
 * Tenants in deployment waves: free tenants first, enterprise last (a change that breaks shows where it costs
 * least), by slug within a plan, `size` per wave.
 */
export function tenantWaves(manifests: readonly TenantManifest[], size: number): TenantManifest[][] {
  const ordered = [...manifests].sort((a, b) => PLAN_IDS.indexOf(a.plan) - PLAN_IDS.indexOf(b.plan) || a.slug.localeCompare(b.slug));
  const waves: TenantManifest[][] = [];
  for (let start = 0; start < ordered.length; start += size) waves.push(ordered.slice(start, start + size));
  return waves;
}

interface PlatformStageProps {
  readonly config: PlatformConfig;
  readonly functionCode?: lambda.Code;
  /** The fleet pipeline's synth role, which reads this environment's manifest store. @default none */
  readonly manifestReaders?: readonly ManifestStoreReader[];
  /** The built console (web/build.ts). @default built when the stage is synthesized */
  readonly consoleAssetDir?: string;
}

/** An environment's region stacks and control plane, deployed regions first (stack dependencies order them). */
export class PlatformStage extends Stage {
  readonly stacks: Omit<PlatformStacks, 'tenants'>;

  constructor(scope: Construct, id: string, props: PlatformStageProps) {
    super(scope, id, { env: { region: props.config.homeRegion, ...(props.config.account ? { account: props.config.account } : {}) } });
    checkAndTag(this, props.config);
    // The console is built into the stage's assembly, as `cdk synth` builds it for the app.
    const consoleAssetDir = props.consoleAssetDir ?? buildConsoleSync(path.join(this.outdir, 'console-build')).dir;
    this.stacks = addPlatformStacks(this, props.config, props.functionCode, consoleAssetDir, props.manifestReaders);
  }
}

interface TenantStageProps extends PlatformStageProps {
  readonly manifest: TenantManifest;
  readonly tenants: TenantManifests;
}

/** One tenant's stack, under the same stack name the onboarding build deploys it as. */
export class TenantStage extends Stage {
  readonly stack: TenantStack;

  constructor(scope: Construct, id: string, props: TenantStageProps) {
    super(scope, id, { env: { region: props.manifest.homeRegion, ...(props.config.account ? { account: props.config.account } : {}) } });
    checkAndTag(this, props.config);
    const stacks = addTenantStacks(this, props.config, { ...props.tenants, manifests: [props.manifest] }, props.functionCode);
    this.stack = stacks.get(props.manifest.id) as TenantStack;
  }
}

/** What the pipeline deploys for one environment, in order. */
export interface FleetEnvironment {
  readonly config: PlatformConfig;
  readonly approval: boolean;
  readonly platform: PlatformStage;
  readonly waves: readonly { readonly name: string; readonly tenants: readonly TenantStage[] }[];
}

export interface PipelineStackProps extends Omit<StackProps, 'env'> {
  /** The platform config; its `pipeline` section says what the pipeline deploys. */
  readonly config: PlatformConfig & { readonly pipeline: PipelineConfig };
  /** The manifests of an environment (bin/pipeline.ts reads the synth step's folder for it). */
  readonly tenantsOf: (environment: PlatformConfig) => TenantManifests;
  /**
   * Code of every function instead of bundling (tests).
   * @default - each function's entry bundled by esbuild
   */
  readonly functionCode?: lambda.Code;
}

/**
 * The fleet pipeline (CDK Pipelines), in the home region: it takes the repository from the configured source,
 * synthesizes once, updates itself, then for each environment in order deploys the region stacks and the control
 * plane, then the tenant stacks in waves, after a manual approval where the environment asks for one (production).
 *
 * Tenants onboarded through the API are recorded by the onboarding build in each environment's manifest store
 * (lib/constructs/manifest-store.ts); the synth step copies them over the committed `tenants/` into one folder per
 * environment before it synthesizes, so every fleet deployment reaches every tenant. The control plane it deploys
 * also refreshes the onboarding build's source, so newly onboarded tenants get the code of the last deployment.
 */
export class PipelineStack extends Stack {
  readonly pipeline: pipelines.CodePipeline;
  /** The synth step's role, named so the manifest stores of other accounts can let it read (ManifestStore.readers). */
  readonly synthRole: iam.Role;
  readonly environments: readonly FleetEnvironment[];

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    const { config, tenantsOf, functionCode, ...stackProps } = props;
    super(scope, id, {
      ...stackProps,
      env: { region: config.homeRegion, ...(config.account ? { account: config.account } : {}) },
      description: stackProps.description ?? `Agent platform (${config.stage}): fleet pipeline`,
    });
    const environments = (config.pipeline.environments ?? [{ stage: config.stage }]).map((environment) => ({
      config: environmentConfig(config, environment),
      approval: needsApproval(environment),
    }));
    const stores = environments.map((environment) => ({
      stage: environment.config.stage,
      bucket: new PlatformNames(environment.config.stage).manifestStoreName(config.homeRegion, environment.config.account ?? Aws.ACCOUNT_ID),
    }));

    const manifestReaders = fleetReaders(config, environments);
    this.synthRole = new iam.Role(this, 'SynthRole', {
      roleName: new PlatformNames(config.stage).fleetSynthRoleName,
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: 'The fleet pipeline synth step: reads the repository and every environment manifest store, synthesizes',
    });
    this.pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: `agent-platform-${config.stage}-fleet`,
      synth: new pipelines.CodeBuildStep('Synth', {
        role: this.synthRole,
        input: pipelineSource(this, config.pipeline),
        installCommands: ['npm ci --omit=dev --no-audit --no-fund'],
        commands: [
          ...stores.map((store) => syncManifestsCommand(store.bucket, fleetManifestsDir(store.stage))),
          'npx cdk synth --app "npx tsx bin/pipeline.ts" --no-notices',
        ],
        env: { CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: '1' },
        primaryOutputDirectory: 'cdk.out',
      }),
      // Environments in other accounts read the artifacts through a KMS key the pipeline then needs (rotated).
      ...(environments.some((environment) => environment.config.account !== config.account) ? { crossAccountKeys: true, enableKeyRotation: true } : {}),
      synthCodeBuildDefaults: { rolePolicy: manifestReadStatements(stores.map((store) => store.bucket)) },
      codeBuildDefaults: { buildEnvironment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.MEDIUM } },
    });

    this.environments = environments.map((environment) => {
      const stage = environment.config.stage;
      const platform = new PlatformStage(this, `${stage}-Platform`, { config: environment.config, functionCode, manifestReaders });
      this.pipeline.addStage(
        platform,
        environment.approval
          ? { pre: [new pipelines.ManualApprovalStep(`Approve-${stage}`, { comment: `Deploy the ${stage} platform and its tenants` })] }
          : {},
      );
      const tenants = tenantsOf(environment.config);
      const waves = tenantWaves(tenants.manifests, config.pipeline.tenantWaveSize).map((manifests, index) => {
        const name = `${stage}-Tenants-${index + 1}`;
        const wave = this.pipeline.addWave(name);
        const stages = manifests.map((manifest) => {
          const tenantStage = new TenantStage(this, `${stage}-Tenant-${manifest.id}`, { config: environment.config, manifest, tenants, functionCode });
          wave.addStage(tenantStage);
          return tenantStage;
        });
        return { name, tenants: stages };
      });
      return { ...environment, platform, waves };
    });
  }

  /** Builds the pipeline now (CDK Pipelines would at synthesis) so its generated resources can be acknowledged. */
  finish(): void {
    this.pipeline.buildPipeline();
    acknowledgePipelineDefaults(this);
  }
}

/** The repository, from the configured source. */
export function pipelineSource(scope: Construct, pipeline: PipelineConfig): pipelines.CodePipelineSource {
  const source = pipeline.source;
  switch (source.kind) {
    case 'codeconnections':
      return pipelines.CodePipelineSource.connection(source.repository, source.branch, { connectionArn: source.connectionArn });
    case 'codecommit':
      return pipelines.CodePipelineSource.codeCommit(codecommit.Repository.fromRepositoryName(scope, 'Repository', source.repositoryName), source.branch);
    case 's3':
      return pipelines.CodePipelineSource.s3(s3.Bucket.fromBucketName(scope, 'SourceBucket', source.bucketName), source.objectKey);
  }
}

/**
 * Copies the committed manifests, then the store's over them, into the environment's folder. A store that does
 * not exist yet (no control plane deployed) leaves the committed ones; any other failure fails the build, since
 * deploying without the store's tenants would silently leave them behind.
 */
export function syncManifestsCommand(bucket: string, dir: string): string {
  return [
    `mkdir -p ${dir} && cp -R tenants/. ${dir}/`,
    `if aws s3api head-bucket --bucket "${bucket}" 2> ${dir}.err; then aws s3 cp "s3://${bucket}/${MANIFEST_STORE_PREFIX}" ${dir}/ --recursive;`,
    `elif grep -q "Not Found" ${dir}.err; then echo "no manifest store ${bucket} yet: committed manifests only";`,
    `else cat ${dir}.err; exit 1; fi`,
  ].join(' ');
}

/**
 * What CDK Pipelines generates and cdk-nag flags, by rule: why each stays. A finding of any other rule, or on a
 * resource outside the generated pipeline, is not acknowledged and fails synthesis.
 */
const PIPELINE_FINDINGS: readonly (readonly [RegExp, string])[] = [
  [
    /^AwsSolutions-IAM5\[Action::(s3:(Abort|DeleteObject|GetBucket|GetObject|List)|kms:(GenerateDataKey|ReEncrypt))\*\]$/,
    "CDK Pipelines' grants on its own artifact buckets and their keys: each role reads and writes the pipeline's artifacts, nothing else",
  ],
  [
    /^AwsSolutions-IAM5\[Resource::(<[A-Za-z0-9]+\.Arn>|arn:[^\]]+:s3:::[a-z0-9.-]+)\/\*\]$/,
    "CDK Pipelines' grants on the objects of its own artifact buckets (the home region's and its cross-region support buckets)",
  ],
  [
    /^AwsSolutions-IAM5\[Resource::arn:[^\]]+:(logs:[^\]]+:log-group:\/aws\/codebuild\/(<[A-Za-z0-9]+>:)?\*|codebuild:[^\]]+:report-group\/(<[A-Za-z0-9]+>-)?\*)\]$/,
    "CodeBuild's default grants on the pipeline projects' log streams and report groups (the asset projects are named by CDK Pipelines at synthesis, hence the prefix)",
  ],
  [
    /^AwsSolutions-IAM5\[Resource::arn:[^\]]+:iam::[^\]]+:role\/(cdk-[a-z0-9]+-)?\*\]$/,
    'Self-mutation and asset publishing assume the CDK bootstrap roles of the target environments (their trust policies admit only this account), which hold the deployment permissions themselves',
  ],
  [
    new RegExp(
      String.raw`^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:s3:::ap-[a-z0-9-]+-manifests-[^/]+/${MANIFEST_STORE_PREFIX.replace('/', '\\/')}\*\]$`,
    ),
    "The synth step reads the tenants' manifests of each environment's manifest store: every manifest, since every tenant is deployed, and only under the manifests prefix",
  ],
  [
    /^AwsSolutions-IAM5\[Resource::\*\]$/,
    "CDK Pipelines' self-mutation reads CloudFormation stacks and the bootstrap version; these reads have no resource-level permissions",
  ],
  [/^AwsSolutions-S1$/, "The pipeline's artifact buckets hold build artifacts only, written and read by the pipeline's roles; CloudTrail logs every access"],
  [
    /^AwsSolutions-CB4$/,
    "The pipeline's CodeBuild projects write only to the pipeline's artifact bucket, encrypted with its key; a project key would protect nothing more",
  ],
  [/^AwsSolutions-KMS5$/, 'The key of the cross-region support stack is made by CDK Pipelines; rotation is enabled on the pipeline key it controls'],
];

/**
 * Acknowledges the findings cdk-nag has on the generated pipeline (and its cross-region support stacks) that
 * PIPELINE_FINDINGS explains, each where it is.
 */
function acknowledgePipelineDefaults(stack: PipelineStack): void {
  const scopes: Construct[] = [stack.pipeline, stack.synthRole, ...Object.values(stack.pipeline.pipeline.crossRegionSupport).map((support) => support.stack)];
  for (const scope of scopes) {
    const generated = new Map(scope.node.findAll().map((construct) => [construct.node.path, construct]));
    for (const violation of new AwsSolutionsChecks().validateScope(scope).violations) {
      const reason = PIPELINE_FINDINGS.find(([rule]) => rule.test(violation.ruleName))?.[1];
      if (!reason) continue;
      for (const resource of violation.violatingResources) {
        const construct = resource.constructPath ? generated.get(resource.constructPath) : undefined;
        if (construct) Validations.of(construct).acknowledge({ id: violation.ruleName, reason });
      }
    }
  }
}

/**
 * The roles of the pipeline's account that read the environments' manifest stores: its synth role, named in the
 * bucket policy of every store (needed where the environment has its own account, harmless in the pipeline's).
 * Without a configured account the pipeline cannot name its role for another account's bucket.
 */
function fleetReaders(config: PlatformConfig, environments: readonly { readonly config: PlatformConfig }[]): ManifestStoreReader[] {
  if (!config.account) {
    const foreign = environments.find((environment) => environment.config.account !== undefined);
    if (foreign) throw new Error(`the fleet pipeline needs its own account in the config to let ${foreign.config.stage}'s account be read`);
    return [];
  }
  return [{ account: config.account, roleName: new PlatformNames(config.stage).fleetSynthRoleName }];
}

/** The synth step lists and reads the manifest stores of every environment, nothing else of them. */
function manifestReadStatements(buckets: readonly string[]): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ListManifestStores',
      actions: ['s3:ListBucket'],
      resources: buckets.map((bucket) => `arn:${Aws.PARTITION}:s3:::${bucket}`),
    }),
    new iam.PolicyStatement({
      sid: 'ReadManifests',
      actions: ['s3:GetObject'],
      resources: buckets.map((bucket) => `arn:${Aws.PARTITION}:s3:::${bucket}/${MANIFEST_STORE_PREFIX}*`),
    }),
  ];
}

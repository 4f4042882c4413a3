import { Aws, type CfnElement, type CopyOptions, Duration, IgnoreMode, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  ONBOARDING_DETAIL_TYPES,
  ONBOARDING_EVENT_SOURCE,
  PROVISIONING_DETAIL_TYPES,
  PROVISIONING_EVENT_SOURCE,
} from '../../functions/tenants/onboarding.events';
import { MANIFEST_STORE_PREFIX } from './manifest-store';
import { TENANT_POOL_TAG } from './platform-function';
import type { PlatformConfig } from '../config';
import type { PlatformNames } from '../naming';
import { REPO_ROOT } from '../source-paths';
import { TENANT_STACK_OUTPUTS } from '../stacks/tenant-stack';

/** What the build needs of the repository: the CDK app, the functions it bundles, the committed manifests. */
const BUILD_SOURCE_FILES = ['bin', 'lib', 'functions', 'tenants', 'package.json', 'package-lock.json', 'cdk.json', 'tsconfig.json'] as const;

/** How the repository becomes the build source: git ignore semantics, everything but the listed files and folders. */
export const BUILD_SOURCE_COPY_OPTIONS: CopyOptions = {
  ignoreMode: IgnoreMode.GIT,
  exclude: ['*', ...BUILD_SOURCE_FILES.flatMap((file) => [`!/${file}`, `!/${file}/**`]), '.DS_Store'],
};

/** Variables the build exports to the state machine after a deployment: the tenant's login endpoints. */
const EXPORTED = { userPoolId: 'USER_POOL_ID', clientId: 'USER_POOL_CLIENT_ID', issuer: 'ISSUER', hostedUiUrl: 'HOSTED_UI_URL' } as const;

export interface OnboardingPipelineProps {
  readonly config: PlatformConfig;
  readonly names: PlatformNames;
  /** The control plane's bus: onboarding requests arrive on it, provisioning answers leave on it. */
  readonly bus: events.IEventBus;
  /** Where events that could not be delivered to the state machine go. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Where the build records the manifest of every tenant it deploys, for the fleet pipeline. */
  readonly manifestStore: s3.IBucket;
}

/**
 * Provisioning in AWS, as sbt-aws does it: an EventBridge rule on the onboarding requests starts a state machine
 * that runs a CodeBuild project, which deploys the tenant's TenantStack with `cdk deploy` (or deletes it when the
 * tenant is offboarded) and exports the pool's login endpoints. The state machine then answers on the same bus:
 * provisioning succeeded (with the endpoints) or failed (with the reason), or offboarding completed; the control
 * plane's provisioning-events function moves the tenant to ACTIVE, FAILED or on to the data purge.
 *
 * A state machine sits between the rule and the build because an input transformer cannot turn the manifest (an
 * object in the event) into the string a build variable must be, and because `.sync` lets it report failures the
 * build itself cannot (a timeout, a build that never started).
 */
export class OnboardingPipeline extends Construct {
  readonly project: codebuild.Project;
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  readonly source: s3assets.Asset;

  constructor(scope: Construct, id: string, props: OnboardingPipelineProps) {
    super(scope, id);
    const { config, names, bus } = props;
    const account = Aws.ACCOUNT_ID;

    this.source = new s3assets.Asset(this, 'Source', { path: REPO_ROOT, ...BUILD_SOURCE_COPY_OPTIONS });

    const buildLogs = new logs.LogGroup(this, 'BuildLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    this.project = new codebuild.Project(this, 'Project', {
      projectName: `${names.prefix}-tenant-provisioning`,
      description: `Deploys and deletes tenant stacks of the agent platform (${config.stage})`,
      source: codebuild.Source.s3({ bucket: this.source.bucket, path: this.source.s3ObjectKey }),
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_8_0, computeType: codebuild.ComputeType.SMALL, privileged: false },
      environmentVariables: {
        PLATFORM_CONFIG: { value: JSON.stringify(config) },
        CDK_QUALIFIER: { value: config.bootstrapQualifier },
        TENANT_STACK_PREFIX: { value: `${names.prefix}-tenant-` },
        AWS_ACCOUNT_ID: { value: account },
        AWS_PARTITION: { value: Aws.PARTITION },
        MANIFEST_STORE: { value: props.manifestStore.bucketName },
        CDK_DISABLE_VERSION_CHECK: { value: '1' },
        CDK_DISABLE_CLI_TELEMETRY: { value: '1' },
      },
      buildSpec: codebuild.BuildSpec.fromObject(buildSpec()),
      timeout: Duration.minutes(60),
      queuedTimeout: Duration.hours(2),
      logging: { cloudWatch: { logGroup: buildLogs } },
    });
    this.grantDeployments(config);
    this.grantManifestRecords(props.manifestStore);

    const stateMachineLogs = new logs.LogGroup(this, 'StateMachineLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `${names.prefix}-tenant-provisioning`,
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(bus)),
      timeout: Duration.hours(3),
      tracingEnabled: true,
      // Requests carry the manifest (admin emails): execution data stays out of the logs.
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.acknowledgeServiceDefaults();

    this.rule = new events.Rule(this, 'RequestRule', {
      eventBus: bus,
      description: 'Onboarding requests of the control plane start the provisioning state machine',
      eventPattern: {
        source: [ONBOARDING_EVENT_SOURCE],
        detailType: [ONBOARDING_DETAIL_TYPES.provisioningRequested, ONBOARDING_DETAIL_TYPES.offboardingRequested],
      },
      targets: [new targets.SfnStateMachine(this.stateMachine, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
    });
  }

  private definition(bus: events.IEventBus): sfn.IChainable {
    const answer = (id: string, detailType: string, detail: Record<string, unknown>) =>
      tasks.EventBridgePutEvents.jsonata(this, id, {
        entries: [{ eventBus: bus, source: PROVISIONING_EVENT_SOURCE, detailType, detail: sfn.TaskInput.fromObject(detail) }],
      }).addRetry({ maxAttempts: 6, backoffRate: 2, interval: Duration.seconds(2) });

    const build = (id: string, action: 'deploy' | 'destroy', extra: Record<string, string>, assign?: Record<string, string>) =>
      tasks.CodeBuildStartBuild.jsonata(this, id, {
        project: this.project,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        environmentVariablesOverride: {
          ACTION: { value: action },
          TENANT_ID: { value: '{% $tenantId %}' },
          TENANT_SLUG: { value: '{% $slug %}' },
          HOME_REGION: { value: '{% $homeRegion %}' },
          ...Object.fromEntries(Object.entries(extra).map(([name, value]) => [name, { value }])),
        },
        ...(assign ? { assign } : {}),
      });

    const exported = (name: string) => `$states.result.Build.ExportedEnvironmentVariables[Name='${name}'].Value`;
    const deploy = build(
      'DeployTenantStack',
      'deploy',
      { TENANT_MANIFEST: '{% $string($states.input.detail.manifest) %}' },
      {
        auth: `{% { "issuer": ${exported(EXPORTED.issuer)}, "userPoolId": ${exported(EXPORTED.userPoolId)}, "clientId": ${exported(EXPORTED.clientId)}, "hostedUiUrl": ${exported(EXPORTED.hostedUiUrl)} } %}`,
      },
    );
    deploy.addRetry({ errors: ['CodeBuild.CodeBuildException'], maxAttempts: 3, interval: Duration.seconds(30) });
    // The reason keeps the error and the start of its cause (the build's status and phases) within the schema's 2000.
    const failed = answer('AnswerFailed', PROVISIONING_DETAIL_TYPES.provisioningFailed, {
      tenantId: '{% $tenantId %}',
      reason: "{% $substring($states.input.Error & ': ' & $states.input.Cause, 0, 1900) %}",
    });
    deploy.addCatch(failed, { errors: [sfn.Errors.ALL] });
    const provision = deploy.next(
      answer('AnswerProvisioned', PROVISIONING_DETAIL_TYPES.provisioningSucceeded, { tenantId: '{% $tenantId %}', auth: '{% $auth %}' }),
    );

    const destroy = build('DeleteTenantStack', 'destroy', {
      USER_POOL_ID: "{% $exists($states.input.detail.auth) ? $states.input.detail.auth.userPoolId : '' %}",
    });
    destroy.addRetry({ errors: ['CodeBuild.CodeBuildException'], maxAttempts: 3, interval: Duration.seconds(30) });
    destroy.addCatch(
      sfn.Fail.jsonata(this, 'OffboardingFailed', {
        error: 'OffboardingFailed',
        cause: "{% $substring($states.input.Error & ': ' & $states.input.Cause, 0, 1900) %}",
      }),
      {
        errors: [sfn.Errors.ALL],
      },
    );
    const offboard = destroy.next(answer('AnswerOffboarded', PROVISIONING_DETAIL_TYPES.offboardingCompleted, { tenantId: '{% $tenantId %}' }));

    return sfn.Pass.jsonata(this, 'ReadRequest', {
      comment: 'Keeps the tenant of the request for every later state',
      assign: {
        tenantId: '{% $states.input.detail.tenantId %}',
        slug: '{% $states.input.detail.slug %}',
        homeRegion: '{% $states.input.detail.homeRegion %}',
      },
    }).next(
      sfn.Choice.jsonata(this, 'Request')
        .when(sfn.Condition.jsonata(`{% $states.input.\`detail-type\` = '${ONBOARDING_DETAIL_TYPES.provisioningRequested}' %}`), provision)
        .when(sfn.Condition.jsonata(`{% $states.input.\`detail-type\` = '${ONBOARDING_DETAIL_TYPES.offboardingRequested}' %}`), offboard)
        .otherwise(sfn.Fail.jsonata(this, 'UnknownRequest', { error: 'UnknownRequest', cause: 'not an onboarding request' })),
    );
  }

  /** What CodeBuild and Step Functions grant themselves, with why each wildcard stays. */
  private acknowledgeServiceDefaults(): void {
    const stack = Stack.of(this);
    // How the partition appears in CodeBuild's own grants: a literal where CDK writes partition literals, else the pseudo parameter.
    const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const projectId = stack.getLogicalId(this.project.node.defaultChild as CfnElement);
    const role = this.project.role as iam.Role;
    const assetRead =
      'Reads the build source: the CDK asset of the repository in the bootstrap bucket (the grant of Asset.grantRead, on that bucket and object key only)';
    Validations.of(role).acknowledge(
      { id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]', reason: assetRead },
      { id: 'AwsSolutions-IAM5[Action::s3:GetObject*]', reason: assetRead },
      { id: 'AwsSolutions-IAM5[Action::s3:List*]', reason: assetRead },
      {
        id: `AwsSolutions-IAM5[Resource::arn:${partition}:logs:${stack.region}:${account}:log-group:/aws/codebuild/<${projectId}>:*]`,
        reason: "CodeBuild's default grant on the project's own log streams (the project logs to its own log group besides)",
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:${partition}:codebuild:${stack.region}:${account}:report-group/<${projectId}>-*]`,
        reason: "CodeBuild's default grant on the project's own report groups, named after the project",
      },
    );
    Validations.of(this.project).acknowledge({
      id: 'AwsSolutions-CB4',
      reason:
        'The project produces no artifacts (it deploys CloudFormation stacks); its logs are encrypted by CloudWatch Logs and its source is the CDK asset in the bootstrap bucket, so a project KMS key would protect nothing',
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'CloudWatch Logs delivery and X-Ray tracing of the state machine: these actions have no resource-level permissions',
    });
  }

  /** The build records and forgets tenants' manifests in the store: writes and deletes of manifests, nothing else. */
  private grantManifestRecords(store: s3.IBucket): void {
    const role = this.project.role as iam.Role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RecordTenantManifests',
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [store.arnForObjects(`${MANIFEST_STORE_PREFIX}*`)],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(store.node.defaultChild as CfnElement)}.Arn>/${MANIFEST_STORE_PREFIX}*]`,
      reason:
        "Writes and deletes the manifest of the tenant it deploys or offboards: any tenant's, as the build serves every tenant, and only under the manifests prefix",
    });
  }

  /**
   * The build deploys through the CDK bootstrap roles of every residency region (deploy and file publishing), as
   * `cdk deploy` does; it deletes a tenant's stack the same way, then the retained pool of an offboarded tenant.
   */
  private grantDeployments(config: PlatformConfig): void {
    const role = this.project.role as iam.Role;
    const bootstrapRole = (kind: string, region: string) =>
      `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-${config.bootstrapQualifier}-${kind}-role-${Aws.ACCOUNT_ID}-${region}`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CdkBootstrapRoles',
        actions: ['sts:AssumeRole'],
        resources: config.regions.flatMap((region) => [bootstrapRole('deploy', region), bootstrapRole('file-publishing', region)]),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteOffboardedTenantPools',
        actions: ['cognito-idp:UpdateUserPool', 'cognito-idp:DeleteUserPool'],
        resources: config.regions.map((region) => `arn:${Aws.PARTITION}:cognito-idp:${region}:${Aws.ACCOUNT_ID}:userpool/*`),
        conditions: { StringEquals: { [`aws:ResourceTag/${TENANT_POOL_TAG.key}`]: TENANT_POOL_TAG.value, 'aws:ResourceTag/stage': config.stage } },
      }),
    );
    Validations.of(role).acknowledge(
      ...config.regions.map((region) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cognito-idp:${region}:<AWS::AccountId>:userpool/*]`,
        reason: `Deletes the retained pool of an offboarded tenant in ${region}: only pools tagged as tenant pools of this stage, and only to disable deletion protection and delete`,
      })),
    );
  }
}

/** The build: install, then deploy the tenant's stack from its manifest, or delete it and its retained pool. */
function buildSpec(): Record<string, unknown> {
  const outputs = TENANT_STACK_OUTPUTS;
  const output = (key: string) => `node -p "Object.values(require('./outputs.json'))[0].${key}"`;
  return {
    version: '0.2',
    env: { shell: 'bash', 'exported-variables': Object.values(EXPORTED) },
    phases: {
      // Only what deploying needs: the functions' dependencies and the CDK toolchain are `dependencies`; emulators,
      // test and lint tools are devDependencies (test/unit/deploy-dependencies.test.ts keeps it so).
      install: { 'runtime-versions': { nodejs: 22 }, commands: ['npm ci --omit=dev --no-audit --no-fund'] },
      build: {
        commands: [
          'set -euo pipefail',
          'STACK_NAME="${TENANT_STACK_PREFIX}${TENANT_ID}"',
          `MANIFEST_KEY="s3://\${MANIFEST_STORE}/${MANIFEST_STORE_PREFIX}\${TENANT_SLUG}.json"`,
          [
            'if [ "$ACTION" = deploy ]; then',
            '  printf \'%s\' "$TENANT_MANIFEST" > "tenants/${TENANT_SLUG}.json"',
            '  npx cdk deploy "Tenant-${TENANT_ID}" --exclusively --require-approval never --no-notices --progress events -c platform="$PLATFORM_CONFIG" --outputs-file outputs.json',
            `  export ${EXPORTED.userPoolId}="$(${output(outputs.userPoolId)})"`,
            `  export ${EXPORTED.clientId}="$(${output(outputs.clientId)})"`,
            `  export ${EXPORTED.issuer}="$(${output(outputs.issuer)})"`,
            `  export ${EXPORTED.hostedUiUrl}="$(${output(outputs.hostedUiUrl)})"`,
            // Recorded once deployed, so that the fleet pipeline deploys this tenant from now on.
            '  aws s3 cp "tenants/${TENANT_SLUG}.json" "$MANIFEST_KEY" --content-type application/json',
            'else',
            // Forgotten first, so that no fleet deployment recreates the stack being deleted.
            '  aws s3 rm "$MANIFEST_KEY"',
            '  DEPLOY_ROLE="arn:${AWS_PARTITION}:iam::${AWS_ACCOUNT_ID}:role/cdk-${CDK_QUALIFIER}-deploy-role-${AWS_ACCOUNT_ID}-${HOME_REGION}"',
            '  EXEC_ROLE="arn:${AWS_PARTITION}:iam::${AWS_ACCOUNT_ID}:role/cdk-${CDK_QUALIFIER}-cfn-exec-role-${AWS_ACCOUNT_ID}-${HOME_REGION}"',
            '  (',
            '    eval "$(aws sts assume-role --role-arn "$DEPLOY_ROLE" --role-session-name "offboard-${TENANT_ID}" --query \'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]\' --output text | awk \'{print "export AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$2" AWS_SESSION_TOKEN="$3}\')"',
            '    aws cloudformation delete-stack --region "$HOME_REGION" --stack-name "$STACK_NAME" --role-arn "$EXEC_ROLE"',
            '    aws cloudformation wait stack-delete-complete --region "$HOME_REGION" --stack-name "$STACK_NAME"',
            '  )',
            '  if [ -n "${USER_POOL_ID:-}" ]; then',
            '    aws cognito-idp update-user-pool --region "$HOME_REGION" --user-pool-id "$USER_POOL_ID" --deletion-protection INACTIVE',
            '    aws cognito-idp delete-user-pool --region "$HOME_REGION" --user-pool-id "$USER_POOL_ID"',
            '  fi',
            'fi',
          ].join('\n'),
        ],
      },
    },
  };
}

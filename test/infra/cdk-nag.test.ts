import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { isPublic, ROUTES } from '../../functions/routes';
import { buildFixture, CONFIG } from './support/platform-fixture';

interface Violation {
  readonly ruleName: string;
  readonly violatingConstructs: readonly { readonly constructPath: string }[];
}

/**
 * The warning that the config's mail sender is the unverifiable placeholder (cdk.json names none): first-deployment.test.ts
 * checks it; it is not a cdk-nag finding.
 */
const MAIL_PLACEHOLDER_WARNING = 'Annotation::agent-platform:mail-placeholder';

function violationsIn(outdir: string): Violation[] {
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  return report.pluginReports
    .flatMap((plugin: { violations?: Violation[] }) => plugin.violations ?? [])
    .filter((violation: Violation) => violation.ruleName !== MAIL_PLACEHOLDER_WARNING);
}

/** Every acknowledgement recorded in the app: where, which rule, why. */
function acknowledgements(fixture: ReturnType<typeof buildFixture>): { path: string; id: string; reason: string }[] {
  return fixture.app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: normalizedId(id.replace(/^annotation::/i, '')),
          reason,
        })),
      ),
  );
}

/**
 * An acknowledgement id with what varies between stacks taken out: logical ids (`<FnAbc123.Arn>` → `<ref.Arn>`) and
 * concrete region names (`:eu-central-1:` → `:<region>:`).
 */
function normalizedId(id: string): string {
  return id.replace(/<(?!AWS::)[^.>]+(\.[A-Za-z]+)?>/g, '<ref$1>').replace(/:[a-z]{2}(-[a-z]+)+-\d:/g, ':<region>:');
}

const FUNCTION_ROLE = `(Region-[^/]+|ControlPlane)/Fn-[a-z-]+/ExecutionRole`;
const PRE_TOKEN = `Tenant-[^/]+/PreTokenGeneration`;
const PROJECT_ROLE = /^ControlPlane\/Pipeline\/Project\/Role$/;

/** CDK's bucket deployment handler, which uploads the web console (regions) and its admin sign-in settings (control plane). */
const CONSOLE_UPLOAD = '(Region-[^/]+|ControlPlane)/Custom::CDKBucketDeployment[0-9A-F]+256MiB';
const orConsoleUpload = (rule: RegExp) => new RegExp(`${rule.source}|^${CONSOLE_UPLOAD}$`);
const CONSOLE_DISTRIBUTION = /^Region-[^/]+\/Console\/Distribution$/;
const DRILL_STATE_MACHINE_ROLE = 'Region-[^/]+/RecoveryDrill/StateMachine/Role';

/** The rules the platform acknowledges, and where: any other acknowledgement needs a review of this list. */
const ACKNOWLEDGED_RULES: Readonly<Record<string, RegExp>> = {
  'AwsSolutions-APIG2': /^Region-[^/]+\/Api\/Api$/,
  'AwsSolutions-COG4': /^Region-[^/]+\/Api\/Api(\/Default\/.+)?$/,
  'AwsSolutions-APIG4': /^Region-[^/]+\/Api\/Api\/Default\/.+$/,
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]':
    /^Region-[^/]+\/Api\/Api\/CloudWatchRole$/,
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]': /^Region-[^/]+\/Backup\/Plan\/Table$/,
  'AwsSolutions-IAM5[Resource::*]': new RegExp(
    `^(${FUNCTION_ROLE}|${PRE_TOKEN}/ExecutionRole|ControlPlane/Pipeline/StateMachine/Role|${DRILL_STATE_MACHINE_ROLE}|ControlPlane/Fn-provisioning-events/CredentialSecretListing|Region-[^/]+/Fn-job-consumer/CredentialSecretListing|${CONSOLE_UPLOAD})$`,
  ),
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]': new RegExp(`^${CONSOLE_UPLOAD}$`),
  'AwsSolutions-IAM5[Action::s3:Abort*]': new RegExp(`^${CONSOLE_UPLOAD}$`),
  'AwsSolutions-IAM5[Action::s3:DeleteObject*]': new RegExp(`^${CONSOLE_UPLOAD}$`),
  'AwsSolutions-IAM5[Resource::<ref.Arn>/*]': new RegExp(`^${CONSOLE_UPLOAD}$`),
  ...Object.fromEntries(
    ['aws', '<AWS::Partition>'].map((partition) => [
      `AwsSolutions-IAM5[Resource::arn:${partition}:s3:::<ref>/*]`,
      /^ControlPlane\/Custom::CDKBucketDeployment[0-9A-F]+256MiB$/,
    ]),
  ),
  ...Object.fromEntries(
    CONFIG.regions.flatMap((region) =>
      ['aws', '<AWS::Partition>'].map((partition) => [
        `AwsSolutions-IAM5[Resource::arn:${partition}:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${region}/*]`,
        new RegExp(`^${CONSOLE_UPLOAD}$`),
      ]),
    ),
  ),
  'AwsSolutions-CFR1': CONSOLE_DISTRIBUTION,
  'AwsSolutions-CFR2': CONSOLE_DISTRIBUTION,
  'AwsSolutions-CFR4': CONSOLE_DISTRIBUTION,
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cognito-idp:<AWS::Region>:<AWS::AccountId>:userpool/*]': new RegExp(`^${FUNCTION_ROLE}$`),
  // The onboarding build's tenant pools; a migration moves a tenant's users between its pools of the residency regions.
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cognito-idp:<region>:<AWS::AccountId>:userpool/*]':
    /^(ControlPlane\/Pipeline\/Project\/Role|Region-[^/]+\/Fn-job-consumer\/ExecutionRole)$/,
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/*]': /^Region-[^/]+\/Fn-run-consumer\/ExecutionRole$/,
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:inference-profile/*]':
    /^Region-[^/]+\/Fn-run-consumer\/ExecutionRole$/,
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/usageplans/*/keys]': new RegExp(`^${FUNCTION_ROLE}$`),
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/usageplans/*/keys/*]': new RegExp(`^${FUNCTION_ROLE}$`),
  // Before a tenant stack makes its key, the region's registrar deletes the key a migration made there.
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/apikeys/*]': /^Region-[^/]+\/Fn-issuer-registration\/ExecutionRole$/,
  // A migration's cut-over binds the tenant's key to its plan's usage plan in the target: the job consumer, in the other regions.
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<region>::/usageplans/*/keys]': /^Region-[^/]+\/Fn-job-consumer\/ExecutionRole$/,
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<region>::/usageplans/*/keys/*]': /^Region-[^/]+\/Fn-job-consumer\/ExecutionRole$/,
  [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:agent-platform-${CONFIG.stage}/tenants/<ref>/model-credentials/*]`]:
    /^Region-[^/]+\/DataAccess\/TenantData\/Role$/,
  'AwsSolutions-IAM5[Resource::<ref.Arn>:*]': new RegExp(`^((Region-[^/]+|ControlPlane)/IssuerRegistrar/ProviderRole|${DRILL_STATE_MACHINE_ROLE})$`),
  // The recovery drill's scratch tables, named per run: restored into, described and deleted by its state machine, read per tenant by its scratch role.
  [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/agent-platform-${CONFIG.stage}-drill-*]`]: new RegExp(
    `^(${DRILL_STATE_MACHINE_ROLE}|Region-[^/]+/RecoveryDrill/ScratchData/Role)$`,
  ),
  'AwsSolutions-IAM5[Resource::<ref.Arn>/tenants/*]': new RegExp(`${PROJECT_ROLE.source}|^Region-[^/]+/Fn-(portability|job-consumer)/ExecutionRole$`),
  // Migrations keep their bundle in the target region's export bucket: the job consumer of every other region.
  ...Object.fromEntries(
    CONFIG.regions.map((region) => [
      `AwsSolutions-IAM5[Resource::arn:aws:s3:::ap-${CONFIG.stage}-exports-<AWS::AccountId>-${region}/tenants/*/exports/migration-*]`,
      /^Region-[^/]+\/Fn-job-consumer\/ExecutionRole$/,
    ]),
  ),
  'AwsSolutions-IAM5[Action::s3:GetBucket*]': orConsoleUpload(PROJECT_ROLE),
  'AwsSolutions-IAM5[Action::s3:GetObject*]': orConsoleUpload(PROJECT_ROLE),
  'AwsSolutions-IAM5[Action::s3:List*]': orConsoleUpload(PROJECT_ROLE),
  'AwsSolutions-IAM5[Resource::arn:aws:logs:<region>:<AWS::AccountId>:log-group:/aws/codebuild/<ref>:*]': PROJECT_ROLE,
  'AwsSolutions-IAM5[Resource::arn:aws:codebuild:<region>:<AWS::AccountId>:report-group/<ref>-*]': PROJECT_ROLE,
  'AwsSolutions-L1': new RegExp(
    `^((Region-[^/]+|ControlPlane)/Fn-[a-z-]+/Function|${PRE_TOKEN}/Function|(Region-[^/]+|ControlPlane)/IssuerRegistrar/Provider/framework-onEvent|${CONSOLE_UPLOAD})$`,
  ),
  'AwsSolutions-S1': /^(Region-[^/]+\/(Exports|Console)\/AccessLogs|ControlPlane\/Manifests\/Bucket)$/,
  'AwsSolutions-SMG4': /^Region-[^/]+\/(CursorSecret|BundleSecret)$/,
  'AwsSolutions-COG2': /^Tenant-[^/]+\/Auth\/UserPool$/,
  'AwsSolutions-COG8': /^Tenant-[^/]+\/Auth\/UserPool$/,
  'AwsSolutions-CB4': /^ControlPlane\/Pipeline\/Project$/,
  'AwsSolutions-SQS3':
    /^(ControlPlane\/OnboardingDeadLetters|Region-[^/]+\/(MemoryExpiry|AuditSealing)\/FailureQueue|Region-[^/]+\/(Runs|Jobs)\/DeadLetterQueue)$/,
};

describe('cdk-nag AwsSolutions checks', () => {
  // CDK's built-in CloudFormation validation is left to `npm run synth` (it adds ~18 s under jest); cdk-nag runs here.
  const fixture = buildFixture();

  it('synthesizes the whole app with no unacknowledged finding', () => {
    // Act
    const synth = () => fixture.app.synth();

    // Assess
    expect(synth).not.toThrow();
    expect(violationsIn(fixture.outdir)).toEqual([]);
  });

  it('runs in the app: a finding fails synthesis and names the resource', () => {
    // Prepare
    const canary = buildFixture();
    new s3.Bucket(canary.stacks.regions.get(CONFIG.homeRegion)!, 'CanaryBucket', { enforceSSL: true });

    // Act
    const synth = () => canary.app.synth();

    // Assess
    expect(synth).toThrow(/AwsSolutions-S1/);
    expect(violationsIn(canary.outdir)).toEqual([
      expect.objectContaining({
        ruleName: 'AwsSolutions-S1',
        violatingConstructs: [expect.objectContaining({ constructPath: expect.stringContaining('/CanaryBucket/') })],
      }),
    ]);
  });

  it('acknowledges only the reviewed rules, where expected, each with a specific reason', () => {
    // Act
    const acks = acknowledgements(fixture);

    // Assess
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect({ ...ack, known: ack.id in ACKNOWLEDGED_RULES }).toEqual({ ...ack, known: true });
      expect(ack.path).toMatch(ACKNOWLEDGED_RULES[ack.id]);
      expect(ack.reason.length).toBeGreaterThanOrEqual(60);
    }
  });

  it('exempts exactly the public routes from authorization', () => {
    for (const stack of fixture.stacks.regions.values()) {
      // Prepare
      const publicMethods = ROUTES.filter(isPublic).map((route) => stack.api.methodFor(route).node.path);

      // Act
      const exempted = acknowledgements(fixture)
        .filter((ack) => ack.id === 'AwsSolutions-APIG4' && ack.path.startsWith(`${stack.node.id}/`))
        .map((ack) => ack.path);

      // Assess
      expect(exempted.sort()).toEqual(publicMethods.sort());
    }
  });
});

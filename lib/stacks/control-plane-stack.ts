import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PROVISIONING_EVENT_SOURCE } from '../../functions/tenants/onboarding.events';
import { TABLE_SCHEMA } from '../../functions/data/table.schema';
import type { PlatformConfig } from '../config';
import { CONTROL_PLANE_FUNCTION_NEEDS, type ControlPlaneFunction } from '../cross-region-access';
import { ConsoleAdminSignIn } from '../constructs/console-site';
import { ControlPlaneAlarms } from '../constructs/control-plane-alarms';
import { HostedUserPool } from '../constructs/hosted-user-pool';
import { IssuerRegistrar, IssuerRegistration } from '../constructs/issuer-registrar';
import { mailSenderOf } from '../constructs/mail-identity';
import { ManifestStore, type ManifestStoreReader } from '../constructs/manifest-store';
import { OnboardingPipeline } from '../constructs/onboarding-pipeline';
import { PlatformFunction } from '../constructs/platform-function';
import { bindCredentialPurge } from '../constructs/tenant-credential-store';
import { createDeadLetterQueue } from '../constructs/work-queue';
import type { IPlatformTable } from '../constructs/platform-table';
import { PlatformNames } from '../naming';
import { ISSUER_REGISTRATION_ENTRY, PROVISIONING_EVENTS_ENTRY } from '../source-paths';
import { adminDomainPrefix } from '../tenant-identity';
import { dataRolesFor, remoteRegionData } from './region-stack';

/** The group of platform operators in the admin pool (the `platform-admin` role). */
export const PLATFORM_ADMIN_GROUP = 'platform-admin';

export interface ControlPlaneStackProps extends Omit<StackProps, 'env'> {
  readonly config: PlatformConfig;
  /**
   * Code of the control plane's functions instead of bundling their entries (tests).
   * @default - each function's entry bundled by esbuild
   */
  readonly functionCode?: lambda.Code;
  /**
   * Roles of other accounts that read the manifest store: the fleet pipeline's synth role when the pipeline deploys
   * this platform from another account.
   * @default none
   */
  readonly manifestReaders?: readonly ManifestStoreReader[];
}

/**
 * The control plane, in the home region: the platform-admin user pool (hosted UI, `platform-admin` group, TOTP MFA
 * required, Cognito Plus threat protection), registered as the platform issuer in every region's registry; the
 * onboarding bus and pipeline (lib/constructs/onboarding-pipeline.ts); and the function that applies the pipeline's
 * answers to the tenant lifecycle.
 *
 * The global tenant directory is not a table of its own. It is the `P#TENANT`/`P#SLUG`/`P#DOMAIN` items that every
 * region's table holds, because every regional API routes and discovers from its own region (discovery, 421
 * answers, the authorizer's slug lookups) through the directory read role of its own table. The copy in the home
 * region's table decides: slug reservations and status changes are conditional writes there; the control plane's
 * functions (the tenants route group in every region, the provisioning-events function here) then write the entry
 * whole to every other region's copy (functions/tenants/tenant-directory.replicas.ts), so writing again repairs a
 * copy that missed a change. A DynamoDB global table would replicate by itself but would put a replica of the whole
 * table, tenant data included, in every region: it breaks residency, and a directory-only global table would give
 * the authorizer and discovery a second table and role in every region. Cross-region writes need the functions'
 * roles to be trusted by the other regions' data roles by name (lib/cross-region-access.ts).
 */
export class ControlPlaneStack extends Stack {
  readonly adminAuth: HostedUserPool;
  /** The admin pool's sign-in settings, written beside the home region's console. */
  readonly consoleAdminSignIn: ConsoleAdminSignIn;
  readonly bus: events.EventBus;
  readonly pipeline: OnboardingPipeline;
  /** The manifests of the tenants onboarded through the API, read by the fleet pipeline. */
  readonly manifests: ManifestStore;
  readonly deadLetters: sqs.Queue;
  readonly functions: Readonly<Record<ControlPlaneFunction, PlatformFunction>>;
  readonly issuerRegistrar: IssuerRegistrar;
  readonly adminRegistrations: readonly IssuerRegistration[];
  /** The operator topic of the control plane and its alarms (dead letters, provisioning failures, function errors). */
  readonly alarms: ControlPlaneAlarms;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    const { config, functionCode, manifestReaders, ...stackProps } = props;
    super(scope, id, {
      ...stackProps,
      env: { region: config.homeRegion, ...(config.account ? { account: config.account } : {}) },
      description: stackProps.description ?? `Agent platform (${config.stage}): control plane`,
    });
    const names = new PlatformNames(config.stage);
    const consoleRedirects = names.consoleRedirects(this);

    this.adminAuth = new HostedUserPool(this, 'AdminAuth', {
      userPoolName: `${names.prefix}-platform-admins`,
      mfa: 'REQUIRED',
      featurePlan: 'plus',
      groups: [{ name: PLATFORM_ADMIN_GROUP, description: 'Operates the platform: onboards, suspends and offboards tenants', precedence: 0 }],
      domainPrefix: adminDomainPrefix(config),
      callbackUrls: [...config.console.callbackUrls, consoleRedirects.callbackUrl],
      logoutUrls: [...config.console.logoutUrls, consoleRedirects.logoutUrl],
    });

    this.consoleAdminSignIn = this.publishAdminSignIn(names);
    this.bus = new events.EventBus(this, 'OnboardingBus', {
      eventBusName: names.onboardingBusName,
      description: 'Onboarding requests of the control plane and the answers of the provisioning pipeline',
    });
    this.deadLetters = this.createDeadLetters();

    this.manifests = new ManifestStore(this, 'Manifests', { bucketName: names.manifestStoreName(config.homeRegion), readers: manifestReaders });
    this.pipeline = new OnboardingPipeline(this, 'Pipeline', {
      config,
      names,
      bus: this.bus,
      deadLetterQueue: this.deadLetters,
      manifestStore: this.manifests.bucket,
    });

    this.functions = this.createFunctions(config, names, functionCode);
    const { 'issuer-registration': registrar, 'provisioning-events': provisioningEvents } = this.functions;

    new events.Rule(this, 'ProvisioningResultRule', {
      eventBus: this.bus,
      description: "The provisioning pipeline's answers move tenants to ACTIVE, FAILED or on to the data purge",
      eventPattern: { source: [PROVISIONING_EVENT_SOURCE] },
      targets: [
        new targets.LambdaFunction(provisioningEvents.function, {
          deadLetterQueue: this.deadLetters,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // Platform admins call every regional API: their pool's issuer is registered in every region's registry.
    this.issuerRegistrar = new IssuerRegistrar(this, 'IssuerRegistrar', { handler: registrar });
    this.adminRegistrations = this.registerAdminIssuer(config);

    this.alarms = new ControlPlaneAlarms(this, 'Alarms', {
      stage: config.stage,
      deadLetterQueues: { onboarding: this.deadLetters },
      provisioning: this.pipeline.stateMachine,
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, fn]) => [name, fn.function])),
      alarmEmails: config.alarmEmails,
    });

    this.addOutputs();
  }

  /** What operators read after a deployment: the admin pool, its console client and hosted UI, the onboarding bus. */
  private addOutputs(): void {
    new CfnOutput(this, 'AdminUserPoolId', { value: this.adminAuth.userPool.userPoolId, description: 'The platform-admin pool' });
    new CfnOutput(this, 'AdminUserPoolClientId', { value: this.adminAuth.client.userPoolClientId, description: "The console's app client" });
    new CfnOutput(this, 'AdminHostedUiUrl', { value: this.adminAuth.hostedUiUrl, description: 'Base URL of the platform-admin hosted UI' });
    new CfnOutput(this, 'OnboardingBusName', { value: this.bus.eventBusName, description: 'Onboarding requests and provisioning answers' });
  }

  /**
   * The admin pool's client and hosted UI, written beside the home region's console (whose URL the client's callback
   * names): platform admins sign in through that console. The bucket is found as the console URL is, by the SSM
   * parameter its region stack publishes.
   */
  private publishAdminSignIn(names: PlatformNames): ConsoleAdminSignIn {
    const bucketName = ssm.StringParameter.valueForStringParameter(this, names.consoleBucketParameter);
    const parameter = (this.resolve(bucketName) as { Ref: string }).Ref;
    return new ConsoleAdminSignIn(this, 'ConsoleAdminSignIn', {
      bucket: s3.Bucket.fromBucketName(this, 'ConsoleBucket', bucketName),
      // The partition is written literally when the stack's region is known, else as a reference.
      bucketObjectsFindings: ['aws', '<AWS::Partition>'].map((partition) => `arn:${partition}:s3:::<${parameter}>/*`),
      clientId: this.adminAuth.client.userPoolClientId,
      hostedUiUrl: this.adminAuth.hostedUiUrl,
    });
  }

  /** The platform-admin pool's issuer, registered in every region's registry. */
  private registerAdminIssuer(config: PlatformConfig): IssuerRegistration[] {
    return config.regions.map(
      (region) =>
        new IssuerRegistration(this, `AdminIssuer-${region}`, {
          serviceToken: this.issuerRegistrar.serviceToken,
          region,
          registration: {
            kind: 'platform',
            issuer: this.adminAuth.issuer,
            clientIds: [this.adminAuth.client.userPoolClientId],
            jwksUri: this.adminAuth.jwksUri,
          },
        }),
    );
  }

  /** Where onboarding events EventBridge could not deliver wait for an operator. */
  private createDeadLetters(): sqs.Queue {
    return createDeadLetterQueue(this, 'OnboardingDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      reason: 'This queue is itself the dead-letter queue of the onboarding rules: events EventBridge could not deliver after its retries',
    });
  }

  /** The control plane's functions: the platform-admin issuer registrar and the provisioning answers' consumer. */
  private createFunctions(config: PlatformConfig, names: PlatformNames, functionCode: lambda.Code | undefined): Record<ControlPlaneFunction, PlatformFunction> {
    const home = config.homeRegion;
    // The control plane's functions reach the home region's table by name, and every region's through DATA_REGIONS.
    const homeTable: IPlatformTable = importedTable(this, names, home);
    const dataRegions = Object.fromEntries(config.regions.map((region) => [region, remoteRegionData(names, region)]));
    const cursorSecret = secretsmanager.Secret.fromSecretNameV2(this, 'CursorSecret', names.cursorSecretName);
    const controlPlaneFunction = (fn: ControlPlaneFunction, entry: string, description: string) => {
      const needs = CONTROL_PLANE_FUNCTION_NEEDS[fn];
      const platformFunction = new PlatformFunction(this, `Fn-${fn}`, {
        entry,
        description: `${description} (${config.stage})`,
        code: functionCode,
        roleName: names.controlPlaneRoleName(fn),
        secretsExtension: 'cursors' in needs && needs.cursors,
      });
      platformFunction.bind({
        table: homeTable,
        stage: config.stage,
        regionEndpoints: { ...config.regionEndpoints },
        apiBaseDomain: config.apiBaseDomain,
        dataRoles: dataRolesFor(needs, dataRegions[home].roles),
        controlPlaneRegion: home,
        directoryRegions: config.regions,
        dataRegions,
        cursorSecret: 'cursors' in needs && needs.cursors ? cursorSecret : undefined,
        onboardingBus: 'onboardingEvents' in needs && needs.onboardingEvents ? this.bus : undefined,
        // The home region's identity, made by its region stack.
        mail: 'mail' in needs && needs.mail ? mailSenderOf(config) : undefined,
      });
      return platformFunction;
    };
    const registrar = controlPlaneFunction('issuer-registration', ISSUER_REGISTRATION_ENTRY, 'Agent platform, issuer registrar of the platform-admin pool');
    const provisioningEvents = controlPlaneFunction('provisioning-events', PROVISIONING_EVENTS_ENTRY, 'Agent platform, answers of the provisioning pipeline');
    // Offboarding purges a tenant's credential secrets in its home region, with that region's tenant data role.
    bindCredentialPurge(provisioningEvents, names.prefix);
    return { 'issuer-registration': registrar, 'provisioning-events': provisioningEvents };
  }
}

/** The home region's table, by its fixed name: only its name and ARNs are needed (data goes through the data roles). */
function importedTable(scope: Construct, names: PlatformNames, region: string): IPlatformTable {
  const tableArn = `arn:${Aws.PARTITION}:dynamodb:${region}:${Aws.ACCOUNT_ID}:table/${names.tableName}`;
  const table = dynamodb.TableV2.fromTableArn(scope, 'HomeTable', tableArn);
  return {
    table,
    tableName: names.tableName,
    tableArn,
    indexArns: Object.values(TABLE_SCHEMA.indexes).map((index) => `${tableArn}/index/${index.indexName}`),
  };
}

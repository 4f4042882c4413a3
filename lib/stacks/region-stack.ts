import { Aws, CfnOutput, Duration, Lazy, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DATA_SCOPES, type DataScope } from '../../functions/data/data-scopes';
import { runWorkerCapacity, SERVICE_LEVELS } from '../../functions/billing/service-levels.catalogue';
import { SEPARATOR, TENANT_MARK } from '../../functions/data/keys';
import { expiringSortKeyPrefixes } from '../../functions/expiring.catalogue';
import { platformUsageKey, redirectUsageKey } from '../../functions/identity/usage-identifier';
import { TTL_PRINCIPAL } from '../../functions/memories/memory-expiry.service';
import { HANDLER_GROUP_NEEDS, JOB_CONSUMER_NEEDS, PERIOD_CLOSE_NEEDS, type GroupNeeds } from '../../functions/api/group-needs';
import { HANDLER_GROUPS, isPublic, ROUTES, type HandlerGroup } from '../../functions/routes';
import type { PlatformConfig } from '../config';
import { crossRegionCallers } from '../cross-region-access';
import { ApiFirewall } from '../constructs/api-firewall';
import { DataAccessRoles, ImportedDataAccessRole, TENANT_SESSION_TAG, type IDataAccessRole } from '../constructs/data-access-roles';
import { ConsoleSite } from '../constructs/console-site';
import { ExportBucket } from '../constructs/export-bucket';
import { IssuerRegistrar } from '../constructs/issuer-registrar';
import { MailIdentity } from '../constructs/mail-identity';
import { PlatformApi } from '../constructs/platform-api';
import { PlatformFunction, type RegionDataBinding } from '../constructs/platform-function';
import { PlatformTable } from '../constructs/platform-table';
import { PlatformObservability } from '../constructs/platform-observability';
import { RecoveryDrill } from '../constructs/recovery-drill';
import { RegionAlarms } from '../constructs/region-alarms';
import { TableBackup } from '../constructs/table-backup';
import { TableStreamConsumer } from '../constructs/table-stream-consumer';
import { PLATFORM_FUNCTION_TAG, PlatformNames } from '../naming';
import {
  AUDIT_SEALER_ENTRY,
  AUTHORIZER_ENTRY,
  handlerEntry,
  ISSUER_REGISTRATION_ENTRY,
  JOB_CONSUMER_ENTRY,
  MEMORY_EXPIRY_ENTRY,
  PERIOD_CLOSE_ENTRY,
  RECOVERY_DRILL_ENTRY,
  RETENTION_SWEEP_ENTRY,
  RUN_CONSUMER_ENTRY,
  THROTTLE_RECORDER_ENTRY,
} from '../source-paths';
import { bindCredentialPurge, TenantCredentialStore } from '../constructs/tenant-credential-store';
import { JobsQueue, JOB_CONSUMER_TIMEOUT } from '../constructs/jobs-queue';
import { RunsQueue, RUN_CONSUMER_TIMEOUT } from '../constructs/runs-queue';

/**
 * The functions of a region: one per route group, the authorizer, the issuer registrar, the memory-expiry stream
 * consumer, the runs queue's consumer and the access log's throttle recorder.
 */
export type RegionFunctionName =
  | HandlerGroup
  | 'authorizer'
  | 'issuer-registration'
  | 'memory-expiry'
  | 'audit-sealer'
  | 'run-consumer'
  | 'throttle-recorder'
  | 'period-close'
  | 'job-consumer'
  | 'retention-sweep'
  | 'recovery-drill';
export const REGION_FUNCTION_NAMES: readonly RegionFunctionName[] = [
  ...HANDLER_GROUPS,
  'authorizer',
  'issuer-registration',
  'memory-expiry',
  'audit-sealer',
  'run-consumer',
  'throttle-recorder',
  'period-close',
  'job-consumer',
  'retention-sweep',
  'recovery-drill',
];

/** How long one run of the retention sweep may take: every tenant of the region, every item of the expiring kinds. */
export const RETENTION_SWEEP_TIMEOUT = Duration.minutes(15);

/** How long the recovery drill's check of a restored copy may take: every tenant of the region, every kind. */
export const RECOVERY_DRILL_TIMEOUT = Duration.minutes(15);

/** Runs waiting in the queue for fifteen minutes that tell operators the consumers fall behind. */
export const RUNS_BACKLOG_ALARM = 1_000;
/** Export and import jobs waiting fifteen minutes: each takes a job consumer for up to its timeout, so a few mean a jam. */
export const JOBS_BACKLOG_ALARM = 20;

export const API_INTEGRATION_TIMEOUT = Duration.seconds(29);

/** The functions that work longer than a request: the queues' consumers (whole runs, whole export jobs), the retention sweep and the drill. */
const LONG_RUNNING_TIMEOUTS: Partial<Record<RegionFunctionName, Duration>> = {
  'run-consumer': RUN_CONSUMER_TIMEOUT,
  'job-consumer': JOB_CONSUMER_TIMEOUT,
  'retention-sweep': RETENTION_SWEEP_TIMEOUT,
  'recovery-drill': RECOVERY_DRILL_TIMEOUT,
};

/** Which data roles a function may assume, by scope (functions/data/data-scopes.ts). */
export type FunctionDataAccess = Readonly<Record<DataScope, boolean>>;

/**
 * What the region's functions that are not route groups reach (the route groups state theirs in functions/routes.ts,
 * HANDLER_GROUP_NEEDS). The execution roles themselves hold no DynamoDB permission.
 */
export const OTHER_FUNCTION_NEEDS = {
  // The authorizer resolves token issuers and tenant slugs and the status of an API key's tenant through the platform's
  // items (P#, read only), and reads an API key's record and the member records (T#<tenantId>#…) with a session for
  // the tenant the key or token names, once the directory says that tenant serves its users.
  authorizer: { data: ['tenant', 'directory'] },
  // Writes pool issuers into the region's registry (P#ISSUER#) for tenant stacks' custom resources (the job consumer's
  // migrations are the only other writer: a migrated tenant's pool, in the target region); before a tenant stack makes
  // its API key, deletes the key a migration made for the tenant in the region.
  'issuer-registration': { data: ['issuers'], usageKeyRelease: true },
  // Writes back the items TTL removed under a legal hold and gives back the quota of memories TTL removed, through the
  // tenant data role with the tenant of each record: it is built from the tenant writes alone (createTenantWrites), so
  // it needs no platform-key role nor the cursor secret.
  'memory-expiry': { data: ['tenant'] },
  // Links the pending audit entries of the tenants a stream batch names into their hash chains, with the tenant data
  // role of each tenant (built from the tenant writes alone, like memory-expiry).
  'audit-sealer': { data: ['tenant'] },
  // Executes workflow runs from the runs queue: the model calls (within the tenant's budget, whose alerts it mails to
  // the tenant's admins), and the runs' writes with the tenant of each message. On its sweep schedule it lists the
  // region's tenants from the directory (P#, read only) and sends their stuck runs again.
  'run-consumer': { data: ['tenant', 'directory'], modelInvocation: true, mail: true },
  // Adds the requests usage plans refused (from the access log) to each tenant's hourly health item, reading the
  // tenant's plan for its tier: the tenant data role with the tenant of each log line.
  'throttle-recorder': { data: ['tenant'] },
  'period-close': PERIOD_CLOSE_NEEDS,
  'job-consumer': JOB_CONSUMER_NEEDS,
  // Lists the region's tenants from the directory (P#, read only) and stamps, clears the TTL of or deletes their items of
  // expiring kinds through the tenant data role with the tenant of each sweep; nothing else.
  'retention-sweep': { data: ['tenant', 'directory'] },
  // Lists the region's tenants from the directory (P#, read only), reads each tenant's keys of the drill's scratch
  // table with the scratch role (given by the RecoveryDrill construct) and records the outcome through the tenant data role.
  'recovery-drill': { data: ['tenant', 'directory'] },
} as const satisfies Record<Exclude<RegionFunctionName, HandlerGroup>, GroupNeeds>;

/** The entry file of a region function, exporting `handler`. */
export function regionFunctionEntry(name: RegionFunctionName): string {
  switch (name) {
    case 'authorizer':
      return AUTHORIZER_ENTRY;
    case 'issuer-registration':
      return ISSUER_REGISTRATION_ENTRY;
    case 'memory-expiry':
      return MEMORY_EXPIRY_ENTRY;
    case 'audit-sealer':
      return AUDIT_SEALER_ENTRY;
    case 'run-consumer':
      return RUN_CONSUMER_ENTRY;
    case 'throttle-recorder':
      return THROTTLE_RECORDER_ENTRY;
    case 'period-close':
      return PERIOD_CLOSE_ENTRY;
    case 'job-consumer':
      return JOB_CONSUMER_ENTRY;
    case 'retention-sweep':
      return RETENTION_SWEEP_ENTRY;
    case 'recovery-drill':
      return RECOVERY_DRILL_ENTRY;
    default:
      return handlerEntry(name);
  }
}

/** What a region function reaches. */
export function needsOf(name: RegionFunctionName): GroupNeeds {
  return name in OTHER_FUNCTION_NEEDS ? OTHER_FUNCTION_NEEDS[name as keyof typeof OTHER_FUNCTION_NEEDS] : HANDLER_GROUP_NEEDS[name as HandlerGroup];
}

/** The data roles a region function may assume. */
export function dataAccessOf(name: RegionFunctionName): FunctionDataAccess {
  const { data } = needsOf(name);
  return Object.fromEntries(DATA_SCOPES.map((scope) => [scope, data.includes(scope)])) as FunctionDataAccess;
}

/** The roles of the scopes a function needs, from a region's roles. */
export function dataRolesFor(needs: GroupNeeds, roles: RegionDataBinding['roles']): Partial<Record<DataScope, IDataAccessRole>> {
  return Object.fromEntries(needs.data.map((scope) => [scope, roles[scope]]));
}

export interface RegionStackProps extends Omit<StackProps, 'env'> {
  /** The platform configuration. */
  readonly config: PlatformConfig;
  /** The residency region this stack serves; the stack is pinned to it. */
  readonly region: string;
  /**
   * Code to deploy for every function instead of bundling its entry (tests).
   * @default - each function's entry bundled by esbuild
   */
  readonly functionCode?: lambda.Code;
  /**
   * The built web console (web/build.ts), served from this region's bucket and CloudFront distribution; its URL joins
   * the API's CORS origins.
   * @default no console in this region
   */
  readonly consoleAssetDir?: string;
}

/**
 * Everything one residency region serves: the table, its data roles, the functions, the REST API with its usage
 * plans, the export bucket, table backups and alarms. Tenant data of the region lives and stays here.
 */
export class RegionStack extends Stack {
  readonly table: PlatformTable;
  readonly dataAccess: DataAccessRoles;
  readonly functions: Readonly<Record<RegionFunctionName, PlatformFunction>>;
  readonly api: PlatformApi;
  /** The WAF web ACL on the API's stage: limits per client address, managed rules. */
  readonly firewall: ApiFirewall;
  readonly exports: ExportBucket;
  /** The region's web console, when the stack has one. */
  readonly console?: ConsoleSite;
  readonly backup: TableBackup;
  /** The weekly recovery drill: restore to a scratch table, every tenant checked there, the table deleted. */
  readonly recoveryDrill: RecoveryDrill;
  readonly alarms: RegionAlarms;
  /** The runs queue, its dead-letter queue and its consumer. */
  readonly runs: RunsQueue;
  /** Dashboards (platform, per tier), the SLA and abuse alarms, and the operator topic every alarm notifies. */
  readonly observability: PlatformObservability;
  /** Export and import jobs, their dead-letter queue and their consumer. */
  readonly jobs: JobsQueue;
  /** Signs tenant bundle manifests; read by the functions that export and import, at cold start. */
  readonly bundleSecret: secretsmanager.Secret;
  /** Signs list cursors; read by the functions that list, at cold start. */
  readonly cursorSecret: secretsmanager.Secret;
  /** Writes pool issuers into the region's registry, for the tenant stacks of the region. */
  readonly issuerRegistrar: IssuerRegistrar;
  /** Feeds inserts of pending audit entries from the table's stream to the audit sealer. */
  readonly auditSealing: TableStreamConsumer;
  /** Feeds TTL removals of memories from the table's stream to the memory-expiry function. */
  readonly memoryExpiry: TableStreamConsumer;
  /** Runs the period close every hour: a period that ends is invoiced within the hour. */
  readonly periodCloseSchedule: events.Rule;
  readonly retentionSweepSchedule: events.Rule;
  /** The SES identity invitations of the region (and, in the home region, the control plane's) are sent from. */
  readonly mail: MailIdentity;
  /** Tenants' own model-provider credentials: secrets under each tenant's prefix, their KMS key, the tenant role's access. */
  readonly credentials: TenantCredentialStore;

  constructor(scope: Construct, id: string, props: RegionStackProps) {
    const { config, region, functionCode, consoleAssetDir, ...stackProps } = props;
    if (!config.regions.includes(region)) {
      throw new Error(`region ${region} is not a residency region of the platform (${config.regions.join(', ')})`);
    }
    super(scope, id, {
      ...stackProps,
      env: { region, ...(config.account ? { account: config.account } : {}) },
      description: stackProps.description ?? `Agent platform (${config.stage}): residency region ${region}`,
    });
    const names = new PlatformNames(config.stage);

    this.table = new PlatformTable(this, 'Table', { tableName: names.tableName });
    this.dataAccess = new DataAccessRoles(this, 'DataAccess', {
      table: this.table,
      roleNames: Object.fromEntries(DATA_SCOPES.map((scope) => [scope, names.dataRoleName(region, scope)])) as Record<DataScope, string>,
    });
    this.trustCrossRegionCallers(config, region);
    this.credentials = new TenantCredentialStore(this, 'TenantCredentials', { prefix: names.prefix, tenantDataRole: this.dataAccess.tenantData.role });
    this.mail = new MailIdentity(this, 'Mail', { config });
    // Tenant pools' pre-token triggers make SSO users members just in time, each for its own tenant only.
    this.dataAccess.tenantData.trustTaggedCallers(PLATFORM_FUNCTION_TAG, names.preTokenFunctionTag);

    this.cursorSecret = this.createCursorSecret(names, config.stage, region);
    this.bundleSecret = this.createBundleSecret(config.stage, region);
    this.exports = new ExportBucket(this, 'Exports', { bucketName: names.exportBucketName(region) });
    this.functions = this.createFunctions(names, config, region, functionCode);

    const configuredOrigins = config.corsOrigins ?? [...new Set(config.console.callbackUrls.map((url) => new URL(url).origin))];
    // The console's own origin is its distribution's domain, known at deploy time (the site is made below the API).
    const corsOrigins = consoleAssetDir ? [...configuredOrigins, Lazy.string({ produce: () => this.console?.url })] : configuredOrigins;
    ({ api: this.api, firewall: this.firewall } = this.createApi(config, corsOrigins));
    if (consoleAssetDir) this.console = this.createConsole(names, config, region, consoleAssetDir);
    this.bindFunctions(names, config, region, corsOrigins);
    // Registering credentials (governance) and using them in run steps (the run consumer).
    this.credentials.bind(this.functions.governance, this.functions['run-consumer']);
    // Migrations move tenants' secrets between the regions' stores through each region's tenant data role (whose policy
    // keeps a session to its tenant's prefix) and purge them from the source, which lists names with the own role.
    bindCredentialPurge(this.functions['job-consumer'], names.prefix);

    ({ memoryExpiry: this.memoryExpiry, auditSealing: this.auditSealing } = this.createStreamConsumers());
    this.runs = new RunsQueue(this, 'Runs', {
      consumer: this.functions['run-consumer'],
      producers: [this.functions.workflows],
      maxConcurrency: runWorkerCapacity(SERVICE_LEVELS),
    });
    this.jobs = new JobsQueue(this, 'Jobs', { consumer: this.functions['job-consumer'], producers: [this.functions.portability] });
    this.issuerRegistrar = new IssuerRegistrar(this, 'IssuerRegistrar', { handler: this.functions['issuer-registration'] });
    this.periodCloseSchedule = this.createPeriodCloseSchedule(config.stage, region);
    this.retentionSweepSchedule = this.createRetentionSweepSchedule(config.stage, region);
    this.publishForTenantStacks(names);

    this.backup = new TableBackup(this, 'Backup', { table: this.table });
    this.recoveryDrill = new RecoveryDrill(this, 'RecoveryDrill', { table: this.table, tableName: names.tableName, drill: this.functions['recovery-drill'] });
    this.alarms = new RegionAlarms(this, 'Alarms', {
      api: this.api.api,
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, fn]) => [name, fn.function])),
      table: this.table.table,
      streamConsumers: { 'audit-sealer': this.functions['audit-sealer'].function },
    });
    this.observability = this.createObservability(config);
    this.addOutputs();
  }

  /** The region's API (every route, the authorizer, the usage plans' platform key) and its web application firewall. */
  private createApi(config: PlatformConfig, corsOrigins: string[]): { api: PlatformApi; firewall: ApiFirewall } {
    const api = new PlatformApi(this, 'Api', {
      stageName: config.stage,
      routes: ROUTES,
      handlers: byGroup((group) => this.functions[group].function),
      authorizerFunction: this.functions.authorizer.function,
      platformUsageKey: platformUsageKey(config.stage),
      redirectUsageKey: redirectUsageKey(config.stage),
      corsOrigins,
    });
    const firewall = new ApiFirewall(this, 'Firewall', {
      name: `agent-platform-${config.stage}-api`,
      stages: [api.api.deploymentStage],
      publicPaths: ROUTES.filter(isPublic).map((route) => route.path),
    });
    return { api, firewall };
  }

  /** The consumers of the table's stream: TTL removals (what a legal hold keeps, memory quota give-back), audit sealing. */
  private createStreamConsumers(): { memoryExpiry: TableStreamConsumer; auditSealing: TableStreamConsumer } {
    const memoryExpiry = new TableStreamConsumer(this, 'MemoryExpiry', {
      table: this.table,
      consumer: this.functions['memory-expiry'],
      filters: [ttlRemovalFilter(this.table)],
    });
    // Sealing delay: the stream's (about a second) plus one batch; IteratorAge above a minute raises StreamDelay-audit-sealer.
    const auditSealing = new TableStreamConsumer(this, 'AuditSealing', {
      table: this.table,
      consumer: this.functions['audit-sealer'],
      filters: [auditSealingFilter(this.table)],
      batchSize: 100,
    });
    return { memoryExpiry, auditSealing };
  }

  /** Closes the region's ended billing periods every hour (closing is idempotent: a retried run issues nothing new). */
  private createPeriodCloseSchedule(stage: string, region: string): events.Rule {
    return new events.Rule(this, 'PeriodCloseSchedule', {
      description: `Agent platform (${stage}): closes ended billing periods of ${region}'s tenants, hourly`,
      schedule: events.Schedule.cron({ minute: '5' }),
      targets: [new targets.LambdaFunction(this.functions['period-close'].function, { retryAttempts: 2 })],
    });
  }

  /**
   * Sweeps the region's tenants for retention every hour: items written before a change of their settings are brought
   * in line, and a legal hold takes every retention TTL off within the hour (DynamoDB's TTL deletes regardless of
   * holds). A retried or overlapping run changes only what is still out of line.
   */
  private createRetentionSweepSchedule(stage: string, region: string): events.Rule {
    return new events.Rule(this, 'RetentionSweepSchedule', {
      description: `Agent platform (${stage}): retention sweep of ${region}'s tenants, hourly`,
      schedule: events.Schedule.cron({ minute: '35' }),
      targets: [new targets.LambdaFunction(this.functions['retention-sweep'].function, { retryAttempts: 2 })],
    });
  }

  /** Dashboards and alarms of the region, every queue's included, notifying the operator topic. */
  private createObservability(config: PlatformConfig): PlatformObservability {
    return new PlatformObservability(this, 'Observability', {
      stage: config.stage,
      accessLogGroup: this.api.accessLogGroup,
      throttleRecorder: this.functions['throttle-recorder'].function,
      serviceLevels: SERVICE_LEVELS,
      deadLetterQueues: {
        'memory-expiry': this.memoryExpiry.failureQueue,
        'audit-sealing': this.auditSealing.failureQueue,
        runs: this.runs.deadLetterQueue,
        jobs: this.jobs.deadLetterQueue,
      },
      workQueues: { runs: { queue: this.runs.queue, backlog: RUNS_BACKLOG_ALARM }, jobs: { queue: this.jobs.queue, backlog: JOBS_BACKLOG_ALARM } },
      alarmEmails: config.alarmEmails,
    });
  }

  /** The key manifests are signed with: a bundle whose manifest it does not verify is refused. */
  private createBundleSecret(stage: string, region: string): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'BundleSecret', {
      description: `Key of the HMAC that signs tenant bundle manifests of the agent platform (${stage}) in ${region}`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating this key would make every bundle exported before the rotation unimportable; it is replaced by hand with that understood',
    });
    return secret;
  }

  private createCursorSecret(names: PlatformNames, stage: string, region: string): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'CursorSecret', {
      secretName: names.cursorSecretName,
      description: `Key of the HMAC that signs list cursors of the agent platform (${stage}) in ${region}`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Cursors are short-lived page tokens signed with this key; rotating it would need the codec to accept the previous key too. Until then it is replaced by hand, which only invalidates open cursors',
    });
    return secret;
  }

  /** One function per route group, the authorizer, the issuer registrar and the memory-expiry consumer. */
  private createFunctions(
    names: PlatformNames,
    config: PlatformConfig,
    region: string,
    functionCode: lambda.Code | undefined,
  ): Record<RegionFunctionName, PlatformFunction> {
    const regionFunction = (name: RegionFunctionName, description: string) => {
      const needs = needsOf(name);
      return new PlatformFunction(this, `Fn-${name}`, {
        entry: regionFunctionEntry(name),
        description: `${description} (${config.stage})`,
        code: functionCode,
        roleName: needs.allRegions ? names.functionRoleName(region, name) : undefined,
        secretsExtension: (needs.cursors ?? false) || (needs.portability ?? false),
        // The queues' consumers execute whole runs (resumed past the timeout, see RunsQueue) and whole export jobs; the sweep every tenant.
        timeout: LONG_RUNNING_TIMEOUTS[name],
        // …with the run workers of every tier kept for it (the service-level catalogue sizes them per tier).
        reservedConcurrentExecutions: name === 'run-consumer' ? runWorkerCapacity(SERVICE_LEVELS) : undefined,
      });
    };
    const groupFunctions = byGroup((group) => regionFunction(group, `Agent platform API, route group '${group}'`));
    const authorizer = regionFunction('authorizer', 'Agent platform API, request authorizer');
    const registrar = regionFunction('issuer-registration', 'Agent platform, issuer registrar of tenant pools');
    const memoryExpiry = regionFunction('memory-expiry', 'Agent platform, memory quota give-back on TTL removal');
    const auditSealer = regionFunction('audit-sealer', 'Agent platform, audit log sealer');
    const runConsumer = regionFunction('run-consumer', 'Agent platform, workflow run worker');
    const throttleRecorder = regionFunction('throttle-recorder', "Agent platform, usage-plan throttles into tenants' health");
    const periodClose = regionFunction('period-close', 'Agent platform, billing period close (invoices, overdue suspensions)');
    const jobConsumer = regionFunction('job-consumer', 'Agent platform, tenant export and import jobs');
    const retentionSweep = regionFunction('retention-sweep', "Agent platform, retention sweep of tenants' data (periods, legal holds)");
    const recoveryDrill = regionFunction('recovery-drill', "Agent platform, recovery drill: checks tenants' data in a restored copy");
    return {
      ...groupFunctions,
      authorizer,
      'issuer-registration': registrar,
      'memory-expiry': memoryExpiry,
      'audit-sealer': auditSealer,
      'run-consumer': runConsumer,
      'throttle-recorder': throttleRecorder,
      'period-close': periodClose,
      'job-consumer': jobConsumer,
      'retention-sweep': retentionSweep,
      'recovery-drill': recoveryDrill,
    };
  }

  /** The region's web console: its bucket and distribution, its URL as an output and for the app clients' stacks. */
  private createConsole(names: PlatformNames, config: PlatformConfig, region: string, assetDir: string): ConsoleSite {
    const regionEndpoints = { ...config.regionEndpoints, [region]: config.regionEndpoints?.[region] ?? this.api.url };
    const site = new ConsoleSite(this, 'Console', { assetDir, apiUrl: regionEndpoints[region], regionEndpoints });
    new CfnOutput(this, 'ConsoleUrl', { value: site.url, description: 'The web console of this region' });
    // The app clients' stacks read it when they deploy, as they read the registrar's (see lib/naming.ts).
    new ssm.StringParameter(this, 'ConsoleUrlParameter', {
      parameterName: names.consoleUrlParameter,
      stringValue: site.url,
      description: "URL of the region's web console, for the app clients' redirect URLs",
    });
    new ssm.StringParameter(this, 'ConsoleBucketParameter', {
      parameterName: names.consoleBucketParameter,
      stringValue: site.bucket.bucketName,
      description: "Bucket of the region's web console, where the control plane writes the platform-admin pool's sign-in settings",
    });
    return site;
  }

  /** Gives every function its environment and grants: exactly what its needs declare. */
  private bindFunctions(names: PlatformNames, config: PlatformConfig, region: string, corsOrigins: readonly string[]): void {
    const regionEndpoints = { ...config.regionEndpoints, [region]: config.regionEndpoints?.[region] ?? this.api.url };
    const onboardingBus = events.EventBus.fromEventBusArn(
      this,
      'OnboardingBus',
      `arn:${Aws.PARTITION}:events:${config.homeRegion}:${Aws.ACCOUNT_ID}:event-bus/${names.onboardingBusName}`,
    );
    const ownData: RegionDataBinding = { tableName: this.table.tableName, roles: this.dataAccess.byScope };
    const dataRegions = Object.fromEntries(config.regions.map((other) => [other, other === region ? ownData : remoteRegionData(names, other)]));
    const exportBuckets = Object.fromEntries(
      config.regions.map((other) => [other, other === region ? this.exports.bucket : remoteExportBucket(this, names, other)]),
    );
    for (const [name, fn] of Object.entries(this.functions) as [RegionFunctionName, PlatformFunction][]) {
      const needs = needsOf(name);
      fn.bind({
        table: this.table,
        stage: config.stage,
        regionEndpoints,
        apiBaseDomain: config.apiBaseDomain,
        corsOrigins,
        dataRoles: dataRolesFor(needs, ownData.roles),
        controlPlaneRegion: config.homeRegion,
        directoryRegions: config.regions,
        // The registrar is told its own region only: DATA_REGIONS is what it may write.
        dataRegions: needs.allRegions ? dataRegions : name === 'issuer-registration' ? { [region]: ownData } : undefined,
        cursorSecret: needs.cursors ? this.cursorSecret : undefined,
        onboardingBus: needs.onboardingEvents ? onboardingBus : undefined,
        tenantPools: needs.tenantPools,
        mail: needs.mail ? this.mail.sender : undefined,
        modelInvocation: needs.modelInvocation,
        usageKeys: needs.usageKeys,
        usageKeyRelease: needs.usageKeyRelease,
        bundles: needs.portability ? { bucket: this.exports.bucket, secret: this.bundleSecret } : undefined,
        backupStatus: needs.backupStatus,
        migrationBuckets: needs.migrations ? exportBuckets : undefined,
      });
    }
  }

  /**
   * Tenant stacks find the registrar and the usage plans through SSM parameters of their region, read when they
   * deploy: no export pins this stack, and a tenant stack deploys on its own (see lib/naming.ts).
   */
  private publishForTenantStacks(names: PlatformNames): void {
    new ssm.StringParameter(this, 'IssuerRegistrarParameter', {
      parameterName: names.issuerRegistrarParameter,
      stringValue: this.issuerRegistrar.serviceToken,
      description: "Service token of the region's issuer registrar, for tenant stacks",
    });
    for (const [plan, usagePlan] of Object.entries(this.api.usagePlans)) {
      new ssm.StringParameter(this, `UsagePlanParameter-${plan}`, {
        parameterName: names.usagePlanParameter(plan as keyof typeof this.api.usagePlans),
        stringValue: usagePlan.usagePlanId,
        description: `Id of the ${plan} plan's usage plan, for tenant stacks`,
      });
    }
  }

  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the regional API' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: "The region's table" });
    new CfnOutput(this, 'ExportBucketName', { value: this.exports.bucket.bucketName, description: 'Tenant exports and imports' });
  }

  /**
   * Lets the functions of other stacks that act across regions assume this region's data roles, by the fixed names
   * of their roles: the same route groups of the other regions, and the control plane's functions.
   */
  private trustCrossRegionCallers(config: PlatformConfig, region: string): void {
    for (const caller of crossRegionCallers(config)) {
      if (caller.home.kind === 'region' && caller.home.region === region) continue;
      const role = iam.Role.fromRoleArn(this, `Trusted-${caller.roleName}`, caller.roleArn, { mutable: false });
      for (const scope of caller.scopes) this.dataAccess.byScope[scope].grantAssume(role);
    }
  }
}

/** Another region's table and data roles, by their fixed names. */
export function remoteRegionData(names: PlatformNames, region: string): RegionDataBinding {
  return {
    tableName: names.tableName,
    roles: Object.fromEntries(
      DATA_SCOPES.map((scope) => [scope, new ImportedDataAccessRole(names.dataRoleArn(region, scope), scope === 'tenant' ? TENANT_SESSION_TAG : undefined)]),
    ) as RegionDataBinding['roles'],
  };
}

/** Another region's export bucket, by its fixed name. */
function remoteExportBucket(scope: Construct, names: PlatformNames, region: string): s3.IBucket {
  return s3.Bucket.fromBucketAttributes(scope, `ExportBucket-${region}`, { bucketName: names.exportBucketName(region), region });
}

/**
 * Stream records of items of expiring kinds that DynamoDB's TTL removed: REMOVE events by the TTL service principal,
 * of tenant partitions, with a sort key of one of those kinds (expiringSortKeyPrefixes()). Their consumer writes back
 * what a legal hold keeps and gives back the quota of removed memories; it checks each key's kind again, and the filter
 * spares it the invocations of every other change to the table (idempotency records and health items expire too).
 */
export function ttlRemovalFilter(table: PlatformTable): Record<string, unknown> {
  return lambda.FilterCriteria.filter({
    eventName: lambda.FilterRule.isEqual('REMOVE'),
    userIdentity: { type: lambda.FilterRule.isEqual('Service'), principalId: lambda.FilterRule.isEqual(TTL_PRINCIPAL) },
    dynamodb: {
      Keys: {
        [table.partitionKeyName]: { S: lambda.FilterRule.beginsWith(`${TENANT_MARK}${SEPARATOR}`) },
        [table.sortKeyName]: { S: expiringSortKeyPrefixes().flatMap((prefix) => lambda.FilterRule.beginsWith(prefix)) },
      },
    },
  });
}

function byGroup<T>(make: (group: HandlerGroup) => T): Record<HandlerGroup, T> {
  return Object.fromEntries(HANDLER_GROUPS.map((group) => [group, make(group)])) as Record<HandlerGroup, T>;
}

/** Inserts of pending audit entries (a digest and no sequence number: sealed entries have one, no other item a digest). */
export function auditSealingFilter(table: PlatformTable): Record<string, unknown> {
  return lambda.FilterCriteria.filter({
    eventName: lambda.FilterRule.isEqual('INSERT'),
    dynamodb: {
      Keys: { [table.partitionKeyName]: { S: lambda.FilterRule.beginsWith(`${TENANT_MARK}${SEPARATOR}`) } },
      NewImage: { digest: { S: lambda.FilterRule.exists() }, seq: { N: lambda.FilterRule.notExists() } },
    },
  });
}

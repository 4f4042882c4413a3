import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LOCK_FILE, REPO_ROOT } from '../source-paths';
import type { IDataAccessRole } from './data-access-roles';
import type { IPlatformTable } from './platform-table';

export interface PlatformFunctionProps {
  /** The TypeScript entry file, exporting `handler`. */
  readonly entry: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /**
   * Memory in MB (CPU grows with it).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Timeout; API Gateway gives up on an integration after 29 s.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Code built beforehand, whose `index.js` exports `handler`. Tests use it to skip bundling; everything else about
   * the function stays the same.
   * @default - `entry` bundled by esbuild (minified, with source maps)
   */
  readonly code?: lambda.Code;
}

/** What a function is bound to: the region's table, its data roles and the platform's endpoints. */
export interface PlatformBinding {
  /** The region's table; only its name is passed. Data access goes through the data roles, never the function's role. */
  readonly table: IPlatformTable;
  /** Deployment stage, passed as STAGE. */
  readonly stage: string;
  /** Region → public API base URL, passed as REGION_ENDPOINTS (JSON). */
  readonly regionEndpoints: Readonly<Record<string, string>>;
  /**
   * Base domain of tenant subdomains, passed as API_BASE_DOMAIN.
   * @default - not passed
   */
  readonly apiBaseDomain?: string;
  /**
   * Tenant data role the function may assume (with a TenantId session tag); its ARN is passed as TENANT_DATA_ROLE_ARN.
   * @default - the function cannot reach tenant data
   */
  readonly tenantDataRole?: IDataAccessRole;
  /**
   * Platform data role the function may assume; its ARN is passed as PLATFORM_DATA_ROLE_ARN.
   * @default - the function cannot reach platform data
   */
  readonly platformDataRole?: IDataAccessRole;
}

/**
 * The house Lambda function: Node.js 22 on arm64, bundled with esbuild (minified, source maps on), an explicit log
 * group with retention, active X-Ray tracing. Its execution role may write its logs and traces and nothing else
 * until `bind` lets it assume data roles.
 */
export class PlatformFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  private bound = false;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 512;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
      throw new Error(`memorySize must be an integer from 128 to 10240 MB, got ${memorySize}`);
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Own role instead of Lambda's default, which would carry the AWSLambdaBasicExecutionRole managed policy
    // (logs on every log group of the account).
    this.role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      ...(props.code
        ? { code: props.code, handler: 'index.handler' }
        : {
            entry: props.entry,
            handler: 'handler',
            projectRoot: REPO_ROOT,
            depsLockFilePath: LOCK_FILE,
            bundling: { minify: true, sourceMap: true, sourcesContent: false, target: 'node22' },
          }),
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray actions of active tracing (PutTraceSegments, PutTelemetryRecords): X-Ray has no resource-level permissions for them',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x on purpose: the bundles target node22 and are tested for it; a runtime upgrade is a deliberate change with its own test run',
    });
  }

  /** Sets the function's environment and grants it the data roles it is given, in one place. Call once. */
  bind(binding: PlatformBinding): void {
    if (this.bound) throw new Error(`${this.node.path} is already bound`);
    this.bound = true;
    const fn = this.function;
    fn.addEnvironment('TABLE_NAME', binding.table.tableName);
    fn.addEnvironment('STAGE', binding.stage);
    fn.addEnvironment('REGION_ENDPOINTS', Stack.of(this).toJsonString(binding.regionEndpoints));
    if (binding.apiBaseDomain) fn.addEnvironment('API_BASE_DOMAIN', binding.apiBaseDomain);
    if (binding.tenantDataRole) {
      binding.tenantDataRole.grantAssume(this.role);
      fn.addEnvironment('TENANT_DATA_ROLE_ARN', binding.tenantDataRole.roleArn);
    }
    if (binding.platformDataRole) {
      binding.platformDataRole.grantAssume(this.role);
      fn.addEnvironment('PLATFORM_DATA_ROLE_ARN', binding.platformDataRole.roleArn);
    }
  }
}

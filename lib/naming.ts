import { Aws } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { PlanId } from '../functions/billing/plan.catalogue';
import type { DataScope } from '../functions/data/data-scopes';
import { TABLE_BASE_NAME } from '../functions/data/table.schema';

/**
 * Physical names that stacks agree on without CloudFormation references.
 *
 * The platform spans regions: the control plane writes the tenant directory copy of every region, a tenant's record
 * lives in its home region, and tenant stacks are deployed one at a time by the onboarding pipeline. CloudFormation
 * cannot reference across regions, and an export would pin the producing stack whenever a tenant stack imports it.
 * So the resources other stacks reach get fixed names built here (IAM roles are global: an ARN is known from its
 * name), and the values that cannot be named (usage plan ids, the issuer registrar's service token) are published
 * as SSM parameters of their region.
 */
/** Role tag naming which platform function an execution role belongs to, for trust across stacks. */
export const PLATFORM_FUNCTION_TAG = 'agent-platform-function';

export class PlatformNames {
  constructor(readonly stage: string) {}

  /** Prefix of every name: `agent-platform-<stage>`. */
  get prefix(): string {
    return `${TABLE_BASE_NAME}-${this.stage}`;
  }

  /** The table of each region: the same name in every region (table names are regional). */
  get tableName(): string {
    return this.prefix;
  }

  /** A data role of a region (IAM names are global, hence the region in the name). */
  dataRoleName(region: string, scope: DataScope): string {
    return checkedRoleName(`${this.prefix}-${region}-${scope}-data`);
  }

  /** The ARN of a data role, in the account of the stack that resolves it. */
  dataRoleArn(region: string, scope: DataScope): string {
    return roleArn(this.dataRoleName(region, scope));
  }

  /** Execution role of a function that other regions' data roles trust. */
  functionRoleName(region: string, fn: string): string {
    return checkedRoleName(`${this.prefix}-${region}-fn-${fn}`);
  }

  functionRoleArn(region: string, fn: string): string {
    return roleArn(this.functionRoleName(region, fn));
  }

  /**
   * Value of the PLATFORM_FUNCTION_TAG role tag of the tenant pools' pre-token triggers: the regions' tenant data
   * roles trust the execution roles that carry it, each for the tenant of its own `TenantId` role tag.
   */
  get preTokenFunctionTag(): string {
    return `${this.prefix}-pre-token-generation`;
  }

  /** Execution role of a control-plane function (one per stage, in the home region). */
  controlPlaneRoleName(fn: string): string {
    return checkedRoleName(`${this.prefix}-cp-${fn}`);
  }

  controlPlaneRoleArn(fn: string): string {
    return roleArn(this.controlPlaneRoleName(fn));
  }

  /**
   * The secret that signs list cursors, one per region (secret names are regional). Not ending in a dash and six
   * characters, which Secrets Manager would take for the random suffix of a full ARN when the name is used as a
   * partial ARN (the control plane knows the secret by name only).
   */
  get cursorSecretName(): string {
    return `${this.prefix}/cursor-signing-key`;
  }

  /** The control plane's event bus of onboarding requests and provisioning answers (home region). */
  get onboardingBusName(): string {
    return `${this.prefix}-onboarding`;
  }

  /** Regional SSM parameter: the id of a plan's usage plan, read by tenant stacks. */
  usagePlanParameter(plan: PlanId): string {
    return `/${TABLE_BASE_NAME}/${this.stage}/usage-plans/${plan}`;
  }

  /** Regional SSM parameter: the service token of the region's issuer registrar, read by tenant stacks. */
  get issuerRegistrarParameter(): string {
    return `/${TABLE_BASE_NAME}/${this.stage}/issuer-registrar`;
  }

  /**
   * The bucket of onboarded tenants' manifests (control plane, home region), read by the fleet pipeline. Bucket names
   * are global: account and region make it unique, `ap-` keeps it within 63 characters for every stage name.
   */
  manifestStoreName(homeRegion: string, account: string = Aws.ACCOUNT_ID): string {
    return `ap-${this.stage}-manifests-${account}-${homeRegion}`;
  }

  /**
   * A region's export bucket (tenant bundles): a fixed name, so the job consumers of the other regions can put and read
   * the bundles of migrations to it. Account and region make it unique, `ap-` keeps it within 63 characters.
   */
  exportBucketName(region: string, account: string = Aws.ACCOUNT_ID): string {
    return `ap-${this.stage}-exports-${account}-${region}`;
  }

  /**
   * The fleet pipeline's synth role (in the pipeline's account): a fixed name, so the manifest stores of environments
   * in other accounts can name it in their bucket policies.
   */
  get fleetSynthRoleName(): string {
    return `${this.prefix}-fleet-synth`;
  }

  /** Regional SSM parameter: the URL of the region's web console, read by the stacks of its app clients. */
  get consoleUrlParameter(): string {
    return `/${TABLE_BASE_NAME}/${this.stage}/console-url`;
  }

  /** Regional SSM parameter: the name of the region's console bucket, where the control plane writes the admin pool's settings. */
  get consoleBucketParameter(): string {
    return `/${TABLE_BASE_NAME}/${this.stage}/console-bucket`;
  }

  /** The console's OAuth redirect URLs in a region, read when a stack deploys (the distribution's domain is random). */
  consoleRedirects(scope: Construct): { readonly callbackUrl: string; readonly logoutUrl: string } {
    const url = ssm.StringParameter.valueForStringParameter(scope, this.consoleUrlParameter);
    return { callbackUrl: `${url}/auth/callback`, logoutUrl: `${url}/` };
  }

  /** Construct id (and `cdk deploy` name) of a tenant's stack. */
  tenantStackId(tenantId: string): string {
    return `Tenant-${tenantId}`;
  }

  /** CloudFormation name of a tenant's stack: by tenant id, which never changes (slugs are released and reused). */
  tenantStackName(tenantId: string): string {
    return `${this.prefix}-tenant-${tenantId}`;
  }
}

/** IAM role names are at most 64 characters: fail synthesis with the name rather than the deployment. */
function checkedRoleName(name: string): string {
  if (name.length > 64) throw new Error(`IAM role name ${name} is longer than 64 characters: use a shorter stage name`);
  return name;
}

function roleArn(name: string): string {
  return `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${name}`;
}

import { Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PLATFORM_MARK, SEPARATOR, TENANT_MARK } from '../../functions/data/keys';
import type { IPlatformTable } from './platform-table';

/**
 * The session tag that names the tenant of a tenant-data session. The token vending machine sets it when it
 * assumes the tenant data role; the role's policy reads it back as `aws:PrincipalTag/TenantId`.
 */
export const TENANT_SESSION_TAG = 'TenantId';

/**
 * Item-level DynamoDB actions: the only data actions a data role gets. No Scan (it has no partition key to
 * check), no table management, no wildcard. Transactions are authorized per item through these same actions.
 */
export const ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;

/** Partition keys a tenant session may touch: `T#<its TenantId tag>#…`. */
export const TENANT_LEADING_KEY_PATTERN = `${TENANT_MARK}${SEPARATOR}\${aws:PrincipalTag/${TENANT_SESSION_TAG}}${SEPARATOR}*`;

/** Partition keys a platform session may touch: `P#…` (directory, slugs, issuer registry; never tenant data). */
export const PLATFORM_LEADING_KEY_PATTERN = `${PLATFORM_MARK}${SEPARATOR}*`;

/** A role that grants scoped access to the region's table and is assumed by the functions that need it. */
export interface IDataAccessRole {
  readonly roleArn: string;
  /**
   * Lets the grantee (a function's execution role) assume this role: adds the grantee to this role's trust
   * policy and `sts:AssumeRole` (plus `sts:TagSession` when a session tag is required) to the grantee's policy.
   */
  grantAssume(grantee: iam.IRole): iam.Grant;
}

export interface DataAccessRoleProps {
  /** The table, and its indexes, that the role may read and write. */
  readonly table: IPlatformTable;
  /**
   * `StringLike` pattern that every partition key of a request (`dynamodb:LeadingKeys`) must match; may use the
   * session tag as `${aws:PrincipalTag/<tag>}`.
   */
  readonly leadingKeyPattern: string;
  /**
   * Session tag a caller must set, and may only set, when it assumes the role.
   * @default - the role is assumed without session tags
   */
  readonly requiredSessionTag?: string;
  /** What the role is for, shown in IAM. */
  readonly description: string;
}

/**
 * A data role: item-level actions on the table and its indexes, allowed only when every partition key of the
 * request matches `leadingKeyPattern`. `ForAllValues` alone would allow a request that carries no partition key
 * at all, hence the `Null` guard. Only the execution roles granted through `grantAssume` may assume it.
 */
export class DataAccessRole extends Construct implements IDataAccessRole {
  readonly role: iam.Role;
  private readonly trustedRoleArns: string[] = [];
  private readonly assumeActions: string[];

  constructor(scope: Construct, id: string, props: DataAccessRoleProps) {
    super(scope, id);
    const tag = props.requiredSessionTag;
    this.assumeActions = tag ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'];

    const trustConditions: Record<string, Record<string, unknown>> = {
      // The account is the principal, narrowed to the granted execution roles: grants come after the role exists.
      ArnEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.trustedRoleArns }) },
      ...(tag
        ? {
            StringLike: { [`aws:RequestTag/${tag}`]: '?*' },
            'ForAllValues:StringEquals': { 'aws:TagKeys': [tag] },
          }
        : {}),
    };
    const principal = new iam.AccountPrincipal(Stack.of(this).account).withConditions(trustConditions);

    const dataConditions = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [props.leadingKeyPattern] },
      Null: { 'dynamodb:LeadingKeys': 'false', ...(tag ? { [`aws:PrincipalTag/${tag}`]: 'false' } : {}) },
    };

    this.role = new iam.Role(this, 'Role', {
      assumedBy: tag ? principal.withSessionTags() : principal,
      description: props.description,
      inlinePolicies: {
        ItemAccess: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'ItemAccessWithinLeadingKeys',
              actions: [...ITEM_ACTIONS],
              resources: [props.table.tableArn, ...props.table.indexArns],
              conditions: dataConditions,
            }),
          ],
        }),
      },
    });

    this.node.addValidation({
      validate: () =>
        this.trustedRoleArns.length === 0 ? [`${this.node.path}: no execution role may assume this role; call grantAssume()`] : [],
    });
  }

  get roleArn(): string {
    return this.role.roleArn;
  }

  grantAssume(grantee: iam.IRole): iam.Grant {
    this.trustedRoleArns.push(grantee.roleArn);
    return iam.Grant.addToPrincipal({ grantee, actions: this.assumeActions, resourceArns: [this.role.roleArn] });
  }
}

export interface DataAccessRolesProps {
  /** The region's table. */
  readonly table: IPlatformTable;
}

/**
 * The two data roles of a region. Lambda execution roles hold no DynamoDB permission; they assume one of these:
 * - the tenant data role, with session tag `TenantId=<id>`: keys under `T#<id>#` only;
 * - the platform data role: keys under `P#` only (directory, slugs, issuer registry), never tenant data.
 */
export class DataAccessRoles extends Construct {
  readonly tenantData: DataAccessRole;
  readonly platformData: DataAccessRole;

  constructor(scope: Construct, id: string, props: DataAccessRolesProps) {
    super(scope, id);
    this.tenantData = new DataAccessRole(this, 'TenantData', {
      table: props.table,
      leadingKeyPattern: TENANT_LEADING_KEY_PATTERN,
      requiredSessionTag: TENANT_SESSION_TAG,
      description: `Item access to one tenant's keys (T#<${TENANT_SESSION_TAG} session tag>#*) of the region's table`,
    });
    this.platformData = new DataAccessRole(this, 'PlatformData', {
      table: props.table,
      leadingKeyPattern: PLATFORM_LEADING_KEY_PATTERN,
      description: "Item access to the platform's keys (P#*) of the region's table: directory and issuer registry",
    });
  }
}

import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { HANDLER_GROUPS, ROUTES, routesOf, TENANT_PATH_PARAMETER, type HandlerGroup } from '../../functions/routes';
import type { PlatformConfig } from '../config';
import { DataAccessRoles } from '../constructs/data-access-roles';
import { ExportBucket } from '../constructs/export-bucket';
import { PlatformApi } from '../constructs/platform-api';
import { PlatformFunction } from '../constructs/platform-function';
import { PlatformTable } from '../constructs/platform-table';
import { RegionAlarms } from '../constructs/region-alarms';
import { TableBackup } from '../constructs/table-backup';
import { AUTHORIZER_ENTRY, handlerEntry } from '../source-paths';

/** The functions of a region: one per route group, plus the authorizer. */
export type RegionFunctionName = HandlerGroup | 'authorizer';
export const REGION_FUNCTION_NAMES: readonly RegionFunctionName[] = [...HANDLER_GROUPS, 'authorizer'];

/** Which data roles a function may assume. */
export interface FunctionDataAccess {
  /** The tenant data role (keys under `T#<tenantId>#`, with a TenantId session tag). */
  readonly tenant: boolean;
  /** The platform data role (keys under `P#`). */
  readonly platform: boolean;
}

/**
 * Data access of a route group whose every route names a tenant (`/v1/tenants/{tenantId}/...`): the tenant's own
 * items through the tenant data role, and its directory entry (status, home region) through the platform data role.
 */
export const TENANT_SCOPED_ACCESS: FunctionDataAccess = { tenant: true, platform: true };

/**
 * Data access of the functions whose needs do not follow from their routes. The execution roles themselves hold no
 * DynamoDB permission; a function may only assume the data roles named here (or TENANT_SCOPED_ACCESS).
 */
export const FUNCTION_DATA_ACCESS: Readonly<Record<string, FunctionDataAccess>> = {
  // Health and the OpenAPI document read no data.
  platform: { tenant: false, platform: false },
  // Discovery looks up the tenant directory (slugs, email domains): platform keys only.
  discovery: { tenant: false, platform: true },
  // Creates and lists tenants (directory, P#) as well as reading and changing a tenant's own record (T#).
  tenants: { tenant: true, platform: true },
  // The authorizer resolves token issuers and tenant slugs through the platform registry (P#), and reads an API key's
  // record, a tenant item (T#<tenantId>#APIKEY), with a session for the tenant the key names.
  authorizer: { tenant: true, platform: true },
  // Users and invitations of a tenant, and the public invitation accept: its code names the tenant whose invitation
  // and member items (T#) it reads and writes, after finding the tenant's pool in the directory (P#).
  users: { tenant: true, platform: true },
};

/**
 * The data roles a region function may assume: its entry in FUNCTION_DATA_ACCESS, else TENANT_SCOPED_ACCESS for a
 * route group whose every route names a tenant. Anything else fails synthesis: granting data access is a decision.
 */
export function dataAccessOf(name: RegionFunctionName): FunctionDataAccess {
  const explicit = FUNCTION_DATA_ACCESS[name];
  if (explicit) return explicit;
  const routes = name === 'authorizer' ? [] : routesOf(name);
  if (routes.length > 0 && routes.every((route) => route.path.includes(`{${TENANT_PATH_PARAMETER}}`))) return TENANT_SCOPED_ACCESS;
  throw new Error(
    `function '${name}' serves routes that do not all name a tenant and has no entry in FUNCTION_DATA_ACCESS (lib/stacks/region-stack.ts): decide which data roles it may assume`,
  );
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
  readonly exports: ExportBucket;
  readonly backup: TableBackup;
  readonly alarms: RegionAlarms;

  constructor(scope: Construct, id: string, props: RegionStackProps) {
    const { config, region, functionCode, ...stackProps } = props;
    if (!config.regions.includes(region)) {
      throw new Error(`region ${region} is not a residency region of the platform (${config.regions.join(', ')})`);
    }
    super(scope, id, {
      ...stackProps,
      env: { region, ...(config.account ? { account: config.account } : {}) },
      description: stackProps.description ?? `Agent platform (${config.stage}): residency region ${region}`,
    });

    this.table = new PlatformTable(this, 'Table');
    this.dataAccess = new DataAccessRoles(this, 'DataAccess', { table: this.table });

    const groupFunctions = byGroup(
      (group) =>
        new PlatformFunction(this, `Fn-${group}`, {
          entry: handlerEntry(group),
          description: `Agent platform API, route group '${group}' (${config.stage})`,
          code: functionCode,
        }),
    );
    const authorizer = new PlatformFunction(this, 'Fn-authorizer', {
      entry: AUTHORIZER_ENTRY,
      description: `Agent platform API, request authorizer (${config.stage})`,
      code: functionCode,
    });
    this.functions = { ...groupFunctions, authorizer };

    this.api = new PlatformApi(this, 'Api', {
      stageName: config.stage,
      routes: ROUTES,
      handlers: byGroup((group) => groupFunctions[group].function),
      authorizerFunction: authorizer.function,
    });

    const regionEndpoints = { ...config.regionEndpoints, [region]: config.regionEndpoints?.[region] ?? this.api.url };
    for (const [name, fn] of Object.entries(this.functions) as [RegionFunctionName, PlatformFunction][]) {
      const access = dataAccessOf(name);
      fn.bind({
        table: this.table,
        stage: config.stage,
        regionEndpoints,
        apiBaseDomain: config.apiBaseDomain,
        tenantDataRole: access.tenant ? this.dataAccess.tenantData : undefined,
        platformDataRole: access.platform ? this.dataAccess.platformData : undefined,
      });
    }

    this.exports = new ExportBucket(this, 'Exports');
    this.backup = new TableBackup(this, 'Backup', { table: this.table });
    this.alarms = new RegionAlarms(this, 'Alarms', {
      api: this.api.api,
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, fn]) => [name, fn.function])),
      table: this.table.table,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the regional API' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: "The region's table" });
    new CfnOutput(this, 'ExportBucketName', { value: this.exports.bucket.bucketName, description: 'Tenant exports and imports' });
  }
}

function byGroup<T>(make: (group: HandlerGroup) => T): Record<HandlerGroup, T> {
  return Object.fromEntries(HANDLER_GROUPS.map((group) => [group, make(group)])) as Record<HandlerGroup, T>;
}

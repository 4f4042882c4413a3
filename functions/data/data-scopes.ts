/**
 * The data roles of a region, one per scope of keys a function may reach in the table. Execution roles hold no
 * DynamoDB permission; a function is given the roles of the scopes it needs and nothing else:
 * - `tenant`: one tenant's keys (`T#<tenantId>#…`), with the tenant's session tag;
 * - `directory`: reads of platform keys (`P#…`: directory, slugs, email domains, issuer registry), no writes;
 * - `platform`: platform keys, written (tenant lifecycle), except the issuer registry;
 * - `issuers`: the issuer registry (`P#ISSUER#…`) only, the items that decide whose tokens are platform admins'.
 */
export const DATA_SCOPES = ['tenant', 'directory', 'platform', 'issuers'] as const;
export type DataScope = (typeof DATA_SCOPES)[number];

/** The scopes of platform keys: sessions without a tenant. */
export type PlatformScope = Exclude<DataScope, 'tenant'>;

/** The environment variable that carries the ARN of a scope's role in the function's own region. */
export type RoleArnVariable<S extends DataScope = DataScope> = `${Uppercase<S>}_DATA_ROLE_ARN`;

export function roleArnVariable<S extends DataScope>(scope: S): RoleArnVariable<S> {
  return `${scope.toUpperCase()}_DATA_ROLE_ARN` as RoleArnVariable<S>;
}

/** The field of a DATA_REGIONS entry that carries the ARN of a scope's role in that region. */
export type RoleArnField<S extends DataScope = DataScope> = `${S}DataRoleArn`;

export function roleArnField<S extends DataScope>(scope: S): RoleArnField<S> {
  return `${scope}DataRoleArn`;
}

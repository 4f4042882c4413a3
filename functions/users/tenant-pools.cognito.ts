import {
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Role } from '../core/roles';
import { TENANT_ROLES } from '../core/roles';
import { TENANT_ID_ATTRIBUTE_NAME } from '../identity/tenant-attribute';
import type { TenantAuth } from '../tenants/tenant.schema';
import type { TenantPools } from './tenant-pools';

/** A pool made on the local platform: the ids its tokens carry. */
export interface MadePool {
  readonly userPoolId: string;
  readonly clientId: string;
  /** `<cognitoEndpoint>/<userPoolId>`, the `iss` of the pool's tokens. */
  readonly issuer: string;
}

/**
 * Makes a pool as the local platform's stand-in for a stack (cognito-local): sign-in by email, users made by admins
 * only, the platform's password policy, one public app client and the groups; tenant pools carry the tenant attribute.
 */
export async function makePool(
  cognito: CognitoIdentityProviderClient,
  cognitoEndpoint: string,
  pool: { readonly name: string; readonly groups: readonly Role[]; readonly tenantAttribute: boolean },
): Promise<MadePool> {
  const { UserPool } = await cognito.send(
    new CreateUserPoolCommand({
      PoolName: pool.name,
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
      },
      Schema: pool.tenantAttribute
        ? [{ Name: TENANT_ID_ATTRIBUTE_NAME, AttributeDataType: 'String', Mutable: false, StringAttributeConstraints: { MinLength: '3', MaxLength: '40' } }]
        : [],
    }),
  );
  const userPoolId = UserPool?.Id;
  if (!userPoolId) throw new Error(`cognito-local created pool ${pool.name} without an id`);
  const { UserPoolClient } = await cognito.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: `${pool.name}-app`,
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }),
  );
  const clientId = UserPoolClient?.ClientId;
  if (!clientId) throw new Error(`cognito-local created a client of ${pool.name} without an id`);
  for (const group of pool.groups) await cognito.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
  return { userPoolId, clientId, issuer: `${cognitoEndpoint}/${userPoolId}` };
}

export interface CognitoTenantPoolsOptions {
  readonly region: string;
  /** The name of a tenant's pool in the region. */
  readonly poolName: (tenantId: string) => string;
  /**
   * The local platform's Cognito endpoint: a pool the region lacks is made there, as the tenant's stack would have
   * made it. Absent in AWS, where only the tenant stack deployed in the region makes it.
   */
  readonly makeAt?: string;
}

/**
 * A region's tenant pools through the Cognito API, found by name: in AWS the pool of the tenant stack deployed in the
 * region (its app client, its hosted UI domain), locally the pool made for it on first need.
 */
export class CognitoTenantPools implements TenantPools {
  readonly region: string;

  constructor(
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly options: CognitoTenantPoolsOptions,
  ) {
    this.region = options.region;
  }

  async poolOf(tenantId: string): Promise<TenantAuth | undefined> {
    const name = this.options.poolName(tenantId);
    const userPoolId = await this.findPool(name);
    if (userPoolId) return this.authOf(userPoolId);
    if (!this.options.makeAt) return undefined;
    const made = await makePool(this.cognito, this.options.makeAt, { name, groups: TENANT_ROLES, tenantAttribute: true });
    return { ...made, cognitoEndpoint: this.options.makeAt, region: this.region };
  }

  private async findPool(name: string): Promise<string | undefined> {
    let token: string | undefined;
    do {
      const page = await this.cognito.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken: token }));
      const found = page.UserPools?.find((pool) => pool.Name === name);
      if (found?.Id) return found.Id;
      token = page.NextToken;
    } while (token);
    return undefined;
  }

  private async authOf(userPoolId: string): Promise<TenantAuth> {
    const { UserPoolClients = [] } = await this.cognito.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
    // The tenant stack's pool has one client, the console's.
    const clientId = (UserPoolClients.find((client) => client.ClientName === 'console') ?? UserPoolClients[0])?.ClientId;
    if (!clientId) throw new Error(`the pool ${userPoolId} in ${this.region} has no app client`);
    const { makeAt, region } = this.options;
    if (makeAt) return { issuer: `${makeAt}/${userPoolId}`, userPoolId, clientId, cognitoEndpoint: makeAt, region };
    const { UserPool } = await this.cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
    const domain = UserPool?.CustomDomain ?? (UserPool?.Domain ? `${UserPool.Domain}.auth.${region}.amazoncognito.com` : undefined);
    return {
      issuer: `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`,
      userPoolId,
      clientId,
      region,
      ...(domain ? { hostedUiUrl: `https://${domain}` } : {}),
    };
  }
}

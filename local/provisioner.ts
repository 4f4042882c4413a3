import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  DeleteUserPoolCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { planIdSchema } from '../functions/billing/plan-id';
import { ConflictError } from '../functions/core/errors';
import { createDocumentClient } from '../functions/data/clients';
import { timeOrderedId } from '../functions/data/ids';
import { tenantIdSchema } from '../functions/data/keys';
import { IssuerRegistryRepository, jwksUriOf, tenantPoolRegistration } from '../functions/identity/issuer-registry.repository';
import { TENANT_ROLES, type Role } from '../functions/core/roles';
import { quotaCounters } from '../functions/quotas/quota.counters';
import { firstAdminItems } from '../functions/users/member.repository';
import { DirectoryRepository } from '../functions/tenants/directory.repository';
import { TenantRepository } from '../functions/tenants/tenant.repository';
import { brandingSchema, regionSchema, slugSchema, type TenantDirectoryEntry } from '../functions/tenants/tenant.schema';
import { localDynamoDbClient } from './bootstrap';
import { generatePassword } from './password';
import { LOCAL_CREDENTIALS } from './platform.config';
import { makePool } from '../functions/users/tenant-pools.cognito';
import { newPoolUser } from '../functions/users/pool-user.input';

/**
 * The local provisioner: what a TenantStack deployment does in AWS (user pool, app client, groups, first admin,
 * issuer registration in the tenant's home region), done against cognito-local, plus the platform's records of the
 * tenant (directory entry in every region, tenant record in its home region). The platform-admin pool's issuer is
 * registered in every region, as the control plane does.
 */

/** What a tenant is provisioned from: the fields of a tenant manifest the local platform needs. */
export const tenantSpecSchema = z.object({
  tenantId: tenantIdSchema,
  slug: slugSchema,
  name: z.string().min(1).max(200),
  plan: planIdSchema,
  region: regionSchema,
  emailDomains: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be an email domain')).default([]),
  branding: z._default(brandingSchema, {}),
  adminEmail: z.email(),
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});
export type TenantSpec = z.input<typeof tenantSpecSchema>;

export interface UserCredentials {
  /** What to send as USERNAME to InitiateAuth: the email (pools sign in by email). */
  readonly username: string;
  readonly password: string;
}

export interface ProvisionedPool {
  readonly userPoolId: string;
  readonly clientId: string;
  /** `<cognitoEndpoint>/<userPoolId>`, the `iss` of the pool's tokens. */
  readonly issuer: string;
}

export interface ProvisionedTenant extends ProvisionedPool {
  readonly tenantId: string;
  readonly slug: string;
  readonly region: string;
  readonly admin: UserCredentials;
}

export interface ProvisionedPlatformAdmin extends ProvisionedPool, UserCredentials {}

/** One residency region's table. */
export interface RegionTable {
  readonly region: string;
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
}

export interface LocalProvisionerOptions {
  readonly cognito: CognitoIdentityProviderClient;
  /** cognito-local's URL: the prefix of every issuer. */
  readonly cognitoEndpoint: string;
  /** The table of every residency region. */
  readonly regions: readonly RegionTable[];
  /** @default the system clock */
  readonly clock?: () => Date;
}

export const PLATFORM_ADMIN_GROUP: Role = 'platform-admin';

export class LocalProvisioner {
  private readonly clock: () => Date;

  constructor(private readonly options: LocalProvisionerOptions) {
    if (options.regions.length === 0) throw new Error('the provisioner needs at least one region');
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Provisions a tenant: pool, client, groups, admin user (generated password, in tenant-admin), directory entry in
   * every region, issuer registration and tenant record in its home region. ConflictError when the id or slug is taken.
   */
  async provisionTenant(input: TenantSpec): Promise<ProvisionedTenant> {
    const spec = tenantSpecSchema.parse(input);
    const home = this.regionTable(spec.region);
    await this.assertFree(spec.tenantId, spec.slug);

    const pool = await this.createPool(`tenant-${spec.tenantId}`, [...TENANT_ROLES], true);
    try {
      const { sub: adminSub, ...admin } = await this.addUser(pool.userPoolId, {
        email: spec.adminEmail,
        groups: ['tenant-admin'],
        tenantId: spec.tenantId,
      });
      const entry: TenantDirectoryEntry = {
        tenantId: spec.tenantId,
        slug: spec.slug,
        region: spec.region,
        status: 'ACTIVE',
        emailDomains: spec.emailDomains.map((domain) => domain.toLowerCase()),
        auth: { ...pool, cognitoEndpoint: this.options.cognitoEndpoint, region: spec.region },
        branding: spec.branding,
      };
      await this.inEveryRegion(({ db, tableName }) => new DirectoryRepository(db, tableName).create(entry));
      await registerTenantIssuer(home, spec.tenantId, pool);
      const now = this.clock().toISOString();
      await new TenantRepository(home.db, home.tableName).create({
        tenantId: spec.tenantId,
        slug: spec.slug,
        name: spec.name,
        plan: spec.plan,
        region: spec.region,
        status: 'ACTIVE',
        branding: spec.branding,
        settings: spec.settings,
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
      await this.recordFirstAdmin(home, spec.tenantId, { email: admin.username, sub: adminSub }, now);
      return { tenantId: spec.tenantId, slug: spec.slug, region: spec.region, ...pool, admin };
    } catch (error) {
      await this.options.cognito.send(new DeleteUserPoolCommand({ UserPoolId: pool.userPoolId })).catch(() => undefined);
      throw error;
    }
  }

  /**
   * What a TenantStack deployment makes for a tenant onboarded by API (the platform's records of it already exist):
   * its pool, app client and groups, and the pool's issuer registered for the tenant in its home region. No users:
   * the first admins are invited once the tenant is ACTIVE.
   */
  async provisionTenantPool(tenantId: string, homeRegion: string): Promise<ProvisionedPool> {
    tenantIdSchema.parse(tenantId);
    const home = this.regionTable(homeRegion);
    const pool = await this.createPool(`tenant-${tenantId}`, [...TENANT_ROLES], true);
    try {
      await registerTenantIssuer(home, tenantId, pool);
      return pool;
    } catch (error) {
      await this.options.cognito.send(new DeleteUserPoolCommand({ UserPoolId: pool.userPoolId })).catch(() => undefined);
      throw error;
    }
  }

  /**
   * What destroying a TenantStack does: the issuer is forgotten and the pool deleted. In every region: a migration
   * registered the issuer in the tenant's new home region as well.
   */
  async deprovisionTenantPool(pool: { readonly userPoolId: string; readonly issuer: string }): Promise<void> {
    await this.inEveryRegion(({ db, tableName }) => new IssuerRegistryRepository(db, tableName).deregister(pool.issuer));
    try {
      await this.options.cognito.send(new DeleteUserPoolCommand({ UserPoolId: pool.userPoolId }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }

  /** The first admin as a member of the tenant (what joining by invitation records), counted against the plan. */
  private async recordFirstAdmin(home: RegionTable, tenantId: string, user: { readonly email: string; readonly sub: string }, now: string): Promise<void> {
    const member = { tenantId, userId: timeOrderedId(Date.parse(now)), ...user, role: 'tenant-admin' as const, createdAt: now, updatedAt: now, version: 1 };
    await home.db.send(
      new TransactWriteCommand({
        TransactItems: firstAdminItems(member, quotaCounters.users(tenantId).key).map((Item) => ({ Put: { TableName: home.tableName, Item } })),
      }),
    );
  }

  /** Provisions the platform-admin pool with its group and one admin user, trusted as `platform` in every region. */
  async provisionPlatformAdmin(input: { readonly email: string }): Promise<ProvisionedPlatformAdmin> {
    const email = z.email().parse(input.email);
    const pool = await this.createPool('platform-admins', [PLATFORM_ADMIN_GROUP], false);
    const { sub: _sub, ...admin } = await this.addUser(pool.userPoolId, { email, groups: [PLATFORM_ADMIN_GROUP] });
    await this.inEveryRegion(({ db, tableName }) =>
      new IssuerRegistryRepository(db, tableName).register({
        kind: 'platform',
        issuer: pool.issuer,
        clientIds: [pool.clientId],
        jwksUri: jwksUriOf(pool.issuer),
      }),
    );
    return { ...pool, ...admin };
  }

  /**
   * Adds a confirmed user with a generated password to a pool and its groups. Tenant users carry
   * `custom:tenantId`, which the tenant's token claims are built from.
   */
  async addUser(
    userPoolId: string,
    user: { readonly email: string; readonly groups: readonly Role[]; readonly tenantId?: string },
  ): Promise<UserCredentials & { readonly sub: string }> {
    const { cognito } = this.options;
    const password = generatePassword();
    const { User } = await cognito.send(new AdminCreateUserCommand(newPoolUser(userPoolId, user.email, user.tenantId)));
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: user.email, Password: password, Permanent: true }));
    for (const group of user.groups) {
      await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: user.email, GroupName: group }));
    }
    const sub = User?.Attributes?.find((attribute) => attribute.Name === 'sub')?.Value;
    if (!sub) throw new Error(`the pool answered user ${user.email} without a sub`);
    return { username: user.email, password, sub };
  }

  private createPool(name: string, groups: readonly Role[], withTenantAttribute: boolean): Promise<ProvisionedPool> {
    return makePool(this.options.cognito, this.options.cognitoEndpoint, { name, groups, tenantAttribute: withTenantAttribute });
  }

  /** Fails before anything is created when the id or slug is taken in any region. */
  private async assertFree(tenantId: string, slug: string): Promise<void> {
    await this.inEveryRegion(async ({ db, tableName, region }) => {
      const directory = new DirectoryRepository(db, tableName);
      if (await directory.get(tenantId)) throw new ConflictError(`tenant id ${tenantId} is taken (${region})`);
      if (await directory.findBySlug(slug)) throw new ConflictError(`slug ${slug} is taken (${region})`);
    });
  }

  private regionTable(region: string): RegionTable {
    const table = this.options.regions.find((candidate) => candidate.region === region);
    if (!table) {
      const served = this.options.regions.map((candidate) => candidate.region).join(', ');
      throw new Error(`region ${region} is not served locally (served: ${served})`);
    }
    return table;
  }

  private async inEveryRegion(work: (table: RegionTable) => Promise<void>): Promise<void> {
    await Promise.all(this.options.regions.map(work));
  }
}

/** Registers a tenant pool's issuer in one region's registry: its tokens are the tenant's users' there. */
function registerTenantIssuer({ db, tableName }: RegionTable, tenantId: string, pool: ProvisionedPool): Promise<void> {
  return new IssuerRegistryRepository(db, tableName).register(tenantPoolRegistration(tenantId, pool));
}

export interface LocalProvisionerConnection {
  readonly provisioner: LocalProvisioner;
  /** Destroys the SDK clients. */
  close(): void;
}

/** A provisioner with its own clients for local endpoints, signed with the one local credential. */
export function connectLocalProvisioner(options: {
  readonly dynamoDbEndpoint: string;
  readonly cognitoEndpoint: string;
  readonly regions: readonly string[];
  readonly tableName: string;
}): LocalProvisionerConnection {
  const cognito = new CognitoIdentityProviderClient({
    region: options.regions[0],
    endpoint: options.cognitoEndpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const lowLevel = options.regions.map((region) => localDynamoDbClient(options.dynamoDbEndpoint, region));
  const provisioner = new LocalProvisioner({
    cognito,
    cognitoEndpoint: options.cognitoEndpoint,
    regions: options.regions.map((region, i) => ({ region, db: createDocumentClient(lowLevel[i]), tableName: options.tableName })),
  });
  return {
    provisioner,
    close: () => {
      cognito.destroy();
      for (const client of lowLevel) client.destroy();
    },
  };
}

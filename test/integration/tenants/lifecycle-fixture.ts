import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLifecycleDependencies, type LifecycleAdapters, type LifecycleDependencies } from '../../../functions/api/lifecycle.dependencies';
import { parseRuntimeConfig, type RuntimeConfig } from '../../../functions/api/runtime-config';
import { createDocumentClient } from '../../../functions/data/clients';
import type { TenantRole } from '../../../functions/core/roles';
import type { OffboardingRequested, ProvisioningRequested } from '../../../functions/tenants/onboarding.events';
import type { Mail } from '../../../functions/users/mailer';
import type { Enrolment, PoolRef, UserDirectory } from '../../../functions/users/user-directory';
import { createTableInput, localDynamoDbClient } from '../../../local/bootstrap';
import { LOCAL_REGIONS, useLocalCredentials } from '../../../local/platform.config';
import { emulatorEndpoints } from '../../support/emulators';
import { scanPrefix } from '../../support/scan-prefix';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { FileCredentialStore } from '../../../functions/governance/credential-store.file';

/** A user of a fake pool. */
export interface FakePoolUser {
  readonly sub: string;
  readonly email: string;
  readonly password: string;
  readonly groups: Set<TenantRole>;
  enabled: boolean;
  /** Set by a global sign-out: the user's refresh tokens are revoked. */
  signedOut: boolean;
  readonly tenantId: string;
}

/** Tenant pools in memory: what the user-directory port did, to compare with the members. */
export class FakeUserDirectory implements UserDirectory {
  readonly pools = new Map<string, Map<string, FakePoolUser>>();
  /** The next call of each method fails with this error (once). */
  readonly failNext: { enrol?: Error; setRole?: Error; revoke?: Error } = {};

  private failing(method: keyof FakeUserDirectory['failNext']): void {
    const error = this.failNext[method];
    if (error) {
      delete this.failNext[method];
      throw error;
    }
  }

  usersOf(userPoolId: string): Map<string, FakePoolUser> {
    let users = this.pools.get(userPoolId);
    if (!users) this.pools.set(userPoolId, (users = new Map()));
    return users;
  }

  /** The pool's users by email, as the tests look them up; the port addresses them by sub. */
  async enrol(pool: PoolRef, user: Enrolment): Promise<{ sub: string }> {
    this.failing('enrol');
    const users = this.usersOf(pool.userPoolId);
    const sub = users.get(user.email)?.sub ?? randomUUID();
    users.set(user.email, {
      sub,
      email: user.email,
      password: user.password,
      groups: new Set([user.role]),
      enabled: true,
      signedOut: false,
      tenantId: user.tenantId,
    });
    return { sub };
  }

  async setRole(pool: PoolRef, sub: string, role: TenantRole): Promise<void> {
    this.failing('setRole');
    const user = this.bySub(pool.userPoolId, sub);
    if (!user) throw new Error(`no user ${sub} in ${pool.userPoolId}`);
    user.groups.clear();
    user.groups.add(role);
  }

  async revoke(pool: PoolRef, sub: string): Promise<void> {
    this.failing('revoke');
    const user = this.bySub(pool.userPoolId, sub);
    if (!user) return;
    user.enabled = false;
    user.groups.clear();
    user.signedOut = true;
  }

  private bySub(userPoolId: string, sub: string): FakePoolUser | undefined {
    return [...this.usersOf(userPoolId).values()].find((user) => user.sub === sub);
  }
}

/** The adapters in memory: pools, mail and the onboarding events the service asked for. */
export class FakeAdapters implements LifecycleAdapters {
  readonly users = new FakeUserDirectory();
  readonly mails: Mail[] = [];
  readonly provisioningRequests: ProvisioningRequested[] = [];
  readonly offboardingRequests: OffboardingRequested[] = [];
  /** The next mail fails with this error (once). */
  mailFailure: Error | undefined;
  readonly mailer = {
    send: async (mail: Mail) => {
      const failure = this.mailFailure;
      this.mailFailure = undefined;
      if (failure) throw failure;
      this.mails.push(mail);
    },
  };
  readonly events = {
    provisioningRequested: async (detail: ProvisioningRequested) => void this.provisioningRequests.push(detail),
    offboardingRequested: async (detail: OffboardingRequested) => void this.offboardingRequests.push(detail),
  };

  /** The code of the newest invitation mailed to `email`. */
  codeFor(email: string): string {
    const code = this.mails.filter((mail) => mail.to === email).at(-1)?.data?.code;
    if (!code) throw new Error(`no invitation mailed to ${email}`);
    return code;
  }
}

export interface LifecycleFixture {
  readonly tableName: string;
  readonly adapters: FakeAdapters;
  /** The dependencies as the functions of each region build them. */
  readonly regions: Readonly<Record<string, LifecycleDependencies>>;
  readonly config: (region: string) => RuntimeConfig;
  /** The first region's credential store, which its offboarding purge deletes from (the local encrypted file store). */
  readonly credentials: FileCredentialStore;
  /** Unscoped: for the test's own look at every region's table. */
  readonly inspectors: Readonly<Record<string, DynamoDBDocumentClient>>;
  /** Every item of a region whose partition key starts with `prefix`. */
  scanPrefix(region: string, prefix: string): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

/** A fresh table in every local region and the lifecycle wiring of both regions over it, with fake adapters. */
export async function createLifecycleFixture(name: string): Promise<LifecycleFixture> {
  useLocalCredentials();
  const { dynamoDbEndpoint } = emulatorEndpoints();
  const tableName = `${name}-${randomBytes(4).toString('hex')}`;
  const raws = Object.fromEntries(LOCAL_REGIONS.map((region) => [region, localDynamoDbClient(dynamoDbEndpoint, region)]));
  await Promise.all(
    Object.values(raws).map(async (raw) => {
      await raw.send(new CreateTableCommand(createTableInput(tableName)));
      await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: tableName });
    }),
  );
  const adapters = new FakeAdapters();
  const cursorSecret = randomBytes(32).toString('base64url');
  const credentialDir = mkdtempSync(join(tmpdir(), `${name}-credentials-`));
  const configOf = (region: string) =>
    parseRuntimeConfig({
      AWS_REGION: region,
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamoDbEndpoint,
      STAGE: 'local',
      DATA_CREDENTIALS: 'local',
      CURSOR_SECRET: cursorSecret,
      CONTROL_PLANE_REGION: LOCAL_REGIONS[0],
      DIRECTORY_REGIONS: LOCAL_REGIONS.join(','),
      REGION_ENDPOINTS: JSON.stringify(Object.fromEntries(LOCAL_REGIONS.map((region) => [region, `https://${region}.api.test`]))),
      LOG_LEVEL: 'ERROR',
      CREDENTIAL_STORE: 'file',
      CREDENTIAL_STORE_DIR: credentialDir,
    });
  // One config object per region, the one the region's dependencies were built from: the instance's isolation layer
  // and usage meter are kept per config object, so a test reaches the same ones through `config(region)`.
  const configs = Object.fromEntries(LOCAL_REGIONS.map((region) => [region, configOf(region)]));
  const config = (region: string) => configs[region] ?? configOf(region);
  const regions = Object.fromEntries(
    LOCAL_REGIONS.map((region) => [region, createLifecycleDependencies(config(region), 'test', { adapters, catalogue: TENANT_DATA_CATALOGUE })]),
  );
  const inspectors = Object.fromEntries(Object.entries(raws).map(([region, raw]) => [region, createDocumentClient(raw)]));
  return {
    tableName,
    adapters,
    regions,
    config,
    credentials: new FileCredentialStore(join(credentialDir, LOCAL_REGIONS[0]), config(LOCAL_REGIONS[0]).CREDENTIAL_SECRET_PREFIX),
    inspectors,
    scanPrefix(region, prefix) {
      return scanPrefix(inspectors[region], tableName, prefix);
    },
    async dispose() {
      await Promise.all(Object.values(raws).map((raw) => raw.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined)));
      for (const raw of Object.values(raws)) raw.destroy();
      rmSync(credentialDir, { recursive: true, force: true });
    },
  };
}

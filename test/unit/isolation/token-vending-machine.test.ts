import type { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { LOCAL_CREDENTIALS } from '../../../local/platform.config';
import {
  CredentialVendingError,
  LocalCredentialSource,
  SESSION_DURATION_SECONDS,
  StsCredentialSource,
  TokenVendingMachine,
  type CredentialScope,
  type CredentialSource,
  type ScopedCredentials,
} from '../../../functions/isolation/token-vending-machine';

const MINUTE = 60_000;

/** A credential source that counts fetches, answers after a delay, and can be made to fail. */
function countingSource(clock: () => number, delayMs = 5) {
  const fetches: CredentialScope[] = [];
  let failure: Error | undefined;
  let serial = 0;
  const source: CredentialSource = {
    async fetch(scope) {
      fetches.push(scope);
      await new Promise((done) => setTimeout(done, delayMs));
      if (failure) throw failure;
      const owner = scope.kind === 'tenant' ? scope.tenantId : scope.kind;
      serial += 1;
      return {
        accessKeyId: `AKIA-${owner}-${serial}`,
        secretAccessKey: 'secret',
        sessionToken: `token-${owner}-${serial}`,
        expiration: new Date(clock() + 15 * MINUTE),
      };
    },
  };
  return {
    source,
    fetches,
    failWith(error: Error | undefined) {
      failure = error;
    },
  };
}

describe('TokenVendingMachine', () => {
  it('caches credentials per tenant', async () => {
    // Prepare
    const now = 0;
    const { source, fetches } = countingSource(() => now);
    const tvm = new TokenVendingMachine({ source, clock: () => now });

    // Act
    const first = await tvm.credentialsFor('acme');
    const again = await tvm.credentialsFor('acme');
    const other = await tvm.credentialsFor('globex');

    // Assess
    expect(again).toBe(first);
    expect(other.sessionToken).toBe('token-globex-2');
    expect(fetches).toEqual([
      { kind: 'tenant', tenantId: 'acme' },
      { kind: 'tenant', tenantId: 'globex' },
    ]);
  });

  it('refreshes credentials the refresh margin before they expire, not earlier', async () => {
    // Prepare
    let now = 0;
    const { source, fetches } = countingSource(() => now);
    const tvm = new TokenVendingMachine({ source, clock: () => now, refreshMarginMs: 2 * MINUTE });
    const first = await tvm.credentialsFor('acme');

    // Act
    now = 13 * MINUTE - 1;
    const beforeMargin = await tvm.credentialsFor('acme');
    now = 13 * MINUTE;
    const atMargin = await tvm.credentialsFor('acme');

    // Assess
    expect(beforeMargin).toBe(first);
    expect(atMargin).not.toBe(first);
    expect(atMargin.expiration.getTime()).toBe(28 * MINUTE);
    expect(fetches).toHaveLength(2);
  });

  it('100 parallel first requests for 10 tenants cause exactly 10 credential fetches', async () => {
    // Prepare
    const { source, fetches } = countingSource(Date.now, 20);
    const tvm = new TokenVendingMachine({ source });
    const tenants = Array.from({ length: 10 }, (_, i) => `tenant-${i}`);

    // Act
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => tvm.credentialsFor(tenants[i % 10])));

    // Assess
    expect(fetches).toHaveLength(10);
    expect(new Set(fetches.map((scope) => (scope.kind === 'tenant' ? scope.tenantId : '')))).toEqual(new Set(tenants));
    results.forEach((credentials, i) => {
      expect(credentials.sessionToken).toMatch(new RegExp(`^token-${tenants[i % 10]}-`));
    });
  });

  it('fails closed: a failed fetch rejects every waiting request with CredentialVendingError, is not cached, and the next call retries', async () => {
    // Prepare
    const now = 0;
    const { source, fetches, failWith } = countingSource(() => now);
    const tvm = new TokenVendingMachine({ source, clock: () => now });
    const cause = new Error('AccessDenied');
    failWith(cause);

    // Act
    const failed = await Promise.allSettled([tvm.credentialsFor('acme'), tvm.credentialsFor('acme')]);
    failWith(undefined);
    const retried = await tvm.credentialsFor('acme');

    // Assess
    for (const result of failed) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(CredentialVendingError);
      expect(error.cause).toBe(cause);
    }
    expect(retried.sessionToken).toBe('token-acme-1');
    expect(fetches).toHaveLength(2);
  });

  it('never falls back to ambient credentials when fetching fails', async () => {
    // Prepare
    const ambient = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = 'AMBIENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'AMBIENT';
    const tvm = new TokenVendingMachine({ source: { fetch: () => Promise.reject(new Error('throttled')) } });

    try {
      // Act
      const outcome = tvm.credentialsFor('acme');

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(CredentialVendingError);
    } finally {
      process.env = ambient;
    }
  });

  it('refuses an invalid tenant id without fetching', async () => {
    // Prepare
    const { source, fetches } = countingSource(Date.now);
    const tvm = new TokenVendingMachine({ source });

    // Act
    const outcomes = await Promise.allSettled(['', 'a#b', 'ACME', 'x'.repeat(41)].map((id) => tvm.credentialsFor(id)));

    // Assess
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof CredentialVendingError)).toBe(true);
    expect(fetches).toHaveLength(0);
  });

  it('keeps the platform session apart from a tenant that happens to be called "platform"', async () => {
    // Prepare
    const { source, fetches } = countingSource(Date.now);
    const tvm = new TokenVendingMachine({ source });

    // Act
    const platform = await tvm.platformCredentials();
    const tenant = await tvm.credentialsFor('platform');

    // Assess
    expect(platform).not.toBe(tenant);
    expect(fetches).toEqual([{ kind: 'platform' }, { kind: 'tenant', tenantId: 'platform' }]);
  });

  it('is bounded: beyond its capacity the least recently used tenant is fetched again', async () => {
    // Prepare
    const { source, fetches } = countingSource(Date.now, 0);
    const tvm = new TokenVendingMachine({ source, capacity: 2 });

    // Act
    for (const tenant of ['t-a', 't-b', 't-c', 't-a']) await tvm.credentialsFor(tenant);

    // Assess
    expect(fetches.map((s) => (s.kind === 'tenant' ? s.tenantId : ''))).toEqual(['t-a', 't-b', 't-c', 't-a']);
  });
});

describe('StsCredentialSource', () => {
  it('assumes the tenant data role with the TenantId session tag, a session named after the tenant, for 900 s', async () => {
    // Prepare
    const sent: AssumeRoleCommand[] = [];
    const expiration = new Date('2026-01-01T00:15:00Z');
    const sts = {
      send: async (command: AssumeRoleCommand) => {
        sent.push(command);
        return { Credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: 's', SessionToken: 't', Expiration: expiration } };
      },
    };
    const source = new StsCredentialSource({
      sts: sts as never,
      tenantDataRoleArn: 'arn:aws:iam::111122223333:role/TenantData',
      directoryDataRoleArn: 'arn:aws:iam::111122223333:role/DirectoryData',
      platformDataRoleArn: 'arn:aws:iam::111122223333:role/PlatformData',
      issuersDataRoleArn: 'arn:aws:iam::111122223333:role/IssuersData',
    });

    // Act
    const credentials: ScopedCredentials = await source.fetch({ kind: 'tenant', tenantId: 'acme' });
    await source.fetch({ kind: 'platform' });
    await source.fetch({ kind: 'directory' });
    await source.fetch({ kind: 'issuers' });

    // Assess
    expect(credentials).toEqual({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't', expiration });
    expect(sent[0].input).toEqual({
      RoleArn: 'arn:aws:iam::111122223333:role/TenantData',
      RoleSessionName: 'tenant-acme',
      DurationSeconds: SESSION_DURATION_SECONDS,
      Tags: [{ Key: 'TenantId', Value: 'acme' }],
    });
    expect(sent.slice(1).map((command) => command.input)).toEqual([
      { RoleArn: 'arn:aws:iam::111122223333:role/PlatformData', RoleSessionName: 'platform-data', DurationSeconds: SESSION_DURATION_SECONDS },
      { RoleArn: 'arn:aws:iam::111122223333:role/DirectoryData', RoleSessionName: 'directory-read', DurationSeconds: SESSION_DURATION_SECONDS },
      { RoleArn: 'arn:aws:iam::111122223333:role/IssuersData', RoleSessionName: 'issuer-registry', DurationSeconds: SESSION_DURATION_SECONDS },
    ]);
  });

  it('fetches no credentials of a platform scope whose role the function was not given', async () => {
    // Prepare
    const sent: unknown[] = [];
    const source = new StsCredentialSource({
      sts: { send: async (command: unknown) => sent.push(command) } as never,
      directoryDataRoleArn: 'arn:aws:iam::111122223333:role/DirectoryData',
    });

    // Act
    const outcomes = await Promise.allSettled([source.fetch({ kind: 'platform' }), source.fetch({ kind: 'issuers' })]);

    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(sent).toEqual([]);
  });

  it('rejects an answer without complete credentials', async () => {
    // Prepare
    const source = new StsCredentialSource({
      sts: { send: async () => ({ Credentials: { AccessKeyId: 'ASIA1' } }) } as never,
      tenantDataRoleArn: 'arn:aws:iam::111122223333:role/TenantData',
    });

    // Act
    const outcome = source.fetch({ kind: 'tenant', tenantId: 'acme' });

    // Assess
    await expect(outcome).rejects.toThrow(/complete credentials/);
  });
});

describe('LocalCredentialSource', () => {
  it('gives every tenant the one local access key id, so DynamoDB Local serves one database per region, and names the tenant in the session', async () => {
    // Prepare
    const source = new LocalCredentialSource(() => 0);

    // Act
    const [acme, globex, platform] = await Promise.all([
      source.fetch({ kind: 'tenant', tenantId: 'acme' }),
      source.fetch({ kind: 'tenant', tenantId: 'globex' }),
      source.fetch({ kind: 'platform' }),
    ]);

    // Assess
    expect(new Set([acme.accessKeyId, globex.accessKeyId, platform.accessKeyId])).toEqual(new Set([LOCAL_CREDENTIALS.accessKeyId]));
    expect(acme.sessionToken).toContain('tenant-acme');
    expect(globex.sessionToken).toContain('tenant-globex');
    expect(acme.expiration.getTime()).toBe(SESSION_DURATION_SECONDS * 1000);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PLANS } from '../functions/billing/plan.catalogue';
import { LOCAL_REGIONS, LOCAL_TABLE_NAME } from '../local/platform.config';
import { startLocalPlatform } from '../local/platform';
import { freePort } from '../local/ports';
import { connectLocalProvisioner, type ProvisionedTenant } from '../local/provisioner';

/**
 * Fairness under contention: tenant B's latency through the local gateway alone, and while tenant A (same region,
 * same gateway, same table) floods at 10× its plan's rate. A's excess is refused at A's own usage-plan bucket (429)
 * before any function runs, so B should not notice it. Goal: B's p99 within 1.25× of alone.
 */
const B_REQUESTS = 300;
/** B stays well inside its own (team) plan: one request every 40 ms, 25/s. */
const B_INTERVAL_MS = 40;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function signIn(cognito: CognitoIdentityProviderClient, tenant: ProvisionedTenant): Promise<string> {
  const auth = await cognito.send(
    new InitiateAuthCommand({
      ClientId: tenant.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: tenant.admin.username, PASSWORD: tenant.admin.password },
    }),
  );
  const token = auth.AuthenticationResult?.IdToken;
  if (!token) throw new Error('no token from cognito-local');
  return token;
}

/** B's requests one at a time, paced; latencies sorted. */
async function measureB(call: () => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < B_REQUESTS; i++) {
    const start = performance.now();
    const status = await call();
    const elapsed = performance.now() - start;
    if (status !== 200) throw new Error(`tenant B got HTTP ${status}`);
    times.push(elapsed);
    if (elapsed < B_INTERVAL_MS) await new Promise((done) => setTimeout(done, B_INTERVAL_MS - elapsed));
  }
  return times.sort((a, b) => a - b);
}

/** A floods at `perSecond` until stopped; counts answers by status. */
function flood(call: () => Promise<number>, perSecond: number): { stop: () => Promise<Map<number, number>> } {
  const statuses = new Map<number, number>();
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    for (let i = 0; i < perSecond / 10; i++) {
      const request = call()
        .then((status) => void statuses.set(status, (statuses.get(status) ?? 0) + 1))
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
  }, 100);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(inFlight);
      return statuses;
    },
  };
}

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-fairness-'));
  // Both tenants call from one address: the per-address limits (a flood guard) would measure themselves instead.
  const unlimited = { requests: 1_000_000, windowSeconds: 60 } as const;
  const platform = await startLocalPlatform({
    dataDir,
    port: 0,
    cognitoPort: await freePort(),
    log: () => undefined,
    logLevel: 'ERROR',
    clientLimits: { anyRequest: unlimited, publicRoutes: unlimited, rejected: unlimited },
  });
  const { file } = platform;
  const region = LOCAL_REGIONS[0];
  const connection = connectLocalProvisioner({
    dynamoDbEndpoint: file.dynamoDbEndpoint,
    cognitoEndpoint: file.cognitoEndpoint,
    regions: LOCAL_REGIONS,
    tableName: LOCAL_TABLE_NAME,
  });
  try {
    const tenant = (name: string, plan: 'free' | 'team') => {
      const id = `bench-${name}-${randomBytes(3).toString('hex')}`;
      return connection.provisioner.provisionTenant({ tenantId: id, slug: id, name, plan, region, adminEmail: `admin@${id}.example` });
    };
    const [a, b] = await Promise.all([tenant('flooder', 'free'), tenant('neighbour', 'team')]);
    const cognito = new CognitoIdentityProviderClient({ region, endpoint: file.cognitoEndpoint });
    const [tokenA, tokenB] = await Promise.all([signIn(cognito, a), signIn(cognito, b)]);
    const apiUrl = file.tenants.find((t) => t.region === region)?.apiUrl ?? file.apiUrl;
    const caller = (tenantId: string, token: string) => async () => {
      const response = await fetch(`${apiUrl}/v1/tenants/${tenantId}`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      return response.status;
    };
    const callA = caller(a.tenantId, tokenA);
    const callB = caller(b.tenantId, tokenB);

    await measureB(callB); // warm-up: cold starts, caches
    const alone = await measureB(callB);
    const floodRate = PLANS.free.rateLimit.requestsPerSecond * 10;
    const flooding = flood(callA, floodRate);
    const contended = await measureB(callB);
    const statusesA = await flooding.stop();

    const row = (label: string, times: number[]) =>
      `  ${label.padEnd(34)} p50 ${percentile(times, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(times, 99).toFixed(2).padStart(7)} ms`;
    console.log(`\nFairness: tenant B (team) ${B_REQUESTS} paced reads, alone and while tenant A (free) floods at ${floodRate} req/s (10× its rate)`);
    console.log(row('B alone', alone));
    console.log(row('B while A floods', contended));
    const ratio = percentile(contended, 99) / percentile(alone, 99);
    console.log(`  B p99 while A floods / alone: ${ratio.toFixed(2)}× (goal ≤ 1.25×)`);
    console.log(`  A's answers: ${[...statusesA.entries()].map(([status, count]) => `${count}× ${status}`).join(', ')}`);
  } finally {
    connection.close();
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, runCli, type CliContext } from '../../../local/cli';
import { MetricsSummary, METRICS_SNAPSHOT_FILE, writeMetricsSnapshot } from '../../../local/metrics-summary';

/** `npm run tenant -- top`: the latest per-tenant summary `npm start` wrote, as the terminal shows it. */
describe('tenant CLI top', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-top-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function contextFor(metricsFile: string, out: string[]): CliContext {
    const platform = {
      apiUrl: '',
      regions: {},
      cognitoEndpoint: '',
      platformAdmin: { clientId: '', username: '', password: '' },
      mailboxDir: dir,
      metricsFile,
    };
    return { platform: () => platform, tenantsDir: dir, out: (line) => out.push(line) };
  }

  it('prints the summary of the EMF lines the platform collected, one row per tenant, busiest first', async () => {
    // Prepare: what the functions and the gateway wrote within the window
    const now = Date.parse('2026-12-02T20:00:00Z');
    const summary = new MetricsSummary({ clock: () => now });
    const metric = (json: Record<string, unknown>) => summary.record({ text: JSON.stringify(json), json: { _aws: {}, ...json }, isMetric: true });
    for (let i = 0; i < 30; i++) metric({ tenantId: 'acme', tier: 'team', Requests: 1, ClientErrors: 0, ServerErrors: i === 0 ? 1 : 0, Latency: 10 + i });
    metric({ tenantId: 'globex', tier: 'free', Requests: 1, ClientErrors: 1, ServerErrors: 0, QuotaRefusals: 1, Latency: 4 });
    metric({ tenantId: 'globex', tier: 'free', Throttles: 1 });
    const file = join(dir, METRICS_SNAPSHOT_FILE);
    writeMetricsSnapshot(file, { at: now, windowMs: 60_000, tenants: summary.summary() });
    const out: string[] = [];

    // Act
    await runCli(['top'], contextFor(file, out));

    // Assess
    expect(out[0]).toBe('tenants, last 60 s:');
    expect(out[1].split(/\s+/)).toEqual(['TENANT', 'TIER', 'REQ/S', 'P99', 'MS', '4XX', '5XX', 'THROTTLED', 'QUOTA']);
    expect(out[2].split(/\s+/)).toEqual(['acme', 'team', '0.50', '39', '0', '1', '0', '0']);
    expect(out[3].split(/\s+/)).toEqual(['globex', 'free', '0.02', '4', '1', '0', '1', '1']);
    expect(out[4]).toBe('(as of 2026-12-02T20:00:00.000Z)');
  });

  it('says so when the platform has written no summary yet', async () => {
    await expect(runCli(['top'], contextFor(join(dir, 'missing.json'), []))).rejects.toThrow(CliError);
  });
});

import { EUR_PER_USD } from '../../../functions/billing/pricing.catalogue';
import { runCli, type CliContext } from '../../../local/cli';
import type { ProvisionedTenant } from '../../../local/provisioner';
import { startTestPlatform, type TestPlatform } from '../../support/platform';

/** `npm run tenant -- costs`: tenants ranked by the usage report's cost estimate or by margin, beside their plan's price. */

let platform: TestPlatform;
let context: CliContext;
let tenant: ProvisionedTenant;
const lines: string[] = [];

beforeAll(async () => {
  platform = await startTestPlatform();
  const admin = await platform.platformAdmin();
  tenant = await platform.createTenant({ plan: 'team' });
  context = {
    platform: () => ({
      apiUrl: platform.endpoints['eu-central-1'],
      regions: platform.endpoints,
      cognitoEndpoint: platform.cognitoEndpoint,
      platformAdmin: { clientId: admin.clientId, username: admin.username, password: admin.password },
      mailboxDir: platform.mailboxDir,
    }),
    tenantsDir: platform.mailboxDir,
    out: (line) => lines.push(line),
  };
}, 60_000);

afterAll(() => platform?.close());

/** The tenant rows of the report: between its header and the blank line before the per-tier summary. */
const tenantRowsOf = (report: readonly string[]) => report.slice(1, report.indexOf(''));

it('ranks tenants by cost with the parts of the estimate and the plan price', async () => {
  // Prepare: the tenant is served a few requests
  const { idToken } = await platform.signIn(tenant.clientId, tenant.admin);
  for (let i = 0; i < 3; i++)
    expect((await platform.call('eu-central-1', 'GET', `/v1/tenants/${tenant.tenantId}/agents`, { token: idToken })).status).toBe(200);

  // Act
  await runCli(['costs'], context);

  // Assess
  expect(lines[0]).toMatch(
    /^TENANT\s+REGION\s+PLAN\s+COST USD\s+USD\/DAY\s+APIGATEWAY\s+DYNAMODB\s+LAMBDA\s+MODELS\s+STORAGE\s+PLAN EUR\/MONTH\s+COST EUR\s+MARGIN EUR$/,
  );
  const row = lines.find((line) => line.startsWith(`${tenant.tenantId} `));
  expect(row).toMatch(/\s+eu-central-1\s+team\s+\d+\.\d{6}(\s+\d+\.\d{6}){6}\s+49\.00\s+\d+\.\d{6}\s+\d+\.\d{6}$/);
  const cells = row!.split(/\s+/);
  expect(Number(cells[4])).toBeGreaterThanOrEqual(0);
  expect(Number(cells[4])).toBeLessThanOrEqual(Number(cells[3]));
  expect(Number(cells[11])).toBeCloseTo(Number(cells[3]) * EUR_PER_USD, 6);
  expect(Number(cells[12])).toBeCloseTo(49 - Number(cells[11]), 6);
  const tenantRows = tenantRowsOf(lines);
  const totals = tenantRows.map((line) => Number(line.split(/\s+/)[3]));
  expect(totals).toEqual([...totals].sort((a, b) => b - a));
  // The per-tier summary sums the tenants' rows of each plan
  const tierRow = lines
    .slice(tenantRows.length + 2)
    .find((line) => line.startsWith('team '))!
    .split(/\s+/);
  const teamRows = tenantRows.map((line) => line.split(/\s+/)).filter((cells) => cells[2] === 'team');
  expect(Number(tierRow[1])).toBe(teamRows.length);
  expect(Number(tierRow[2])).toBeCloseTo(
    teamRows.reduce((sum, cells) => sum + Number(cells[3]), 0),
    5,
  );
  expect(Number(tierRow[4])).toBeCloseTo(49 * teamRows.length, 2);
  expect(lines.at(-1)).toBe(`(costs converted at ${EUR_PER_USD} EUR per USD)`);
}, 120_000);

it('ranks tenants by margin, the smallest first, and refuses another sort', async () => {
  lines.length = 0;
  await runCli(['costs', '--sort', 'margin'], context);
  const margins = tenantRowsOf(lines).map((line) => Number(line.split(/\s+/)[12]));
  expect(margins.length).toBeGreaterThan(0);
  expect(margins).toEqual([...margins].sort((a, b) => a - b));
  await expect(runCli(['costs', '--sort', 'name'], context)).rejects.toThrow(/--sort must be cost or margin/);
}, 120_000);

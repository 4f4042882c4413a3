import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManifestError } from '../../functions/tenants/tenant-manifest.loader';
import { bootstrapTables } from '../../local/bootstrap';
import { CliError, localPlatformAccess, runCli, UsageError, type CliContext } from '../../local/cli';
import { writePlatformFile } from '../../local/platform-file';
import { LOCAL_REGIONS } from '../../local/platform.config';
import { seedDemoPlatform } from '../../local/seed';
import { emulatorEndpoints } from '../support/emulators';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * The docs cannot rot: every shell block of README.md and docs/*.md runs here, in order per document, against a
 * local platform seeded as `npm start` seeds it (the demo tenants acme and globex, in a table of this file's own so
 * their fixed slugs collide with no other test), from a working directory holding `.local/platform.json`.
 *
 * - `npm run tenant -- …` runs the CLI's own command runner (`runCli`, what `local/cli.ts` runs) in this process: the
 *   same command, without paying a tsx start per line. That the script exists is checked by test/unit/docs.test.ts.
 * - Every `curl` must answer 2xx, unless its line ends in a comment that starts with the status it documents
 *   (`# 403 problem+json`).
 * - A block either runs whole or is excluded whole: every one of its commands matches an entry of EXCLUDED below,
 *   which says why it cannot run here. A block that mixes both fails, as does an exclusion no command needs.
 *
 * Inline commands in prose (`npm run tenant -- add … --manifest-only`) are templates with placeholders: they are
 * checked by name only (test/unit/docs.test.ts).
 */

const ROOT = join(__dirname, '..', '..');

/** Commands that cannot run in a test, and why. A command is excluded when every `&&` part of it matches. */
const EXCLUDED: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  { pattern: /^npx cdk (bootstrap|deploy)\b/, reason: 'needs an AWS account and its credentials' },
  { pattern: /^npm ci$/, reason: 'installs the dependencies: CI runs it first (.ci/run), and a test must not replace the node_modules it runs from' },
  { pattern: /^npm start$/, reason: 'runs the platform in the foreground until Ctrl-C: test/integration/local-start.test.ts starts and stops it' },
  { pattern: /^npm test$/, reason: 'is the CI run itself (.ci/run)' },
  {
    pattern: /^npm run synth$/,
    reason: 'synthesizes every stack for minutes: .ci/run runs the offline `cdk synth` after the tests, and test/infra/ synthesizes each stack',
  },
];

/** Status codes the curl calls answered, one line each on stderr after this marker. */
const STATUS_MARK = 'DOCS-CURL-STATUS';

interface ShellBlock {
  readonly file: string;
  readonly text: string;
  /** Logical commands: continuation lines joined, comments and blank lines dropped. */
  readonly commands: readonly { readonly command: string; readonly comment: string }[];
}

function shellBlocks(file: string): ShellBlock[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^```(?:bash|sh|shell)\n([\s\S]*?)^```$/gm)].map((match) => ({ file, text: match[1], commands: logicalCommands(match[1]) }));
}

function logicalCommands(block: string): { command: string; comment: string }[] {
  const joined = block.replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.search(/\s#\s/);
      return at < 0 ? { command: line, comment: '' } : { command: line.slice(0, at).trim(), comment: line.slice(at).replace(/^\s*#\s*/, '') };
    });
}

function exclusionOf(command: string): (typeof EXCLUDED)[number] | undefined {
  const parts = command.split('&&').map((part) => part.trim());
  const matches = parts.map((part) => EXCLUDED.find((entry) => entry.pattern.test(part)));
  return matches.every((match) => match !== undefined) ? matches[0] : undefined;
}

/** The status each curl of the blocks must answer, in the order they run. */
function expectedStatuses(blocks: readonly ShellBlock[]): string[] {
  return blocks.flatMap((block) =>
    block.commands
      .filter(({ command }) => /(^|[\s($|])curl\s/.test(command))
      .map(({ comment }) => /^([1-5]\d\d)\b/.exec(comment)?.[1]?.replace(/^2\d\d$/, '2xx') ?? '2xx'),
  );
}

/**
 * Shell functions the blocks run with: `npm run tenant -- …` goes to the CLI bridge (arguments NUL-separated, its
 * exit status in the answer's status), and every `curl` reports its status on stderr.
 */
function prelude(cliUrl: string): string {
  return `
set -eo pipefail
npm() {
  if [ "$1" = run ] && [ "$2" = tenant ] && [ "$3" = -- ]; then
    shift 3
    local status
    status=$(printf '%s\\0' "$@" | command curl -s -o "$DOCS_TMP/cli.out" -w '%{http_code}' --data-binary @- '${cliUrl}')
    cat "$DOCS_TMP/cli.out"
    case "$status" in 200) return 0 ;; 400) return 2 ;; *) return 1 ;; esac
  fi
  echo "npm $*: not a command this test runs (add it to EXCLUDED with the reason)" >&2
  return 127
}
curl() { command curl -w '%{stderr}${STATUS_MARK} %{http_code}\\n' "$@"; }
`;
}

function runScript(script: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env: { ...process.env, DOCS_TMP: cwd }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs one CLI command per request: the body is its arguments, NUL-separated; 200, 400 (usage) or 500 (failed). */
function startCliBridge(context: Omit<CliContext, 'out'>): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const argv = Buffer.concat(chunks).toString('utf8').split('\0').slice(0, -1);
      const lines: string[] = [];
      runCli(argv, { ...context, out: (line) => lines.push(line) }).then(
        () => res.writeHead(200).end(lines.map((line) => `${line}\n`).join('')),
        (error: Error) => {
          const expected = error instanceof CliError || error instanceof ManifestError;
          res.writeHead(error instanceof UsageError ? 400 : 500).end(`${lines.join('\n')}\nerror: ${expected ? error.message : error.stack}\n`);
        },
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const DOCUMENTS = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)].filter((file) => file.endsWith('.md'));
const blocks = DOCUMENTS.flatMap(shellBlocks);

let platform: TestPlatform;
let bridge: Server;
let workDir: string;

beforeAll(async () => {
  // Prepare: the table of this file in both regions, the demo tenants seeded, platform.json where the docs read it.
  const tableName = `docs-${randomBytes(4).toString('hex')}`;
  await bootstrapTables({ endpoint: emulatorEndpoints().dynamoDbEndpoint, regions: LOCAL_REGIONS, tableName });
  platform = await startTestPlatform({ tableName });
  const seeded = await seedDemoPlatform(platform.provisioner);
  workDir = mkdtempSync(join(tmpdir(), 'docs-commands-'));
  mkdirSync(join(workDir, '.local'));
  mkdirSync(join(workDir, 'tenants'));
  writePlatformFile(join(workDir, '.local', 'platform.json'), {
    apiUrl: platform.endpoints[LOCAL_REGIONS[0]],
    cognitoEndpoint: platform.cognitoEndpoint,
    regions: { ...platform.endpoints },
    dynamoDbEndpoint: emulatorEndpoints().dynamoDbEndpoint,
    platformAdmin: seeded.platformAdmin,
    tenants: seeded.tenants.map((tenant) => ({
      tenantId: tenant.tenantId,
      slug: tenant.slug,
      region: tenant.region,
      apiUrl: platform.endpoints[tenant.region as (typeof LOCAL_REGIONS)[number]],
      userPoolId: tenant.userPoolId,
      clientId: tenant.clientId,
      admin: tenant.admin,
    })),
  });
  bridge = await startCliBridge({
    platform: () => ({ ...localPlatformAccess(join(workDir, '.local')), mailboxDir: platform.mailboxDir }),
    tenantsDir: join(workDir, 'tenants'),
    waitMs: 20_000,
  });
}, 30_000);

afterAll(async () => {
  await new Promise((resolve) => bridge?.close(resolve));
  await platform?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the shell commands of the docs', () => {
  it('are each either run here or excluded for a stated reason, a block at a time', () => {
    // Assess
    const mixed = blocks.filter((block) => new Set(block.commands.map(({ command }) => exclusionOf(command) !== undefined)).size > 1);
    expect(mixed.map((block) => `${block.file}: ${block.text}`)).toEqual([]);
    const used = new Set(
      blocks.flatMap((block) =>
        block.commands.flatMap(({ command }) => command.split('&&').map((part) => EXCLUDED.find((entry) => entry.pattern.test(part.trim())))),
      ),
    );
    expect(EXCLUDED.filter((entry) => !used.has(entry))).toEqual([]);
    expect(blocks.filter((block) => !block.commands.some(({ command }) => exclusionOf(command))).length).toBeGreaterThanOrEqual(4);
  });

  const runnable = DOCUMENTS.map(
    (file) => [file, blocks.filter((block) => block.file === file && !exclusionOf(block.commands[0]?.command ?? ''))] as const,
  ).filter(([, own]) => own.length > 0);

  it.each(runnable)(
    'run as written in %s',
    async (_, own) => {
      // Act: the document's blocks in order, in one shell (later blocks use the variables of earlier ones).
      const result = await runScript(
        prelude(`http://127.0.0.1:${(bridge.address() as AddressInfo).port}`) + own.map((block) => block.text).join('\n'),
        workDir,
      );

      // Assess
      const statuses = [...result.stderr.matchAll(new RegExp(`^${STATUS_MARK} (\\d{3})$`, 'gm'))].map((match) => match[1]);
      const report = `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
      expect({ code: result.code, report: result.code === 0 ? '' : report }).toEqual({ code: 0, report: '' });
      expect(statuses.map((status) => (/^2\d\d$/.test(status) ? '2xx' : status))).toEqual(expectedStatuses(own));
    },
    30_000,
  );
});

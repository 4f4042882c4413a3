import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../local/ports';

/** Prism's validating proxy in front of an API, started by the test and stopped by its PID. */
export interface PrismProxy {
  /** The proxy's base URL, to call instead of the upstream's. */
  readonly url: string;
  /**
   * Whether Prism passes the request on: it answers two kinds itself, a body that does not parse as the JSON its
   * content type says (with a 400 of its own) and HEAD; send those straight to the API.
   */
  passesOn(method: string, headers: Readonly<Record<string, string>>, body: string | undefined): boolean;
  /** The response violations of an answer that came through the proxy (its `sl-violations` header). */
  responseViolations(headers: Headers): readonly string[];
  stop(): Promise<void>;
}

const PRISM = join(__dirname, '..', '..', 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');
const STARTUP_MS = 60_000;

/**
 * Starts `prism proxy` (Stoplight's, an outside judge of the document) in front of `upstream`, holding every answer
 * to `document`. Requests are passed on as sent, invalid ones included (`--validate-request=false`: the API's own
 * answer to a bad request is what is judged), and Prism adds no CORS headers of its own. Prism passes each answer back
 * with what it breaks in an `sl-violations` header.
 */
export async function startPrismProxy(document: object, upstream: string): Promise<PrismProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'prism-'));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const port = await freePort();
  const args = ['proxy', file, upstream, '--port', String(port), '--host', '127.0.0.1', '--validate-request=false', '--cors=false', '--errors=false'];
  const child = spawn(process.execPath, [PRISM, ...args, '--verboseLevel', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  // The tail of what it writes, for the error when it does not start; the pipe is kept drained.
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  // A test process that ends without stopping it (a failed setup, a killed worker) takes it along.
  const killNow = () => {
    if (running()) child.kill('SIGKILL');
  };
  process.once('exit', killNow);
  const stop = async () => {
    process.removeListener('exit', killNow);
    if (running()) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await listening(port, () => !running(), STARTUP_MS);
  } catch (error) {
    await stop();
    throw new Error(`prism proxy did not start: ${(error as Error).message}\n${stderr}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    passesOn,
    responseViolations(headers) {
      const header = headers.get('sl-violations');
      if (!header) return [];
      const violations = JSON.parse(header) as { location: string[]; message: string }[];
      return violations.filter((violation) => violation.location[0] === 'response').map((violation) => `${violation.location.join('.')}: ${violation.message}`);
    },
    stop,
  };
}

function passesOn(method: string, headers: Readonly<Record<string, string>>, body: string | undefined): boolean {
  if (method.toUpperCase() === 'HEAD') return false;
  const contentType = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  if (body === undefined || !/json/i.test(contentType)) return true;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once something accepts connections on the port; fails when the process ended or the time is up. */
async function listening(port: number, ended: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ended()) throw new Error('the process ended');
    const open = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (open) return;
    await new Promise((wait) => setTimeout(wait, 200));
  }
  throw new Error(`nothing listened on ${port} within ${timeoutMs} ms`);
}

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

let ephemeralLowCache: number | undefined;

/**
 * The first port of the range the kernel hands out by itself (to `listen(0)` and to outbound connections), read once.
 * Linux says it in /proc; elsewhere the IANA range (macOS's and Windows' default) is assumed.
 */
export function ephemeralPortLow(): number {
  if (ephemeralLowCache === undefined) {
    let low = 49_152;
    try {
      const [first] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
      if (Number.isInteger(first) && first > 0) low = first;
    } catch {
      // not Linux
    }
    ephemeralLowCache = low;
  }
  return ephemeralLowCache;
}

/** Where chosen ports start: above the well-known and most registered services' ports. */
const CHOSEN_LOW = 20_000;
const ATTEMPTS = 64;

/** Whether `port` on loopback can be listened on now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.unref();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** A port the kernel chose (`listen(0)`), free a moment ago. */
function kernelPort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? done(port) : fail(new Error('no free port'))));
    });
  });
}

/**
 * A port that was free on loopback a moment ago, with the `span - 1` ports after it (a service that listens on
 * `port` and `port + 1`), for services that must be told their port up front. It is drawn at random from below the
 * kernel's own range: a port from that range (what `listen(0)` gives) can be handed to another socket, a test's
 * outbound connection or another emulator, in the seconds between the choice and the listen (it happened to `npm
 * start`'s test in a full test run); below it only another explicit choice can take it.
 */
export async function freePort(span = 1): Promise<number> {
  const high = ephemeralPortLow() - span;
  if (high <= CHOSEN_LOW) {
    // A kernel range that starts this low leaves no room below it: the kernel's choice, which is one port alone.
    if (span === 1) return kernelPort();
    throw new Error(`no room for ${span} consecutive ports below the kernel's range, which starts at ${high + span}`);
  }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = CHOSEN_LOW + Math.floor(Math.random() * (high - CHOSEN_LOW));
    const ports = Array.from({ length: span }, (_, i) => port + i);
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return port;
  }
  throw new Error(`no ${span} free consecutive ports below ${high + span} after ${ATTEMPTS} attempts`);
}

/** A port from the environment, or the fallback when unset; throws on anything but an integer 0–65535. */
export function portFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${name} must be a port number, got ${JSON.stringify(raw)}`);
  return port;
}

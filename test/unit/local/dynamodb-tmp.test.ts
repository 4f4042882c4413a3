import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepJavaTmpFolders } from '../../../local/dynamodb';

/** The sweep reads /proc: Linux only, as the local platform's process guards are. */
const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux("DynamoDB Local's temporary folders", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sweep-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function folder(name: string, ageMs: number): string {
    const path = join(root, name);
    mkdirSync(path);
    const at = (Date.now() - ageMs) / 1000;
    utimesSync(path, at, at);
    return path;
  }

  it("removes a killed instance's folder, and keeps a live instance's, a new one and any other", async () => {
    // Arrange: a process whose command line names a folder, as a live java's does.
    const left = folder('dynamodb-local-left', 5 * 60_000);
    const live = folder('dynamodb-local-live', 5 * 60_000);
    const young = folder('dynamodb-local-young', 1_000);
    const other = folder('other-old', 5 * 60_000);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', '--', `-Djava.io.tmpdir=${live}`], { stdio: 'ignore' });
    await new Promise((started) => holder.once('spawn', started));
    try {
      // Act
      const removed = sweepJavaTmpFolders(root);

      // Assert
      expect(removed).toEqual([left]);
      expect([left, live, young, other].map(existsSync)).toEqual([false, true, true, true]);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('keeps a folder that a live process names through a symbolic link', async () => {
    const live = folder('dynamodb-local-live', 5 * 60_000);
    const link = `${root}-link`;
    symlinkSync(root, link);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', '--', `-Djava.io.tmpdir=${join(link, 'dynamodb-local-live')}`], {
      stdio: 'ignore',
    });
    await new Promise((started) => holder.once('spawn', started));
    try {
      expect(sweepJavaTmpFolders(root)).toEqual([]);
      expect(existsSync(live)).toBe(true);
    } finally {
      holder.kill('SIGKILL');
      rmSync(link);
    }
  });

  it('removes the live one too once its process is gone', async () => {
    const live = folder('dynamodb-local-live', 5 * 60_000);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', '--', `-Djava.io.tmpdir=${live}`], { stdio: 'ignore' });
    await new Promise((started) => holder.once('spawn', started));
    expect(sweepJavaTmpFolders(root)).toEqual([]);
    holder.kill('SIGKILL');
    await new Promise((ended) => holder.once('exit', ended));
    expect(sweepJavaTmpFolders(root)).toEqual([live]);
  });
});

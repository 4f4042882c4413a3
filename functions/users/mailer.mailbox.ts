import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mail, Mailer } from './mailer';

/** A mail as the local mailbox keeps it. */
export interface MailboxMessage extends Mail {
  readonly from: string;
  readonly sentAt: string;
}

/**
 * The local mail transport: each mail becomes `<dir>/<time>-<random>.json`, written atomically, so people (and the
 * CLI, and tests) read invitations where a real inbox would have them.
 */
export class MailboxMailer implements Mailer {
  constructor(
    private readonly dir: string,
    private readonly from: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(mail: Mail): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const sentAt = this.clock().toISOString();
    const name = `${sentAt.replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.json`;
    const message: MailboxMessage = { ...mail, from: this.from, sentAt };
    const temporary = join(this.dir, `.${name}.tmp`);
    await writeFile(temporary, `${JSON.stringify(message, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, join(this.dir, name));
  }
}

/** Every mail in a local mailbox, oldest first; a missing folder is an empty mailbox. */
export async function readMailbox(dir: string): Promise<MailboxMessage[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
  return Promise.all(files.map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8')) as MailboxMessage));
}

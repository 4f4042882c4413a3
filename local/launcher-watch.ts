import { readFileSync } from 'node:fs';

/**
 * Notices when the processes that launched this one are gone. `npm start` runs `sh -c tsx …`, and `kill <npm pid>`
 * ends npm and the shell without passing the signal on, which would leave the platform (and its java child)
 * running as orphans. Watching the launchers lets the platform stop itself instead.
 */

interface ProcessIdentity {
  readonly pid: number;
  /** Start time in clock ticks since boot: tells a live launcher from a new process that reused its PID. */
  readonly startTime: string;
}

/** Parent, process group and start time of a process from /proc (Linux); undefined when it does not exist. */
function identityOf(pid: number | 'self'): (ProcessIdentity & { readonly ppid: number; readonly pgrp: number }) | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields are counted after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(stat.slice(0, stat.indexOf(' '))), ppid: Number(fields[1]), pgrp: Number(fields[2]), startTime: fields[19] };
  } catch {
    return undefined;
  }
}

/**
 * Calls `onGone` once when one of the launchers exits: the ancestors in this process's own process group (the job a
 * shell started: npm, its `sh -c`, tsx), init excluded. Without /proc it watches the direct parent only. The timer
 * does not keep the process alive.
 */
export function watchLaunchers(onGone: () => void, intervalMs = 1_000): () => void {
  const launchers: ProcessIdentity[] = [];
  const self = identityOf('self');
  let ancestor = self ? identityOf(self.ppid) : undefined;
  while (self && ancestor && ancestor.pid > 1 && ancestor.pgrp === self.pgrp && launchers.length < 8) {
    launchers.push(ancestor);
    ancestor = identityOf(ancestor.ppid);
  }
  const initialParent = process.ppid;
  const timer = setInterval(() => {
    const gone = self ? launchers.some((launcher) => identityOf(launcher.pid)?.startTime !== launcher.startTime) : process.ppid !== initialParent;
    if (gone) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

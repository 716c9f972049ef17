/**
 * One writer per folder: a run (`train`, each run of `compare` and `demo`,
 * `train --resume`) holds `<dir>/.gradclip-lock` while it writes, so a second
 * gradclip process refuses the folder (with `--resume` and `--overwrite`
 * too) instead of interleaving its records with the first one's or deleting
 * its files. The lock is created with `O_EXCL`; one left by a process that no
 * longer runs on this host (killed with SIGKILL, a crash) is stale and taken
 * over.
 *
 * @module
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { GradclipArgumentError } from 'gradclip';
import { LOCK_FILE } from './layout.js';

/** The holder of a live lock, or null when the lock is absent, unreadable or stale. */
function liveHolder(path: string): { pid: number; host: string; since: string } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const [pidText, host = '', since = ''] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (host !== hostname()) return { pid, host, since }; // another machine's process: cannot tell, so it counts as live
  if (pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return { pid, host, since };
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? { pid, host, since } : null;
  }
}

function describeHolder(dir: string, h: { pid: number; host: string; since: string }): string {
  return `another gradclip process (pid ${h.pid}${h.host !== hostname() ? ` on ${h.host}` : ''}, since ${h.since}) is writing into ${dir}: wait for it to finish or stop it (Ctrl-C), or choose another folder`;
}

/**
 * Throws when a live gradclip process holds a lock in `dir` or in one of its
 * run folders one or two levels down (a comparison folder's runs).
 */
export function refuseIfLocked(dir: string): void {
  const check = (d: string, depth: number): void => {
    const h = liveHolder(join(d, LOCK_FILE));
    if (h !== null) throw new GradclipArgumentError(describeHolder(d, h));
    if (depth === 0) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) check(join(d, e.name), depth - 1);
  };
  if (existsSync(dir)) check(dir, 2);
}

/** A held lock; `release()` removes it (idempotent). */
export interface RunLock {
  release(): void;
}

/**
 * Takes the lock of `dir` (created when missing): refuses a live holder,
 * replaces a stale lock.
 *
 * @throws GradclipArgumentError when another live process holds it
 */
export function acquireRunLock(dir: string): RunLock {
  mkdirSync(dir, { recursive: true }); // a comparison's run folder is created when its run starts
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid} ${hostname()} ${new Date().toISOString()}\n`);
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        release(): void {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const h = liveHolder(path);
      if (h !== null) throw new GradclipArgumentError(describeHolder(dir, h));
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new GradclipArgumentError(`cannot take the lock ${path}: another process keeps creating it; choose another folder`);
}

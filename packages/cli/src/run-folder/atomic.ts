/**
 * Atomic file writes: the content goes to a temporary file in the same
 * folder, which is then renamed over the target (`rename(2)` replaces a file
 * atomically within one file system). A reader, a crash or a full disk sees
 * either the old file or the whole new one, never a cut one; a failed write
 * removes its temporary file and leaves the old file as it was.
 *
 * (The library's writers append and fsync; this is the app's helper for the
 * files written whole: `summary.json`, `evals.json`, `config.json`,
 * `report.html` and the PNG charts. A library version could share it.)
 *
 * @module
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The file-system calls of {@link writeFileAtomic} (injectable, for tests of failed writes). */
export interface AtomicFs {
  /** `fs.openSync`. */
  openSync(path: string, flags: string, mode?: number): number;
  /** `fs.writeSync` of a buffer range. */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  /** `fs.fsyncSync`. */
  fsyncSync(fd: number): void;
  /** `fs.closeSync`. */
  closeSync(fd: number): void;
  /** `fs.renameSync`. */
  renameSync(from: string, to: string): void;
  /** `fs.unlinkSync`. */
  unlinkSync(path: string): void;
}

/** The real `node:fs` calls. */
export const NODE_FS: AtomicFs = {
  openSync: (path, flags, mode) => openSync(path, flags, mode),
  writeSync: (fd, buffer, offset, length) => writeSync(fd, buffer, offset, length),
  fsyncSync: (fd) => fsyncSync(fd),
  closeSync: (fd) => closeSync(fd),
  renameSync: (from, to) => renameSync(from, to),
  unlinkSync: (path) => unlinkSync(path),
};

let counter = 0;

/** The pattern of the temporary file names {@link writeFileAtomic} uses: `.<name>.tmp-<pid>-<n>`. */
export const TEMP_FILE_PATTERN = /^\..+\.tmp-\d+-\d+$/;

/** The temporary file for `path`: `.<name>.tmp-<pid>-<n>` in the same folder (hidden, unique within the process). */
export function tempFileFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${++counter}`);
}

/**
 * Writes `content` to `path` atomically (see the module comment): write and
 * fsync a temporary file beside it, then rename it over `path`. The folder
 * must exist.
 *
 * @param path - the file to (re)place
 * @param content - the data (a string is written as UTF-8)
 * @param fs - the file-system calls (the real ones by default)
 * @throws the error of the failed call (e.g. ENOSPC, EACCES), after
 *   removing the temporary file; `path` is then untouched
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, fs: AtomicFs = NODE_FS): void {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const tmp = tempFileFor(path);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    const f = fd;
    fd = null;
    fs.closeSync(f);
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing: the first error is the one to report
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
    throw e;
  }
}

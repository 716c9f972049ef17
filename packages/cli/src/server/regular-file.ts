/**
 * Opening files for reading without ever blocking on a special file. A FIFO
 * named `summary.json` would block `open(2)` until a writer appears (and
 * with it a libuv thread, or the whole event loop for the `*Sync` calls);
 * a device or socket could be read forever. So every file the server reads
 * is `stat`ed first and refused unless it is a regular file, then opened
 * with `O_NONBLOCK` (an `open` of a FIFO swapped in after the `stat`
 * returns at once) and `fstat`ed again through the open descriptor.
 *
 * @packageDocumentation
 */
import { closeSync, constants, fstatSync, openSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

/** Thrown for a path that exists but is not a regular file (a FIFO, device, socket or folder). */
export class NotRegularFileError extends Error {
  /** `ENOTREG`, so that callers can tell it from the `fs` errors. */
  readonly code = 'ENOTREG';
  /** The path refused. */
  readonly path: string;

  /**
   * @param path - the path refused
   * @param what - what it is instead, e.g. `a FIFO`
   */
  constructor(path: string, what: string) {
    super(`${path} is ${what}, not a regular file: not read`);
    this.name = 'NotRegularFileError';
    this.path = path;
  }
}

/** What a non-regular file is, in words (`a FIFO`, `a socket`, ...). */
export function describeFileType(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a folder';
  return st.isFile() ? 'a regular file' : 'a special file';
}

// O_NONBLOCK and O_NOCTTY do not exist on Windows (no FIFOs to block on there).
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** An open regular file and its `fstat`. */
export interface OpenedFile {
  /** The open file; the caller closes it. */
  handle: FileHandle;
  /** `fstat` of the open descriptor. */
  stat: Stats;
}

/**
 * Opens `path` for reading if it is a regular file (symbolic links
 * followed). Throws {@link NotRegularFileError} otherwise, and the `fs`
 * error (`ENOENT`, ...) when it cannot be opened.
 *
 * @param path - the file
 */
export async function openRegularFile(path: string): Promise<OpenedFile> {
  const before = await stat(path);
  if (!before.isFile()) throw new NotRegularFileError(path, describeFileType(before));
  const handle = await open(path, READ_FLAGS);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new NotRegularFileError(path, describeFileType(st));
    return { handle, stat: st };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * {@link openRegularFile} for synchronous callers: returns the descriptor
 * (the caller closes it with `closeSync`) and its `fstat`.
 *
 * @param path - the file
 */
export function openRegularFileSync(path: string): { fd: number; stat: Stats } {
  const before = statSync(path);
  if (!before.isFile()) throw new NotRegularFileError(path, describeFileType(before));
  const fd = openSync(path, READ_FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotRegularFileError(path, describeFileType(st));
    return { fd, stat: st };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** True when `path` names a regular file (links followed); never opens it. */
export async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

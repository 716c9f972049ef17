/**
 * Append-only file handle used by the Node writers (Node-only: imports
 * `node:fs`; never import it from browser code).
 *
 * @packageDocumentation
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { GradclipArgumentError, requireNonEmptyString } from '../../core/errors.js';

/**
 * A file opened for appending (`'a+'`: writes always go to the end, reads are
 * allowed). Each {@link AppendFile.append} hands the whole buffer to one
 * `fs.writeSync` call; should the OS accept only part of it (disk full, signal)
 * the rest is written by further calls before `append` returns.
 */
export class AppendFile {
  /** The file's path as given. */
  readonly path: string;
  /** Size of the file in bytes when it was opened. */
  readonly initialSize: number;
  private fd: number | null;
  private readonly owner: string;

  /**
   * Opens (creating if needed) `path` for appending.
   *
   * @param path - the file
   * @param owner - class name used in error messages
   */
  constructor(path: string, owner: string) {
    requireNonEmptyString(owner, 'path', path);
    this.path = path;
    this.owner = owner;
    this.fd = openSync(path, 'a+');
    this.initialSize = fstatSync(this.fd).size;
  }

  private handle(what: string): number {
    if (this.fd === null) throw new GradclipArgumentError(`${this.owner}.${what}: the writer for ${this.path} is closed; open a new one`);
    return this.fd;
  }

  /** Reads `length` bytes at `position` (only valid for data present at open time). */
  readAt(position: number, length: number): Uint8Array {
    const fd = this.handle('read');
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  }

  /** Appends `data` (a string is written as UTF-8). */
  append(data: Uint8Array | string, what = 'write'): void {
    const fd = this.handle(what);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = writeSync(fd, bytes, 0, bytes.length);
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  }

  /** `fsync`: makes the appended data durable. */
  flush(): void {
    fsyncSync(this.handle('flush'));
  }

  /** Flushes and closes; idempotent. */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Whether {@link AppendFile.close} was called. */
  get closed(): boolean {
    return this.fd === null;
  }
}

/**
 * When a text file is non-empty and does not end with `\n` (a record cut by a
 * crash), appends a `\n` so that the next record starts on its own line.
 *
 * @param file - the open file
 * @returns true when a newline was added
 */
export function terminateTruncatedLine(file: AppendFile): boolean {
  if (file.initialSize === 0) return false;
  const last = file.readAt(file.initialSize - 1, 1);
  if (last[0] === 0x0a) return false;
  file.append('\n', 'open');
  return true;
}

/**
 * File-system errors in words: one line that names the path, the reason and
 * the error code (`cannot write runs/a/summary.json: no space left on device
 * (ENOSPC)`), for the CLI's one-line errors.
 *
 * @module
 */

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'it already exists',
  ENOENT: 'no such file or folder',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'the file is busy',
};

/** True for an error of a Node system call (it has a string `code`, e.g. `ENOSPC`). */
export function isErrnoError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((e as NodeJS.ErrnoException).code ?? '');
}

/**
 * The file-system error in `e`: `e` itself, or the first one inside an
 * AggregateError (the library's MultiWriter reports the failures of all its
 * writers that way) or in its `cause`; null when there is none.
 */
export function findErrnoError(e: unknown): NodeJS.ErrnoException | null {
  if (isErrnoError(e)) return e;
  if (e instanceof AggregateError) {
    for (const inner of e.errors) {
      const found = findErrnoError(inner);
      if (found !== null) return found;
    }
  }
  if (e instanceof Error && e.cause !== undefined && e.cause !== e) return findErrnoError(e.cause);
  return null;
}

/**
 * One line for a failed file operation: `cannot <verb> <path>: <reason> (<code>)`
 * (the file-system error is looked for inside `e`, see {@link findErrnoError}).
 *
 * @param e - the error (a Node system-call error, or anything else)
 * @param verb - what was attempted, e.g. `write`, `create the folder`
 * @param path - the path it was attempted on (the error's own path when omitted)
 */
export function describeIoError(e: unknown, verb: string, path?: string): string {
  const err = findErrnoError(e);
  const where = path ?? err?.path ?? '(unknown path)';
  if (err === null) return `cannot ${verb} ${where}: ${(e as Error)?.message ?? String(e)}`;
  const code = err.code as string;
  return `cannot ${verb} ${where}: ${REASONS[code] ?? err.message} (${code})`;
}

/**
 * The CLI's errors and exit codes (DESIGN.md section 8, **contract**): 0 done
 * (a diverged run is a result), 2 bad input (one line on stderr starting
 * `gradclip:` that names the flag, or the path of a failed file operation),
 * 130/143 interrupted by SIGINT/SIGTERM, 1 only for an internal bug.
 *
 * @module
 */
import { GradclipArgumentError } from 'gradclip';
import { describeIoError, findErrnoError } from '../run-folder/index.js';

/** The exit codes of the `gradclip` command. */
export const EXIT = Object.freeze({
  /** Done (a diverged run included). */
  ok: 0,
  /** An internal error: a bug of gradclip. */
  bug: 1,
  /** Bad input: a flag, an argument, a file or folder that cannot be used. */
  usage: 2,
  /** Interrupted by SIGINT (128 + 2). */
  sigint: 130,
  /** Interrupted by SIGTERM (128 + 15). */
  sigterm: 143,
} as const);

/** A mistake in how the command was called (or a file it cannot use): printed on one line, exit code 2. */
export class UsageError extends Error {
  /** @param message - one sentence that names the flag (or path) and what is valid */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Runs `f`, turning the argument errors of the app's modules
 * (GradclipArgumentError: validation of flags, files, folders) and
 * file-system errors into a {@link UsageError}; other errors pass through.
 *
 * @param f - the checks or file operations
 * @param io - what was attempted on which path, for file-system errors without a message of ours
 */
export function asUsage<T>(f: () => T, io?: { verb: string; path: string }): T {
  try {
    return f();
  } catch (e) {
    throw toUsage(e, io);
  }
}

/** {@link asUsage} for one caught error: the UsageError it becomes, or the error itself. */
export function toUsage(e: unknown, io?: { verb: string; path: string }): unknown {
  if (e instanceof UsageError) return e;
  if (e instanceof GradclipArgumentError) return new UsageError(e.message);
  const err = findErrnoError(e);
  if (err !== null) return new UsageError(describeIoError(e, io?.verb ?? err.syscall ?? 'access', io?.path));
  return e;
}

/** The text as one line (newlines and the spaces around them become one space). */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Resolution of request paths to files inside one root folder, refusing
 * anything that could escape it: `..` segments (plain or percent-encoded),
 * absolute paths, drive letters, backslashes, NUL bytes, and symbolic links
 * whose target lies outside the root. The rule follows OWASP's path-traversal
 * guidance: decode once, reject traversal syntax, then compare the *real*
 * (symlink-resolved) path against the real root.
 *
 * @packageDocumentation
 */
import { realpathSync, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A request path that must not be served; `status` is the HTTP status to answer with. */
export class PathRefusedError extends Error {
  /** 403 for a path that tries to leave the root, 404 for one that does not exist, 400 for undecodable input. */
  readonly status: 400 | 403 | 404;

  /**
   * @param status - HTTP status to answer with
   * @param message - why the path was refused
   */
  constructor(status: 400 | 403 | 404, message: string) {
    super(message);
    this.name = 'PathRefusedError';
    this.status = status;
  }
}

/** True when `child` is `root` itself or lies below it (both absolute, normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Checks an already-decoded relative path for traversal syntax and returns
 * it with empty and `.` segments removed (`''` for the root itself).
 * Throws a 403 {@link PathRefusedError} for `..` segments, absolute paths,
 * drive letters, backslashes and NUL bytes.
 *
 * @param decoded - the relative path, percent-decoding already applied
 */
export function checkRelativePath(decoded: string): string {
  if (decoded.includes('\0')) throw new PathRefusedError(403, 'path contains a NUL byte');
  if (decoded.includes('\\')) throw new PathRefusedError(403, 'path contains a backslash');
  if (decoded.startsWith('/') || isAbsolute(decoded) || /^[a-zA-Z]:/.test(decoded)) {
    throw new PathRefusedError(403, 'absolute paths are not served');
  }
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new PathRefusedError(403, 'path leaves the served folder ("..")');
  return parts.join('/');
}

/**
 * Percent-decodes a URL path (once) and checks it with {@link checkRelativePath}.
 * Throws a 400 {@link PathRefusedError} when the encoding is malformed.
 *
 * @param encoded - the path as it appears in the URL, without its leading `/`
 */
export function decodeRelativePath(encoded: string): string {
  // Refuse traversal in the raw form too (before decoding), so that no
  // decoding quirk can turn an accepted string into a traversal.
  checkRelativePath(encoded);
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw new PathRefusedError(400, 'malformed percent-encoding in path');
  }
  return checkRelativePath(decoded);
}

/**
 * Resolves a checked relative path against `root` and returns the real path
 * of the existing file or folder it names. Throws 404 when it does not
 * exist and 403 when its real location (after following symbolic links) is
 * outside the real root.
 *
 * @param root - the folder to serve (need not be a real path)
 * @param rel - a relative path that passed {@link checkRelativePath}
 */
export function resolveInside(root: string, rel: string): string {
  const checked = checkRelativePath(rel);
  const realRoot = realpathSync(root);
  const joined = resolve(realRoot, checked.split('/').join(sep));
  if (!isInside(realRoot, joined)) throw new PathRefusedError(403, 'path leaves the served folder');
  let real: string;
  try {
    real = realpathSync(joined);
  } catch {
    throw new PathRefusedError(404, 'not found');
  }
  if (!isInside(realRoot, real)) throw new PathRefusedError(403, 'path is a link to a location outside the served folder');
  return real;
}

/**
 * Resolves a request path to an existing regular file inside `root`
 * (see {@link resolveInside}); folders and special files give 404.
 *
 * @param root - the folder to serve
 * @param rel - a relative path that passed {@link checkRelativePath}
 */
export function resolveFileInside(root: string, rel: string): string {
  const real = resolveInside(root, rel);
  if (!statSync(real).isFile()) throw new PathRefusedError(404, 'not a file');
  return real;
}

/**
 * {@link resolveInside} without blocking the event loop (`fs.promises`).
 *
 * @param root - the folder to serve (need not be a real path)
 * @param rel - a relative path that passed {@link checkRelativePath}
 */
export async function resolveInsideAsync(root: string, rel: string): Promise<string> {
  return resolveInsideRealRoot(await realpath(root), rel);
}

/**
 * {@link resolveInsideAsync} for a root that is already a real path (one
 * `realpath` fewer per request).
 *
 * @param realRoot - the folder to serve, a real path (symbolic links resolved)
 * @param rel - a relative path that passed {@link checkRelativePath}
 */
export async function resolveInsideRealRoot(realRoot: string, rel: string): Promise<string> {
  const checked = checkRelativePath(rel);
  const joined = resolve(realRoot, checked.split('/').join(sep));
  if (!isInside(realRoot, joined)) throw new PathRefusedError(403, 'path leaves the served folder');
  let real: string;
  try {
    real = await realpath(joined);
  } catch {
    throw new PathRefusedError(404, 'not found');
  }
  if (!isInside(realRoot, real)) throw new PathRefusedError(403, 'path is a link to a location outside the served folder');
  return real;
}

/**
 * {@link resolveFileInside} without blocking the event loop: folders and
 * special files (FIFOs, devices, sockets) give 404 and are never opened.
 *
 * @param root - the folder to serve
 * @param rel - a relative path that passed {@link checkRelativePath}
 */
export async function resolveFileInsideAsync(root: string, rel: string): Promise<string> {
  const real = await resolveInsideAsync(root, rel);
  let st;
  try {
    st = await stat(real);
  } catch {
    throw new PathRefusedError(404, 'not found');
  }
  if (!st.isFile()) throw new PathRefusedError(404, 'not a regular file');
  return real;
}

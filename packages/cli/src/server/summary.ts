/**
 * The one reading of a run's `summary.json` that both `/api/runs` and
 * `/api/steps` use, and with it the one definition of **finished**:
 *
 * > A run is finished when its folder has an entry named `summary.json`
 * > (a regular file, or a link to one inside the runs folder, or anything
 * > else under that name), whether or not the file can be read or parsed.
 *
 * `gradclip train` writes `summary.json` after the last line of
 * `steps.jsonl`, so its presence means the log is complete. A
 * `summary.json` that is not valid JSON, not a JSON object, too large, not a
 * regular file (a FIFO, which is never opened) or a link leaving the runs
 * folder still means finished: the run's facts are then null (the steps
 * are counted from the log) and a warning says what is wrong. A dangling
 * link counts as no `summary.json`.
 *
 * @packageDocumentation
 */
import { closeSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { RUN_FILES, runFile } from '../run-folder/index.js';
import { describeFileType, openRegularFile, openRegularFileSync } from './regular-file.js';
import type { EntryKind } from './runs.js';
import { isInside } from './safe-path.js';

/** What a run's `summary.json` says. */
export interface SummaryState {
  /** The run has finished: a `summary.json` exists (see the module comment; also when it is invalid). */
  finished: boolean;
  /** The parsed `summary.json` when it is a JSON object, else null. */
  summary: Record<string, unknown> | null;
  /** Why `summary` is null although the run has finished. */
  warning?: string;
}

/** A {@link SummaryState} with the identity of the file it was read from, for caching. */
export interface KeyedSummaryState {
  /** `dev:ino:size:mtimeMs` of the `summary.json` read, or `''` when there is none. */
  key: string;
  /** What it says. */
  state: SummaryState;
  /** Bytes of the file (0 when not read), to bound a cache. */
  bytes: number;
}

const NOT_FINISHED: SummaryState = Object.freeze({ finished: false, summary: null });

/** The cache key of a `summary.json` from its `stat`: changes whenever the file is replaced or rewritten. */
export function summaryKey(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** The state of a finished run whose summary cannot be used. */
function invalid(warning: string): SummaryState {
  return { finished: true, summary: null, warning };
}

/**
 * Parses the text of a `summary.json` (the run has finished either way).
 *
 * @param text - the file's contents
 */
export function summaryStateFromText(text: string): SummaryState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return invalid(`${RUN_FILES.summary} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return invalid(`${RUN_FILES.summary} is not valid JSON for a run summary (not a JSON object)`);
  }
  return { finished: true, summary: parsed as Record<string, unknown> };
}

/** Why a `summary.json` with this `stat` is not read, or null when it may be. */
function refusal(st: Stats, maxBytes: number): string | null {
  if (!st.isFile()) return `${RUN_FILES.summary} is ${describeFileType(st)}, not a regular file: not read`;
  if (st.size > maxBytes) return `${RUN_FILES.summary} is larger than ${maxBytes} bytes (${st.size}): not read`;
  return null;
}

const OUTSIDE = `${RUN_FILES.summary} is a link to a file outside the runs folder: not read`;

/**
 * Reads the `summary.json` of the run folder `dir` without blocking on
 * special files. When `previous` has the key of the file as it is now, it
 * is returned without reading the file again.
 *
 * @param root - the runs folder, real path (links leaving it are not followed)
 * @param dir - the run folder, real path
 * @param maxBytes - larger files are not read
 * @param previous - the last result for this folder, if any
 * @param entry - what a listing of `dir` just showed under the name `summary.json`, if known (`none`: no `summary.json`; `file`: a plain file, no `realpath` needed)
 */
export async function readSummaryState(root: string, dir: string, maxBytes: number, previous?: KeyedSummaryState, entry?: EntryKind): Promise<KeyedSummaryState> {
  if (entry === 'none') return { key: '', state: NOT_FINISHED, bytes: 0 };
  const path = runFile(dir, 'summary');
  let real: string;
  let st: Stats;
  try {
    // a plain file in the real folder `dir` is its own real path
    real = entry === 'file' ? path : await realpath(path);
    st = await stat(real);
  } catch {
    return { key: '', state: NOT_FINISHED, bytes: 0 };
  }
  if (!isInside(root, real)) return { key: `outside:${real}`, state: invalid(OUTSIDE), bytes: 0 };
  const key = summaryKey(st);
  if (previous !== undefined && previous.key === key) return previous;
  const refused = refusal(st, maxBytes);
  if (refused !== null) return { key, state: invalid(refused), bytes: 0 };
  let opened;
  try {
    opened = await openRegularFile(real);
  } catch (e) {
    return { key: '', state: invalid(`${RUN_FILES.summary} cannot be read (${e instanceof Error ? e.message : String(e)})`), bytes: 0 };
  }
  try {
    const refusedNow = refusal(opened.stat, maxBytes);
    if (refusedNow !== null) return { key: summaryKey(opened.stat), state: invalid(refusedNow), bytes: 0 };
    const buf = Buffer.alloc(opened.stat.size);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await opened.handle.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { key: summaryKey(opened.stat), state: summaryStateFromText(buf.subarray(0, got).toString('utf8')), bytes: got };
  } finally {
    await opened.handle.close();
  }
}

/**
 * {@link readSummaryState} for synchronous callers (no cache).
 *
 * @param root - the runs folder, real path
 * @param dir - the run folder, real path
 * @param maxBytes - larger files are not read
 */
export function readSummaryStateSync(root: string, dir: string, maxBytes: number): SummaryState {
  const path = runFile(dir, 'summary');
  let real: string;
  let st: Stats;
  try {
    real = realpathSync(path);
    st = statSync(real);
  } catch {
    return NOT_FINISHED;
  }
  if (!isInside(root, real)) return invalid(OUTSIDE);
  const refused = refusal(st, maxBytes);
  if (refused !== null) return invalid(refused);
  let opened;
  try {
    opened = openRegularFileSync(real);
  } catch (e) {
    return invalid(`${RUN_FILES.summary} cannot be read (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    const refusedNow = refusal(opened.stat, maxBytes);
    if (refusedNow !== null) return invalid(refusedNow);
    const buf = Buffer.alloc(opened.stat.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(opened.fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return summaryStateFromText(buf.subarray(0, got).toString('utf8'));
  } finally {
    closeSync(opened.fd);
  }
}

/**
 * The server's in-memory index of the runs folder, so that `/api/runs`
 * (polled every 4 s by every open dashboard) never reads a whole log:
 *
 * - per run, the byte offset up to which its `steps.jsonl` has been
 *   scanned and the number of lines (newlines) before it. The run list's
 *   step count of an unfinished run comes from it, extended from that
 *   offset when the file has grown (and rebuilt from 0 when the file was
 *   replaced, truncated, or rewritten in place with the same size);
 * - per run, the parsed `summary.json`, keyed by its device, inode, size
 *   and mtime, so that it is read again only when it changes;
 * - at most `maxCachedRuns` runs (least recently used dropped first) and
 *   at most {@link SUMMARY_CACHE_BYTES} of cached summaries;
 * - all reads through `fs.promises`, at most `maxConcurrentScans` logs
 *   scanned at once, each in pieces of `scanBytes`;
 * - one listing at a time: a request that arrives while a listing runs
 *   waits for the next one, which starts when the running one ends and
 *   serves every request that arrived meanwhile (so answers are never
 *   older than the request, and 10 pollers cost at most 2 listings).
 *
 * @packageDocumentation
 */
import { realpathSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { runFile } from '../run-folder/index.js';
import { DEFAULT_LIMITS } from './limits.js';
import { isRegularFile, openRegularFile } from './regular-file.js';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_RUNS, findRunDirs, mapLimit, runId, runInfoFrom, sortRuns, stepsFromSummary, type EntryKind, type FoundRun, type ListRunsOptions, type RunInfo } from './runs.js';
import { countNewlines } from './steps-chunk.js';
import { readSummaryState, type KeyedSummaryState, type SummaryState } from './summary.js';

/** Most bytes of `summary.json` files whose parsed contents the index keeps. */
export const SUMMARY_CACHE_BYTES = 32 * 1024 * 1024;

/** Options of {@link RunIndex}. */
export interface RunIndexOptions extends ListRunsOptions {
  /** Runs kept in the index. @default DEFAULT_LIMITS.maxCachedRuns */
  maxCachedRuns?: number;
  /** A larger `summary.json` is not read. @default DEFAULT_LIMITS.maxSummaryBytes */
  maxSummaryBytes?: number;
  /** Logs scanned at the same time. @default DEFAULT_LIMITS.maxConcurrentScans */
  maxConcurrentScans?: number;
  /** Size of one read while counting lines, bytes. @default 4 × DEFAULT_LIMITS.readBufferBytes */
  scanBytes?: number;
}

/** Where the line count of one log stands. */
interface LogIndex {
  dev: number;
  ino: number;
  /** Bytes scanned (the newlines before this offset are counted). */
  scanned: number;
  /** Newlines before `scanned`. */
  lines: number;
  /** mtime of the file when it was last scanned. */
  mtimeMs: number;
}

interface CachedRun {
  log: LogIndex | null;
  /** The scan in progress, if any (one per log at a time). */
  scan: Promise<void> | null;
  summary: KeyedSummaryState | undefined;
}

/** A counting semaphore: at most `max` holders. */
class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(private readonly max: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.active--;
  }
}

function upToDate(log: LogIndex | null, st: Stats): log is LogIndex {
  return log !== null && log.dev === st.dev && log.ino === st.ino && log.scanned === st.size && log.mtimeMs === st.mtimeMs;
}

/** The asynchronous, cached view of a runs folder behind `/api/runs` and `/api/steps`. */
export class RunIndex {
  /** The runs folder, real path. */
  readonly root: string;
  /** Bytes read from logs to count their lines, since the index was made. */
  scannedBytes = 0;
  private readonly runs = new Map<string, CachedRun>();
  private readonly scans: Semaphore;
  private readonly opts: Required<RunIndexOptions>;
  private summaryBytes = 0;
  private listing: Promise<RunInfo[]> | null = null;
  private waiting: Array<{ resolve: (runs: RunInfo[]) => void; reject: (err: unknown) => void }> = [];

  /**
   * @param runsDir - the runs folder (must exist)
   * @param opts - search and cache limits
   */
  constructor(runsDir: string, opts: RunIndexOptions = {}) {
    this.root = realpathSync(runsDir);
    this.opts = {
      maxDepth: opts.maxDepth ?? DEFAULT_MAX_DEPTH,
      maxRuns: opts.maxRuns ?? DEFAULT_MAX_RUNS,
      maxCachedRuns: opts.maxCachedRuns ?? DEFAULT_LIMITS.maxCachedRuns,
      maxSummaryBytes: opts.maxSummaryBytes ?? DEFAULT_LIMITS.maxSummaryBytes,
      maxConcurrentScans: opts.maxConcurrentScans ?? DEFAULT_LIMITS.maxConcurrentScans,
      scanBytes: opts.scanBytes ?? DEFAULT_LIMITS.readBufferBytes * 4,
    };
    this.scans = new Semaphore(this.opts.maxConcurrentScans);
  }

  /** Runs held in the index now (at most `maxCachedRuns`). */
  get cachedRuns(): number {
    return this.runs.size;
  }

  /** The cache entry of `dir`, made most recently used; evicts beyond the limits. */
  private entry(dir: string): CachedRun {
    let e = this.runs.get(dir);
    if (e !== undefined) this.runs.delete(dir);
    else e = { log: null, scan: null, summary: undefined };
    this.runs.set(dir, e);
    this.evict(dir);
    return e;
  }

  private evict(keep: string): void {
    for (const [dir, e] of this.runs) {
      if (this.runs.size <= this.opts.maxCachedRuns && this.summaryBytes <= SUMMARY_CACHE_BYTES) return;
      if (dir === keep) continue;
      this.summaryBytes -= e.summary?.bytes ?? 0;
      this.runs.delete(dir);
    }
  }

  /**
   * What the `summary.json` of the run folder `dir` says (read only when it
   * changed since the last call). Both endpoints take `finished` from here.
   *
   * @param dir - the run folder, real path inside the runs folder
   * @param entry - what a listing of `dir` just showed under the name `summary.json`, if known (saves a `realpath`)
   */
  async summary(dir: string, entry?: EntryKind): Promise<SummaryState> {
    const e = this.entry(dir);
    const next = await readSummaryState(this.root, dir, this.opts.maxSummaryBytes, e.summary, entry);
    if (next !== e.summary && this.runs.get(dir) === e) {
      // (an entry evicted during the read is not updated: its bytes were already taken off)
      this.summaryBytes += next.bytes - (e.summary?.bytes ?? 0);
      e.summary = next;
      this.evict(dir);
    }
    return next.state;
  }

  /**
   * The number of lines (newlines) of the run folder's `steps.jsonl`,
   * scanning only what was appended since the last call.
   *
   * @param dir - the run folder, real path inside the runs folder
   */
  async lineCount(dir: string): Promise<number> {
    const e = this.entry(dir);
    while (e.scan !== null) await e.scan;
    const file = runFile(dir, 'steps');
    const st = await stat(file);
    if (upToDate(e.log, st)) return e.log.lines;
    while (e.scan !== null) await e.scan;
    const scan = this.extend(e, file);
    const settled = scan.then(
      () => undefined,
      () => undefined,
    );
    e.scan = settled;
    try {
      return await scan;
    } finally {
      if (e.scan === settled) e.scan = null;
    }
  }

  private async extend(e: CachedRun, file: string): Promise<number> {
    await this.scans.acquire();
    try {
      const { handle, stat: st } = await openRegularFile(file);
      try {
        let log = e.log;
        const rewritten = log !== null && log.scanned === st.size && log.mtimeMs !== st.mtimeMs;
        if (log === null || log.dev !== st.dev || log.ino !== st.ino || st.size < log.scanned || rewritten) {
          log = { dev: st.dev, ino: st.ino, scanned: 0, lines: 0, mtimeMs: st.mtimeMs };
        }
        const buf = Buffer.allocUnsafe(Math.min(this.opts.scanBytes, Math.max(1, st.size - log.scanned)));
        let pos = log.scanned;
        let lines = log.lines;
        while (pos < st.size) {
          const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, st.size - pos), pos);
          if (bytesRead === 0) break; // truncated meanwhile: the next call starts over
          lines += countNewlines(buf.subarray(0, bytesRead));
          pos += bytesRead;
          this.scannedBytes += bytesRead;
        }
        e.log = { dev: st.dev, ino: st.ino, scanned: pos, lines, mtimeMs: st.mtimeMs };
        return lines;
      } finally {
        await handle.close();
      }
    } finally {
      this.scans.release();
    }
  }

  private async info(run: FoundRun): Promise<RunInfo | null> {
    try {
      const { dir, steps: st } = run;
      const state = await this.summary(dir, run.summary);
      const hasReport = run.report === 'file' || (run.report === 'link' && (await isRegularFile(runFile(dir, 'report'))));
      const hasTrajectory = run.trajectory === 'file' || (run.trajectory === 'link' && (await isRegularFile(runFile(dir, 'trajectory'))));
      const steps = stepsFromSummary(state) ?? (await this.lineCount(dir));
      return runInfoFrom({ id: runId(this.root, dir), name: basename(dir), bytes: st.size, mtime: st.mtime, hasReport, hasTrajectory }, state, steps);
    } catch {
      return null; // removed while listing
    }
  }

  private async listNow(): Promise<RunInfo[]> {
    const found = await findRunDirs(this.root, { maxDepth: this.opts.maxDepth, maxRuns: this.opts.maxRuns });
    const infos = await mapLimit(found, 8, (r) => this.info(r));
    return sortRuns(infos.filter((r): r is RunInfo => r !== null));
  }

  /**
   * Every run below the runs folder, sorted by id (the reply of
   * `/api/runs`). Never older than the call: a call made while a listing
   * runs waits for the next one, which starts as soon as the running one
   * ends and answers every call that waited (first come, first served).
   */
  list(): Promise<RunInfo[]> {
    if (this.listing === null) return this.startListing();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private startListing(): Promise<RunInfo[]> {
    const p = this.listNow();
    this.listing = p;
    // Registered before any caller awaits `p`, so the next listing is under way
    // (and `listing` set) before the callers served by this one can ask again.
    const settle = (): void => {
      this.listing = null;
      const waiters = this.waiting;
      this.waiting = [];
      if (waiters.length === 0) return;
      this.startListing().then(
        (runs) => {
          for (const w of waiters) w.resolve(runs);
        },
        (err: unknown) => {
          for (const w of waiters) w.reject(err);
        },
      );
    };
    p.then(settle, settle);
    return p;
  }

  /** Starts a listing in the background (to index the logs before the first request); errors are ignored. */
  warm(): void {
    this.list().catch(() => undefined);
  }
}

/**
 * Discovery of run folders for `gradclip serve`: every folder below the
 * runs folder that holds a `steps.jsonl` (a `gradclip train` run folder, or
 * a run inside a `gradclip compare` folder), with the facts the run list
 * shows, read from `summary.json` when the run has finished.
 *
 * The server lists runs through its `RunIndex` (`run-index.ts`: asynchronous, with
 * cached line counts and summaries); {@link listRuns} and
 * {@link readRunInfo} are the synchronous equivalents for the CLI and for
 * scripts. Both build a {@link RunInfo} with {@link runInfoFrom}, from the
 * same {@link SummaryState} (see `summary.ts` for what "finished" means),
 * and neither opens anything but regular files.
 *
 * @packageDocumentation
 */
import { closeSync, readdirSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { RUN_FILES, runFile, TRAJECTORY_FILE } from '../run-folder/index.js';
import { DEFAULT_LIMITS } from './limits.js';
import { openRegularFileSync } from './regular-file.js';
import { isInside } from './safe-path.js';
import { countNewlines } from './steps-chunk.js';
import { readSummaryStateSync, type SummaryState } from './summary.js';

/** One entry of `GET /api/runs`. */
export interface RunInfo {
  /** Path of the run folder relative to the runs folder, `/`-separated (`.` when the runs folder is itself a run). */
  id: string;
  /** Display name: the folder name. */
  name: string;
  /** Task from `summary.json` (null while the run is still writing). */
  task: string | null;
  /** Model from `summary.json`. */
  model: string | null;
  /** Clip spec from `summary.json`. */
  clip: string | null;
  /** Steps: from `summary.json`, else the number of lines written so far. */
  steps: number;
  /** From `summary.json`; null while the run is still writing. */
  diverged: boolean | null;
  /** From `summary.json`. */
  divergedAtStep: number | null;
  /** Last loss from `summary.json` (null when not finite or unknown). */
  finalLoss: number | null;
  /** Fraction of steps clipped, from `summary.json`. */
  clipRate: number | null;
  /** True once `summary.json` exists (the run has finished), also when it cannot be read: then `warning` says why. */
  finished: boolean;
  /** True when the folder has a `report.html`. */
  hasReport: boolean;
  /** True when the folder has a cliff run's `trajectory.json` (its (w, b) path, drawn on the loss surface); the viewer reads it from `/files/<id>/trajectory.json`. */
  hasTrajectory: boolean;
  /** Size of `steps.jsonl` in bytes. */
  bytes: number;
  /** Last modification of `steps.jsonl`, ISO 8601. */
  modified: string;
  /** Problem reading the summary, if any. */
  warning?: string;
}

/** Options of {@link listRuns}. */
export interface ListRunsOptions {
  /** How many folder levels below the runs folder to search. @default 6 */
  maxDepth?: number;
  /** Stop after this many runs. @default 2000 */
  maxRuns?: number;
}

/** Default of {@link ListRunsOptions.maxDepth}. */
export const DEFAULT_MAX_DEPTH = 6;
/** Default of {@link ListRunsOptions.maxRuns}. */
export const DEFAULT_MAX_RUNS = 2000;

function numberOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function stringOrNull(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}

/** The step count a summary gives, or null when the log's lines must be counted instead. */
export function stepsFromSummary(state: SummaryState): number | null {
  return state.summary === null ? null : numberOrNull(state.summary.steps);
}

/** The parts of a {@link RunInfo} that come from the folder and its `steps.jsonl`. */
export interface RunFolderFacts {
  /** {@link RunInfo.id}. */
  id: string;
  /** {@link RunInfo.name}. */
  name: string;
  /** {@link RunInfo.bytes}. */
  bytes: number;
  /** Modification time of `steps.jsonl`. */
  mtime: Date;
  /** {@link RunInfo.hasReport}. */
  hasReport: boolean;
  /** {@link RunInfo.hasTrajectory}. */
  hasTrajectory: boolean;
}

/**
 * Builds the run list's entry from the folder facts, the summary and the
 * step count (from {@link stepsFromSummary}, else the log's line count).
 *
 * @param facts - folder and log facts
 * @param state - what `summary.json` says
 * @param steps - the number of steps
 */
export function runInfoFrom(facts: RunFolderFacts, state: SummaryState, steps: number): RunInfo {
  const s = state.summary;
  const config = (s !== null && typeof s.config === 'object' && s.config !== null ? s.config : {}) as Record<string, unknown>;
  const info: RunInfo = {
    id: facts.id,
    name: facts.name,
    task: stringOrNull(config.task),
    model: stringOrNull(config.model),
    clip: stringOrNull(config.clip),
    steps,
    diverged: s !== null && typeof s.diverged === 'boolean' ? s.diverged : null,
    divergedAtStep: s === null ? null : numberOrNull(s.divergedAtStep),
    finalLoss: s === null ? null : numberOrNull(s.finalLoss),
    clipRate: s === null ? null : numberOrNull(s.clipRate),
    finished: state.finished,
    hasReport: facts.hasReport,
    hasTrajectory: facts.hasTrajectory,
    bytes: facts.bytes,
    modified: facts.mtime.toISOString(),
  };
  if (state.warning !== undefined) info.warning = state.warning;
  return info;
}

/** The id of the run folder `dir` below the real runs folder `root`. */
export function runId(root: string, dir: string): string {
  const rel = relative(root, dir).split(sep).join('/');
  return rel === '' ? '.' : rel;
}

/** Counts the newlines of a regular file in pieces (bounded memory). */
function countLinesSync(file: string): number {
  const { fd } = openRegularFileSync(file);
  try {
    const buf = Buffer.allocUnsafe(DEFAULT_LIMITS.readBufferBytes * 4);
    let n = 0;
    let pos = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, pos);
      if (got === 0) return n;
      n += countNewlines(buf.subarray(0, got));
      pos += got;
    }
  } finally {
    closeSync(fd);
  }
}

function isRegularFileSync(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads the facts of one run folder (synchronously).
 *
 * @param runsDir - the runs folder (the root of ids)
 * @param dir - the run folder (absolute, real path)
 */
export function readRunInfo(runsDir: string, dir: string): RunInfo {
  const root = realpathSync(runsDir);
  const stepsFile = runFile(dir, 'steps');
  const st = statSync(stepsFile);
  const state = readSummaryStateSync(root, dir, DEFAULT_LIMITS.maxSummaryBytes);
  const facts = { id: runId(root, dir), name: basename(dir), bytes: st.size, mtime: st.mtime, hasReport: isRegularFileSync(runFile(dir, 'report')), hasTrajectory: isRegularFileSync(runFile(dir, 'trajectory')) };
  return runInfoFrom(facts, state, stepsFromSummary(state) ?? countLinesSync(stepsFile));
}

/** What a run folder's listing has under a name: nothing, a regular file, a symbolic link (to be followed), or something else (a FIFO, a folder, ...). */
export type EntryKind = 'none' | 'file' | 'link' | 'other';

function kindOf(entries: readonly Dirent[], name: string): EntryKind {
  const e = entries.find((x) => x.name === name);
  if (e === undefined) return 'none';
  if (e.isFile()) return 'file';
  if (e.isSymbolicLink()) return 'link';
  return 'other';
}

/** A run folder found by {@link findRunDirs}. */
export interface FoundRun {
  /** The run folder, real path. */
  dir: string;
  /** `stat` of its `steps.jsonl` (a regular file inside the runs folder). */
  steps: Stats;
  /** What the folder has under the name `summary.json`. */
  summary: EntryKind;
  /** What the folder has under the name `report.html`. */
  report: EntryKind;
  /** What the folder has under the name `trajectory.json`. */
  trajectory: EntryKind;
}

/** The sub-folders of a listing worth searching (no hidden folders, no `node_modules`), by name (so that a `maxRuns` cut is the same on every file system). */
function searchable(entries: readonly Dirent[]): Dirent[] {
  return entries
    .filter((e) => !e.name.startsWith('.') && e.name !== 'node_modules' && (e.isDirectory() || e.isSymbolicLink()))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Finds every run folder below the real runs folder `root` (the folder
 * itself included), asynchronously. Hidden folders and `node_modules` are
 * not searched; symbolic links are followed only when their target is
 * inside `root`; a `steps.jsonl` that is not a regular file does not make
 * a run. Sub-folders are searched a few at a time; the runs kept when there
 * are more than `maxRuns` are the first in depth-first order, as for
 * {@link listRuns}.
 *
 * @param root - the runs folder, real path
 * @param opts - search limits
 */
export async function findRunDirs(root: string, opts: ListRunsOptions = {}): Promise<FoundRun[]> {
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxRuns = opts.maxRuns ?? DEFAULT_MAX_RUNS;
  const seen = new Set<string>();
  const walk = async (dir: string, depth: number): Promise<FoundRun[]> => {
    if (seen.has(dir)) return [];
    seen.add(dir);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const found: FoundRun[] = [];
    const stepsKind = kindOf(entries, RUN_FILES.steps);
    if (stepsKind === 'file' || stepsKind === 'link') {
      try {
        // `dir` is a real path, so a plain file in it needs no realpath
        const real = stepsKind === 'file' ? runFile(dir, 'steps') : await realpath(runFile(dir, 'steps'));
        const st = isInside(root, real) ? await stat(real) : null;
        if (st !== null && st.isFile()) found.push({ dir, steps: st, summary: kindOf(entries, RUN_FILES.summary), report: kindOf(entries, RUN_FILES.report), trajectory: kindOf(entries, TRAJECTORY_FILE) });
      } catch {
        // dangling link, or removed meanwhile: not a run
      }
    }
    if (depth >= maxDepth) return found;
    const children = await Promise.all(
      searchable(entries).map(async (e): Promise<string | null> => {
        const path = join(dir, e.name);
        if (e.isDirectory()) return path;
        try {
          const real = await realpath(path);
          return isInside(root, real) && (await stat(real)).isDirectory() ? real : null;
        } catch {
          return null;
        }
      }),
    );
    const subtrees = await mapLimit(children, 8, (c) => (c === null ? Promise.resolve([]) : walk(c, depth + 1)));
    for (const t of subtrees) for (const r of t) found.push(r);
    return found.length > maxRuns ? found.slice(0, maxRuns) : found;
  };
  return walk(root, 0);
}

/** Maps `items` through `fn` with at most `limit` calls running; results in the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < items.length) {
      const i = nextIndex++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** {@link findRunDirs} for synchronous callers: the run folders' real paths. */
function findRunDirsSync(root: string, opts: ListRunsOptions): string[] {
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxRuns = opts.maxRuns ?? DEFAULT_MAX_RUNS;
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, depth: number): void => {
    if (found.length >= maxRuns || seen.has(dir)) return;
    seen.add(dir);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const stepsKind = kindOf(entries, RUN_FILES.steps);
    if (stepsKind === 'file' || stepsKind === 'link') {
      try {
        const real = realpathSync(runFile(dir, 'steps'));
        if (isInside(root, real) && statSync(real).isFile()) found.push(dir);
      } catch {
        // dangling link: not a run
      }
    }
    if (depth >= maxDepth) return;
    for (const e of searchable(entries)) {
      let real: string;
      try {
        real = realpathSync(join(dir, e.name));
        if (!statSync(real).isDirectory()) continue;
      } catch {
        continue;
      }
      if (!isInside(root, real)) continue;
      walk(real, depth + 1);
    }
  };
  walk(root, 0);
  return found;
}

/** Sorts run entries by id (the order of `/api/runs`). */
export function sortRuns(runs: RunInfo[]): RunInfo[] {
  return runs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Finds every run folder below `runsDir` (the folder itself included),
 * sorted by id, synchronously (the server uses its asynchronous, cached
 * `RunIndex`). Hidden folders and `node_modules` are not searched;
 * symbolic links are followed only when their target is inside `runsDir`.
 *
 * @param runsDir - the runs folder
 * @param opts - search limits
 */
export function listRuns(runsDir: string, opts: ListRunsOptions = {}): RunInfo[] {
  const root = realpathSync(runsDir);
  const runs: RunInfo[] = [];
  for (const dir of findRunDirsSync(root, opts)) {
    try {
      runs.push(readRunInfo(root, dir));
    } catch {
      // removed while listing
    }
  }
  return sortRuns(runs);
}

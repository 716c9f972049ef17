/**
 * Discovery of run folders for `gradclip serve`: every folder below the
 * runs folder that holds a `steps.jsonl` (a `gradclip train` run folder, or
 * a run inside a `gradclip compare` folder), with the facts the run list
 * shows, read from `summary.json` when the run has finished.
 *
 * @packageDocumentation
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { RUN_FILES, runFile } from '../run-folder/index.js';
import { isInside } from './safe-path.js';

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
  /** True once `summary.json` exists (the run has finished). */
  finished: boolean;
  /** True when the folder has a `report.html`. */
  hasReport: boolean;
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

function countLines(file: string): number {
  const buf = readFileSync(file);
  let n = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10) n++;
  return n;
}

function numberOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function stringOrNull(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}

/**
 * Reads the facts of one run folder.
 *
 * @param runsDir - the runs folder (the root of ids)
 * @param dir - the run folder (absolute, real path)
 */
export function readRunInfo(runsDir: string, dir: string): RunInfo {
  const root = realpathSync(runsDir);
  const rel = relative(root, dir).split(sep).join('/');
  const id = rel === '' ? '.' : rel;
  const stepsFile = runFile(dir, 'steps');
  const st = statSync(stepsFile);
  const info: RunInfo = {
    id,
    name: basename(dir),
    task: null,
    model: null,
    clip: null,
    steps: 0,
    diverged: null,
    divergedAtStep: null,
    finalLoss: null,
    clipRate: null,
    finished: false,
    hasReport: existsSync(runFile(dir, 'report')),
    bytes: st.size,
    modified: st.mtime.toISOString(),
  };
  const summaryFile = runFile(dir, 'summary');
  let fromSummary = false;
  if (existsSync(summaryFile)) {
    try {
      const s = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, unknown>;
      const config = (typeof s.config === 'object' && s.config !== null ? s.config : {}) as Record<string, unknown>;
      info.finished = true;
      info.task = stringOrNull(config.task);
      info.model = stringOrNull(config.model);
      info.clip = stringOrNull(config.clip);
      info.diverged = typeof s.diverged === 'boolean' ? s.diverged : null;
      info.divergedAtStep = numberOrNull(s.divergedAtStep);
      info.finalLoss = numberOrNull(s.finalLoss);
      info.clipRate = numberOrNull(s.clipRate);
      const steps = numberOrNull(s.steps);
      if (steps !== null) {
        info.steps = steps;
        fromSummary = true;
      }
    } catch (e) {
      info.warning = `${RUN_FILES.summary} is not valid JSON (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  if (!fromSummary) info.steps = countLines(stepsFile);
  return info;
}

/**
 * Finds every run folder below `runsDir` (the folder itself included),
 * sorted by id. Hidden folders and `node_modules` are not searched;
 * symbolic links are followed only when their target is inside `runsDir`.
 *
 * @param runsDir - the runs folder
 * @param opts - search limits
 */
export function listRuns(runsDir: string, opts: ListRunsOptions = {}): RunInfo[] {
  const maxDepth = opts.maxDepth ?? 6;
  const maxRuns = opts.maxRuns ?? 2000;
  const root = realpathSync(runsDir);
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, depth: number): void => {
    if (found.length >= maxRuns || seen.has(dir)) return;
    seen.add(dir);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.name === RUN_FILES.steps && (e.isFile() || e.isSymbolicLink()))) {
      try {
        const real = realpathSync(runFile(dir, 'steps'));
        if (isInside(root, real) && statSync(real).isFile()) found.push(dir);
      } catch {
        // dangling link: not a run
      }
    }
    if (depth >= maxDepth) return;
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      if (!e.isDirectory() && !e.isSymbolicLink()) continue;
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
  const runs: RunInfo[] = [];
  for (const dir of found) {
    try {
      runs.push(readRunInfo(root, dir));
    } catch {
      // removed while listing
    }
  }
  return runs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Reading a run folder written by `gradclip train` (or, for the steps alone,
 * by the library's `openRunWriters`). A folder without a readable
 * `summary.json` (a run that was killed or crashed, or library logs) is
 * still loaded: its summary is rebuilt from `steps.jsonl` and the record is
 * marked incomplete (DESIGN.md section 8, **contract**). A cliff run's
 * `trajectory.json` is loaded when present.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { GradclipArgumentError, readStepsJsonl, type StepStats } from 'gradclip';
// diagnosis.ts reads folders through this module too: the cycle is between functions only, called after both modules are loaded.
import { diagnoseFolder } from './diagnosis.js';
import type { RunConfig } from '../train/config.js';
import type { EvalResult } from '../train/experiment.js';
import { summarizeRun, type RunSummary } from '../train/summary.js';
import { RUN_FILES, RUN_START_FILE, TRAJECTORY_FILE, runFile } from './layout.js';
import { describeIoError } from './io-errors.js';
import type { LoadedRun, RunRecord, RunStart } from './types.js';
import { readTrajectory } from './trajectory.js';

/** The records of a run folder's `steps.jsonl` and the messages for the lines that could not be read. */
export interface RunSteps {
  /** The records, in file order. */
  steps: StepStats[];
  /** One message per skipped line. */
  warnings: string[];
}

/** Reads a text file of a run folder; file-system errors become a GradclipArgumentError naming the path. */
function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new GradclipArgumentError(describeIoError(e, 'read', path));
  }
}

/**
 * Reads the `steps.jsonl` of the run folder `dir`.
 *
 * @param dir - the run folder
 * @param fix - how to write one, for the error when the file is missing
 * @throws GradclipArgumentError when `dir` holds no `steps.jsonl` (the message names the file and `fix`) or it cannot be read
 */
export function readRunSteps(dir: string, fix = `run "gradclip train --out ${dir}" first`): RunSteps {
  const stepsPath = runFile(dir, 'steps');
  if (!existsSync(stepsPath)) throw new GradclipArgumentError(`${dir} is not a gradclip run folder: ${stepsPath} is missing (${fix})`);
  return readStepsJsonl(readText(stepsPath));
}

/**
 * A warning when the step numbers of `steps` do not increase (a folder that
 * holds more than one run, as folders reused before gradclip refused it
 * did), else null.
 */
export function stepOrderWarning(steps: readonly StepStats[]): string | null {
  for (let i = 1; i < steps.length; i++) {
    if (steps[i].step <= steps[i - 1].step) {
      return `${RUN_FILES.steps} holds more than one run: record ${i + 1} has step ${steps[i].step} after step ${steps[i - 1].step}; its charts and diagnosis mix them`;
    }
  }
  return null;
}

/** The `writer` of the `summary.json` the library's `openRunWriters` writes on close (a finished run without a run configuration). */
const LIBRARY_SUMMARY_WRITER = 'gradclip openRunWriters';

/** Parses a JSON file of a run folder: the value, or the reason it cannot be used. */
function readJson(path: string): { value: unknown } | { error: string } {
  const text = readText(path);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: `is not valid JSON (${(e as Error).message}${text.length === 0 ? '; the file is empty' : ''})` };
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Why a parsed `summary.json` cannot be used as a RunSummary, or null when it can. */
function summaryProblem(x: unknown): string | null {
  if (!isObject(x)) return `holds ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}, not a summary object`;
  if (typeof x.steps !== 'number') return 'has no "steps" number';
  if (!isObject(x.config)) return 'has no "config" object';
  return null;
}

/** The start record of `dir` (`config.json`), or null when it is missing or unreadable. */
export function readRunStart(dir: string): RunStart | null {
  const path = runFile(dir, 'start');
  if (!existsSync(path)) return null;
  const r = readJson(path);
  if (!('value' in r) || !isObject(r.value) || !isObject(r.value.config)) return null;
  return r.value as unknown as RunStart;
}

/**
 * The configuration shown for logs that carry none (written by the
 * library's `openRunWriters`, or a folder whose `config.json` is gone): the
 * fields the report prints say `unknown`.
 */
export const UNKNOWN_CONFIG: RunConfig = { task: 'unknown', model: 'unknown', clip: 'unknown', optimizer: 'unknown', lr: 'unknown', seed: 'unknown' } as unknown as RunConfig;

/**
 * Rebuilds the summary of a run that did not write one, from its steps:
 * the configuration and backend from `config.json` when present, divergence
 * at the first non-finite loss, no final evaluation. A gradclip run (one
 * with `config.json`) that has no summary stopped early: it is marked
 * interrupted.
 */
export function rebuildSummary(steps: readonly StepStats[], start: RunStart | null): RunSummary {
  const bad = steps.find((s) => s.loss !== null && !Number.isFinite(s.loss));
  const first = steps[0]?.time;
  const last = steps[steps.length - 1]?.time;
  return summarizeRun({
    config: start?.config ?? UNKNOWN_CONFIG,
    stats: steps,
    divergedAtStep: bad?.step ?? null,
    finalEval: null,
    entropyBaseline: null,
    wallSeconds: typeof first === 'number' && typeof last === 'number' ? (last - first) / 1000 : 0,
    backend: start?.backend ?? 'unknown',
    interrupted: start !== null,
    text: start?.text ?? null,
  });
}

/**
 * The name a report shows for `run`: its name, marked `(interrupted at step
 * N of M)` or `(incomplete: ...)` when the run did not finish.
 */
export function runDisplayName(run: RunRecord): string {
  if (run.incomplete !== undefined) return `${run.name} (incomplete: ${run.incomplete})`;
  const s = run.summary;
  if (s.interrupted === true) {
    const of = typeof s.config?.steps === 'number' ? ` of ${s.config.steps}` : '';
    return `${run.name} (interrupted at step ${s.steps}${of})`;
  }
  return run.name;
}

/**
 * Loads a run folder (steps, summary, evaluations) and diagnoses it. When
 * `summary.json` is missing or unusable (not JSON, `null`, an array, no
 * `steps`/`config`), the summary is rebuilt from `steps.jsonl` (see
 * {@link rebuildSummary}) and `incomplete` says why; every problem found is
 * a message in `warnings` (lines of `steps.jsonl` skipped, an unreadable
 * `evals.json`, step numbers that restart, a summary whose step count
 * differs from the log).
 *
 * @throws GradclipArgumentError when `steps.jsonl` is missing or a file cannot be read (the message names the file)
 * @param dir - the run folder
 * @param name - display name (default: the run's clip spec, else `dir`)
 * @param fix - how to write a run folder, for the error when `steps.jsonl` is missing
 */
export function loadRun(dir: string, name?: string, fix?: string): LoadedRun {
  const read = readRunSteps(dir, fix);
  const steps = read.steps;
  const warnings = read.warnings.map((w) => `${RUN_FILES.steps} ${w}`);
  const order = stepOrderWarning(steps);
  if (order !== null) warnings.push(order);

  const summaryPath = runFile(dir, 'summary');
  let summary: RunSummary | null = null;
  let incomplete: string | undefined;
  if (!existsSync(summaryPath)) {
    incomplete = `no ${RUN_FILES.summary}, summary rebuilt from the ${steps.length} steps of ${RUN_FILES.steps}`;
  } else {
    const r = readJson(summaryPath);
    const problem = 'error' in r ? r.error : summaryProblem(r.value);
    if (problem === null && 'value' in r) {
      summary = r.value as RunSummary;
    } else if ('value' in r && isObject(r.value) && r.value.writer === LIBRARY_SUMMARY_WRITER) {
      // a finished library run (openRunWriters + gradStatsCallback): its summary has no run configuration
      const libSummary = rebuildSummary(steps, readRunStart(dir));
      summary = { ...libSummary, interrupted: false };
    } else {
      warnings.push(`${RUN_FILES.summary} ${problem ?? 'is unusable'}: ignored`);
      incomplete = `unreadable ${RUN_FILES.summary}, summary rebuilt from the ${steps.length} steps of ${RUN_FILES.steps}`;
    }
  }
  if (summary === null) {
    const start = readRunStart(dir);
    if (start === null) warnings.push(`no ${RUN_START_FILE} either: the run's configuration is unknown`);
    summary = rebuildSummary(steps, start);
  } else if (summary.steps !== steps.length) {
    warnings.push(`${RUN_FILES.summary} says ${summary.steps} steps, ${RUN_FILES.steps} holds ${steps.length}`);
  }

  const evalsPath = runFile(dir, 'evals');
  let evals: EvalResult[] = [];
  if (existsSync(evalsPath)) {
    const r = readJson(evalsPath);
    if ('value' in r && Array.isArray(r.value)) evals = r.value as EvalResult[];
    else warnings.push(`${RUN_FILES.evals} ${'error' in r ? r.error : 'is not an array'}: ignored`);
  }
  const config = readRunStart(dir)?.config ?? (summary.config.model !== 'unknown' ? summary.config : undefined);
  const { diagnosis, baseline } = diagnoseFolder(dir, steps, config);
  const run: LoadedRun = { name: name ?? (typeof summary.config.clip === 'string' && summary.config.clip !== 'unknown' ? summary.config.clip : dir), dir, summary, steps, evals, diagnosis, unclippedBaseline: baseline, warnings };
  const traj = readTrajectory(dir);
  if (traj !== null && 'trajectory' in traj) run.trajectory = traj.trajectory;
  else if (traj !== null) warnings.push(`${TRAJECTORY_FILE} ${traj.error}: ignored`);
  if (incomplete !== undefined) run.incomplete = incomplete;
  return run;
}

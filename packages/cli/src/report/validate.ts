/**
 * Input checks of the report functions, in one place, with messages that
 * name the argument and the fix.
 *
 * @module
 */
import { GradclipArgumentError } from 'gradclip';
import { RUN_FILES, TRAJECTORY_FILE } from '../run-folder/index.js';
import type { RunRecord } from './types.js';

/** Throws unless `run` looks like a {@link RunRecord}; `where` names the argument. */
export function validateRunRecord(run: unknown, where = 'run'): asserts run is RunRecord {
  if (typeof run !== 'object' || run === null) {
    throw new GradclipArgumentError(`${where} must be a RunRecord object {name, summary, steps}, got ${run === null ? 'null' : typeof run}`);
  }
  const r = run as Partial<RunRecord>;
  if (typeof r.name !== 'string' || r.name.length === 0) {
    throw new GradclipArgumentError(`${where}.name must be a non-empty string (e.g. the run folder name), got ${JSON.stringify(r.name)}`);
  }
  if (typeof r.summary !== 'object' || r.summary === null) {
    throw new GradclipArgumentError(`${where}.summary must be the run's RunSummary object (${RUN_FILES.summary}), got ${String(r.summary)}`);
  }
  if (typeof r.summary.config !== 'object' || r.summary.config === null) {
    throw new GradclipArgumentError(`${where}.summary.config must be the run's RunConfig object, got ${String(r.summary.config)}`);
  }
  if (!Array.isArray(r.steps)) {
    throw new GradclipArgumentError(`${where}.steps must be an array of StepStats (${RUN_FILES.steps}), got ${typeof r.steps}`);
  }
  if (r.evals !== undefined && !Array.isArray(r.evals)) {
    throw new GradclipArgumentError(`${where}.evals must be an array of EvalResult or undefined, got ${typeof r.evals}`);
  }
  const t = r.trajectory as unknown;
  if (t !== undefined) {
    const pts = typeof t === 'object' && t !== null ? (t as { points?: unknown }).points : undefined;
    const ok = Array.isArray(pts) && pts.every((p) => typeof p === 'object' && p !== null && ['step', 'w', 'b'].every((k) => typeof (p as Record<string, unknown>)[k] === 'number'));
    if (!ok) throw new GradclipArgumentError(`${where}.trajectory must be a CliffTrajectory {points: [{step, w, b}]} (${TRAJECTORY_FILE}, read with readTrajectory) or undefined`);
  }
}

/** Throws unless `runs` is a non-empty array of valid records. */
export function validateRuns(runs: unknown): asserts runs is RunRecord[] {
  if (!Array.isArray(runs) || runs.length === 0) {
    const got = Array.isArray(runs) ? 'an empty array' : typeof runs;
    throw new GradclipArgumentError(`runs must be a non-empty array of RunRecord, got ${got}`);
  }
  runs.forEach((r, i) => validateRunRecord(r, `runs[${i}]`));
}

/** Throws unless `x` is undefined or an integer in [min, max]; `name` names the option. */
export function checkIntOption(name: string, x: unknown, min: number, max: number): void {
  if (x === undefined) return;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
    throw new GradclipArgumentError(`${name} must be an integer in [${min}, ${max}], got ${String(x)}`);
  }
}

/** Throws unless `x` is undefined or a finite number in (0, max]; `name` names the option. */
export function checkPositiveOption(name: string, x: unknown, max: number): void {
  if (x === undefined) return;
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || x > max) {
    throw new GradclipArgumentError(`${name} must be a number in (0, ${max}], got ${String(x)}`);
  }
}

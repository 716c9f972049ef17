/**
 * The cliff run's path through its parameter space, `trajectory.json`: the
 * position (w, b) of Pascanu, Mikolov & Bengio 2013's one-unit RNN
 * `x_t = w·sigmoid(x_{t−1}) + b` (arXiv 1211.5063, section 2.3, Fig. 6)
 * before the first step (step 0) and after every step, so the report and
 * the dashboard can draw the run on the loss surface E(w, b).
 *
 * Written atomically by `gradclip train` at every checkpoint, at the end and
 * on interruption; a resumed run reads it back and keeps the points up to
 * its checkpoint, so the file always holds the whole path.
 *
 * This module is the file's format and the recorder, with no I/O (the
 * dashboard decodes the file with it); `trajectory.ts` reads and writes it.
 *
 * @module
 */
/** A number as JSON keeps it: finite numbers as they are, the rest as `"NaN"`, `"Infinity"`, `"-Infinity"` (as steps.jsonl writes them). */
type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

function encodeNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/**
 * The path of a cliff run through its parameters (w, b), from step 0 (see
 * {@link CliffTrajectory}): written atomically at every checkpoint, at the end
 * and on interruption; drawn on the loss surface by the report and the
 * dashboard (which reads it through `gradclip serve`'s `/files/`).
 */
export const TRAJECTORY_FILE = 'trajectory.json';

/** One position of a {@link CliffTrajectory}: (w, b) after `step` steps (step 0: the start). */
export interface TrajectoryPoint {
  step: number;
  w: number;
  b: number;
}

/** The content of `trajectory.json` (numbers that are not finite are written as `"NaN"`, `"Infinity"`, `"-Infinity"`). */
export interface CliffTrajectory {
  format: 'gradclip-cliff-trajectory';
  version: 1;
  /** The positions in step order, from step 0. */
  points: TrajectoryPoint[];
}

/** A trajectory of `points`. */
export function cliffTrajectory(points: readonly TrajectoryPoint[]): CliffTrajectory {
  return { format: 'gradclip-cliff-trajectory', version: 1, points: points.map((p) => ({ ...p })) };
}

/** The JSON text of `trajectory.json` (one point per line, non-finite numbers as strings). */
export function encodeTrajectory(t: CliffTrajectory): string {
  const pts = t.points.map((p) => JSON.stringify({ step: p.step, w: encodeNumber(p.w), b: encodeNumber(p.b) }));
  return `{"format":"${t.format}","version":${t.version},"points":[\n${pts.join(',\n')}\n]}\n`;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function num(x: unknown): number | null {
  if (typeof x === 'number') return x;
  if (x === 'NaN') return Number.NaN;
  if (x === 'Infinity') return Number.POSITIVE_INFINITY;
  if (x === '-Infinity') return Number.NEGATIVE_INFINITY;
  return null;
}

/**
 * Parses the value of a `trajectory.json`: the trajectory, or the reason it
 * cannot be used (not the format, a point without a step, steps that do not
 * increase).
 */
export function decodeTrajectory(x: unknown): { trajectory: CliffTrajectory } | { error: string } {
  if (!isObject(x) || x.format !== 'gradclip-cliff-trajectory' || x.version !== 1 || !Array.isArray(x.points)) {
    return { error: 'is not a gradclip cliff trajectory (format "gradclip-cliff-trajectory", version 1, points)' };
  }
  const points: TrajectoryPoint[] = [];
  for (let i = 0; i < x.points.length; i++) {
    const p: unknown = x.points[i];
    const step = isObject(p) ? p.step : undefined;
    const w = isObject(p) ? num(p.w) : null;
    const b = isObject(p) ? num(p.b) : null;
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || w === null || b === null) {
      return { error: `point ${i + 1} is not {step, w, b}` };
    }
    if (points.length > 0 && step <= points[points.length - 1].step) return { error: `point ${i + 1} has step ${step} after step ${points[points.length - 1].step}` };
    points.push({ step, w, b });
  }
  return { trajectory: cliffTrajectory(points) };
}

/**
 * Collects the positions of a cliff run as it trains (see the module
 * comment): `start` with the position before the first step, or with the
 * points of a resumed run's file; `push` after every step.
 */
export class TrajectoryRecorder {
  private readonly points: TrajectoryPoint[] = [];

  /**
   * @param start - the position of the run now, after `step` steps
   * @param step - steps already taken (0 for a new run, the checkpoint's step on resume)
   * @param previous - a resumed run's `trajectory.json`: its points up to `step` are kept
   */
  constructor(start: { w: number; b: number }, step = 0, previous: CliffTrajectory | null = null) {
    if (previous !== null && step > 0) {
      const kept = previous.points.filter((p) => p.step < step);
      // The file holds the whole path only when it starts at step 0 and has every step up to the checkpoint.
      if (kept.length === step && kept.every((p, i) => p.step === i)) this.points.push(...kept);
    }
    this.points.push({ step, w: start.w, b: start.b });
  }

  /** Records the position after step `step`. */
  push(step: number, pos: { w: number; b: number }): void {
    this.points.push({ step, w: pos.w, b: pos.b });
  }

  /** The trajectory so far. */
  get trajectory(): CliffTrajectory {
    return cliffTrajectory(this.points);
  }
}

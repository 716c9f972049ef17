/**
 * The loss surface of Pascanu, Mikolov & Bengio 2013's cliff (arXiv
 * 1211.5063, section 2.3, Fig. 6) with the runs' paths on it (pure, no Vega
 * or DOM: shared by the report and the dashboard). The one-unit RNN
 * `x_t = w·sigmoid(x_{t−1}) + b`, 50 steps from x_0 = 0.5, has the loss
 * `E(w, b) = (sigmoid(x_50) − 0.7)²`, tabulated in float64 by `cliffSurface`
 * (`tasks/data/cliff.ts`) over a window that holds the wall and every path.
 *
 * @module
 */
import { cliffSurface, cliffWallBias } from '../tasks/data/cliff.js';
import type { TrajectoryPoint } from '../run-folder/trajectory-codec.js';

/** The (w, b) window of a surface chart. */
export interface CliffWindow {
  wMin: number;
  wMax: number;
  bMin: number;
  bMax: number;
}

/**
 * The window shown when no path leaves it: w in [−3, 15], b in [−10, 2],
 * `cliffSurface`'s default, which holds the wall `b = cliffWallBias(w)` for
 * the w where it is a cliff (w·sigmoid′(0.5) > 1, w > 4.25) and the valley of
 * the minimum near (4, −1.9).
 */
export const DEFAULT_CLIFF_WINDOW: Readonly<CliffWindow> = Object.freeze({ wMin: -3, wMax: 15, bMin: -10, bMax: 2 });

/** Widest window span in w and in b: a path that runs further is drawn up to the edge only. */
export const MAX_CLIFF_SPAN = 200;

/**
 * The window of a surface chart: {@link DEFAULT_CLIFF_WINDOW} grown to hold
 * every finite point of `paths`, plus 4% padding on each side, each span at
 * most {@link MAX_CLIFF_SPAN} (kept around the default window).
 */
export function cliffWindow(paths: readonly (readonly TrajectoryPoint[])[]): CliffWindow {
  let { wMin, wMax, bMin, bMax } = DEFAULT_CLIFF_WINDOW;
  for (const p of paths.flat()) {
    if (!Number.isFinite(p.w) || !Number.isFinite(p.b)) continue;
    wMin = Math.min(wMin, p.w);
    wMax = Math.max(wMax, p.w);
    bMin = Math.min(bMin, p.b);
    bMax = Math.max(bMax, p.b);
  }
  const pad = (lo: number, hi: number, dlo: number, dhi: number): [number, number] => {
    const clampLo = Math.max(lo, dhi - MAX_CLIFF_SPAN);
    const clampHi = Math.min(hi, dlo + MAX_CLIFF_SPAN);
    const span = clampHi - clampLo;
    return [clampLo - 0.04 * span, clampHi + 0.04 * span];
  };
  const [w0, w1] = pad(wMin, wMax, DEFAULT_CLIFF_WINDOW.wMin, DEFAULT_CLIFF_WINDOW.wMax);
  const [b0, b1] = pad(bMin, bMax, DEFAULT_CLIFF_WINDOW.bMin, DEFAULT_CLIFF_WINDOW.bMax);
  return { wMin: w0, wMax: w1, bMin: b0, bMax: b1 };
}

/** One cell of the surface grid. */
export interface SurfaceCell {
  /** Cell edges. */
  w0: number;
  w1: number;
  b0: number;
  b1: number;
  /** Centre of the cell, where E was evaluated. */
  w: number;
  b: number;
  /** E(w, b) (float64, from `cliffLossAndGrad`). */
  loss: number;
}

/**
 * The surface E(w, b) on an `nw × nb` grid of cells covering `win`: each
 * cell evaluated at its centre with the float64 reference (`cliffSurface`).
 */
export function surfaceCells(win: CliffWindow, nw: number, nb: number): SurfaceCell[] {
  const dw = (win.wMax - win.wMin) / nw;
  const db = (win.bMax - win.bMin) / nb;
  const s = cliffSurface({ wMin: win.wMin + dw / 2, wMax: win.wMax - dw / 2, bMin: win.bMin + db / 2, bMax: win.bMax - db / 2, nw, nb });
  const out: SurfaceCell[] = [];
  for (let i = 0; i < nb; i++) {
    for (let j = 0; j < nw; j++) {
      const loss = s.loss[i * nw + j];
      out.push({ w0: s.w[j] - dw / 2, w1: s.w[j] + dw / 2, b0: s.b[i] - db / 2, b1: s.b[i] + db / 2, w: s.w[j], b: s.b[i], loss });
    }
  }
  return out;
}

/** The wall `b = cliffWallBias(w)` where it is a cliff (w > 4.25, inside the window), as `n` points. */
export function wallLine(win: CliffWindow, n = 40): { w: number; b: number }[] {
  // sigmoid'(0.5) = s(1 − s) with s = sigmoid(0.5): the fixed point x = 0.5 is unstable for w above 1 / sigmoid'(0.5).
  const s = 1 / (1 + Math.exp(-0.5));
  const from = Math.max(win.wMin, 1 / (s * (1 - s)));
  const out: { w: number; b: number }[] = [];
  if (from >= win.wMax) return out;
  for (let i = 0; i < n; i++) {
    const w = from + ((win.wMax - from) * i) / (n - 1);
    const b = cliffWallBias(w);
    if (b >= win.bMin && b <= win.bMax) out.push({ w, b });
  }
  return out;
}

/** The largest single move of a path, when it stands out. */
export interface PathJump {
  /** The step that made it (its point is the position after that step). */
  step: number;
  /** Euclidean length of the move in (w, b). */
  size: number;
  /** Median move of the path. */
  median: number;
  /** Where it started and landed. */
  from: TrajectoryPoint;
  to: TrajectoryPoint;
}

/**
 * The largest move of a path when it is at least `factor` times its median
 * move (the unclipped step that jumps off the cliff), else null.
 */
export function largestJump(points: readonly TrajectoryPoint[], factor = 10): PathJump | null {
  const moves: { i: number; size: number }[] = [];
  for (let i = 1; i < points.length; i++) {
    const size = Math.hypot(points[i].w - points[i - 1].w, points[i].b - points[i - 1].b);
    if (Number.isFinite(size)) moves.push({ i, size });
  }
  if (moves.length === 0) return null;
  const sorted = moves.map((m) => m.size).sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  const best = moves.reduce((a, m) => (m.size > a.size ? m : a));
  if (!(best.size > 0) || best.size < factor * median) return null;
  return { step: points[best.i].step, size: best.size, median, from: points[best.i - 1], to: points[best.i] };
}

/**
 * At most `maxPoints` points of a path, in order: evenly spaced ones, the
 * first and last, and both ends of its {@link largestJump}.
 */
export function thinPath(points: readonly TrajectoryPoint[], maxPoints: number): TrajectoryPoint[] {
  if (points.length <= maxPoints) return [...points];
  const keep = new Set<number>([0, points.length - 1]);
  const jump = largestJump(points);
  if (jump !== null) {
    const i = points.findIndex((p) => p.step === jump.step);
    keep.add(i).add(i - 1);
  }
  const k = Math.max(2, maxPoints - keep.size);
  for (let j = 0; j < k; j++) keep.add(Math.round((j * (points.length - 1)) / (k - 1)));
  return [...keep].sort((a, b) => a - b).map((i) => points[i]);
}

/**
 * The one-unit recurrent network of Pascanu, Mikolov & Bengio 2013 (arXiv
 * 1211.5063, section 2.3, eq. (8) and Fig. 6), whose error surface has the
 * "cliff" (high-curvature wall) that motivates gradient norm clipping:
 *
 *   x_t = w * sigmoid(x_{t-1}) + b,   t = 1..T,   no input,
 *   E   = (sigmoid(x_T) - 0.7)^2,
 *
 * with T = 50 and initial state x_0 = 0.5 as in the paper ("Fig. 6 shows the
 * error surface E_50 = (sigma(x_50) - 0.7)^2, where x_0 = .5").
 *
 * Everything here is float64 scalar math on plain numbers (no TF.js): the
 * forward pass, the analytic back-propagation-through-time gradient, and a
 * helper that tabulates loss and gradient norm over a (w, b) grid.
 *
 * Where the cliff comes from: x_0 = 0.5 is itself a fixed point of
 * `x -> w sigmoid(x) + b` when `b = b*(w) = 0.5 - w sigmoid(0.5)` (see
 * {@link cliffWallBias}). For `w sigmoid'(0.5) > 1` (w > about 4.25) that fixed
 * point is unstable and separates the basins of two attractors, so for b just
 * below b* the state runs to the low attractor and for b just above it to the
 * high one: sigmoid(x_50) jumps, and dE/d(w, b) grows like the product of the
 * 50 Jacobians `w sigmoid'(x_t)` (up to about 1e17 at w = 10), while a little
 * away from the line it is around 1e-2. That line is the wall of Fig. 6.
 */

/** Paper constants of the cliff problem. */
export const CLIFF_DEFAULTS = Object.freeze({
  /** Initial state x_0 (paper, section 2.3). */
  x0: 0.5,
  /** Number of recurrent steps T. */
  steps: 50,
  /** Target value of sigmoid(x_T). */
  target: 0.7,
});

/** Human description of the cliff problem (for the CLI and reports). */
export const CLIFF_DESCRIPTION =
  'Cliff (Pascanu, Mikolov & Bengio 2013, section 2.3, Fig. 6): a one-unit RNN without input, ' +
  'x_t = w*sigmoid(x_{t-1}) + b with x_0 = 0.5, run for 50 steps; loss E = (sigmoid(x_50) - 0.7)^2 ' +
  'over the two parameters (w, b). Its error surface is flat almost everywhere with steep walls where ' +
  'the final state switches attractor; there the gradient explodes and an unclipped SGD step jumps far away.';

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function checkArgs(w: number, b: number, x0: number, steps: number): void {
  if (!Number.isFinite(w)) throw new Error(`cliff: w must be a finite number, got ${w}`);
  if (!Number.isFinite(b)) throw new Error(`cliff: b must be a finite number, got ${b}`);
  if (!Number.isFinite(x0)) throw new Error(`cliff: x0 must be a finite number, got ${x0}`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`cliff: steps must be an integer >= 1, got ${steps}`);
}

/** Result of {@link cliffForward}. */
export interface CliffTrace {
  /** States x_0 .. x_T (length T + 1). */
  xs: Float64Array;
  /** E = (sigmoid(x_T) - target)^2. */
  loss: number;
}

/**
 * Runs `x_t = w * sigmoid(x_{t-1}) + b` for `steps` steps from `x0` and returns
 * every state and the loss `(sigmoid(x_T) - 0.7)^2` (float64).
 *
 * @param w recurrent weight.
 * @param b bias.
 * @param x0 initial state. @default 0.5
 * @param steps T. @default 50
 */
export function cliffForward(w: number, b: number, x0: number = CLIFF_DEFAULTS.x0, steps: number = CLIFF_DEFAULTS.steps): CliffTrace {
  checkArgs(w, b, x0, steps);
  const xs = new Float64Array(steps + 1);
  xs[0] = x0;
  for (let t = 1; t <= steps; t++) xs[t] = w * sigmoid(xs[t - 1]) + b;
  const e = sigmoid(xs[steps]) - CLIFF_DEFAULTS.target;
  return { xs, loss: e * e };
}

/** Result of {@link cliffLossAndGrad}. */
export interface CliffLossAndGrad {
  /** E = (sigmoid(x_T) - 0.7)^2. */
  loss: number;
  /** dE/dw. */
  dw: number;
  /** dE/db. */
  db: number;
  /** dE/dx_0. */
  dx0: number;
  /** Final state x_T. */
  xT: number;
}

/**
 * Loss and exact gradient of the cliff problem by back-propagation through
 * time, in float64.
 *
 * With `s_t = sigmoid(x_t)` and `delta_t = dE/dx_t`:
 *   delta_T     = 2 (s_T - 0.7) s_T (1 - s_T),
 *   dE/dw       = sum_{t=1..T} delta_t s_{t-1},
 *   dE/db       = sum_{t=1..T} delta_t,
 *   delta_{t-1} = delta_t * w * s_{t-1} (1 - s_{t-1})   (down to delta_0 = dE/dx_0).
 *
 * @param w recurrent weight.
 * @param b bias.
 * @param x0 initial state. @default 0.5
 * @param steps T. @default 50
 */
export function cliffLossAndGrad(
  w: number,
  b: number,
  x0: number = CLIFF_DEFAULTS.x0,
  steps: number = CLIFF_DEFAULTS.steps,
): CliffLossAndGrad {
  const { xs, loss } = cliffForward(w, b, x0, steps);
  const sT = sigmoid(xs[steps]);
  let delta = 2 * (sT - CLIFF_DEFAULTS.target) * sT * (1 - sT);
  let dw = 0;
  let db = 0;
  for (let t = steps; t >= 1; t--) {
    const sPrev = sigmoid(xs[t - 1]);
    dw += delta * sPrev;
    db += delta;
    delta = delta * w * sPrev * (1 - sPrev);
  }
  return { loss, dw, db, dx0: delta, xT: xs[steps] };
}

/**
 * The bias at which the wall of the cliff sits for a given w: the b for which
 * x0 is a fixed point, `b*(w) = x0 - w * sigmoid(x0)`. When
 * `w sigmoid(x0) (1 - sigmoid(x0)) > 1` this fixed point is unstable and the
 * loss is discontinuous in the limit T -> infinity across `b = b*(w)`.
 *
 * @param w recurrent weight.
 * @param x0 initial state. @default 0.5
 */
export function cliffWallBias(w: number, x0: number = CLIFF_DEFAULTS.x0): number {
  return x0 - w * sigmoid(x0);
}

/** Grid of {@link cliffSurface}. */
export interface CliffSurfaceOptions {
  /** Smallest w. @default -3 */
  wMin?: number;
  /** Largest w. @default 15 */
  wMax?: number;
  /** Smallest b. @default -10 */
  bMin?: number;
  /** Largest b. @default 2 */
  bMax?: number;
  /** Number of w values (>= 2). @default 61 */
  nw?: number;
  /** Number of b values (>= 2). @default 61 */
  nb?: number;
  /** Initial state. @default 0.5 */
  x0?: number;
  /** Number of steps. @default 50 */
  steps?: number;
}

/** Loss and gradient norm over a (w, b) grid, row-major `[nb, nw]` (row = one b). */
export interface CliffSurface {
  /** The nw w values, evenly spaced from wMin to wMax. */
  w: Float64Array;
  /** The nb b values, evenly spaced from bMin to bMax. */
  b: Float64Array;
  /** E at (b[i], w[j]) stored at `i * nw + j`. */
  loss: Float64Array;
  /** `sqrt(dE/dw^2 + dE/db^2)` at the same index. */
  gradNorm: Float64Array;
}

/**
 * Tabulates the error surface of Fig. 6 (loss and gradient norm) on an even
 * grid. The default window contains the wall `b = cliffWallBias(w)`; the wall
 * is much thinner than a grid cell for large w, so a grid shows it as a jump
 * in the loss between neighbouring rows rather than as its peak gradient
 * (evaluate {@link cliffLossAndGrad} near `cliffWallBias(w)` for that).
 */
export function cliffSurface(opts: CliffSurfaceOptions = {}): CliffSurface {
  const { wMin = -3, wMax = 15, bMin = -10, bMax = 2, nw = 61, nb = 61 } = opts;
  const x0 = opts.x0 ?? CLIFF_DEFAULTS.x0;
  const steps = opts.steps ?? CLIFF_DEFAULTS.steps;
  if (!Number.isInteger(nw) || nw < 2) throw new Error(`cliffSurface: nw must be an integer >= 2, got ${nw}`);
  if (!Number.isInteger(nb) || nb < 2) throw new Error(`cliffSurface: nb must be an integer >= 2, got ${nb}`);
  if (!(wMin < wMax)) throw new Error(`cliffSurface: wMin must be < wMax, got wMin=${wMin}, wMax=${wMax}`);
  if (!(bMin < bMax)) throw new Error(`cliffSurface: bMin must be < bMax, got bMin=${bMin}, bMax=${bMax}`);
  const w = new Float64Array(nw);
  const b = new Float64Array(nb);
  for (let j = 0; j < nw; j++) w[j] = wMin + ((wMax - wMin) * j) / (nw - 1);
  for (let i = 0; i < nb; i++) b[i] = bMin + ((bMax - bMin) * i) / (nb - 1);
  const loss = new Float64Array(nw * nb);
  const gradNorm = new Float64Array(nw * nb);
  for (let i = 0; i < nb; i++) {
    for (let j = 0; j < nw; j++) {
      const g = cliffLossAndGrad(w[j], b[i], x0, steps);
      loss[i * nw + j] = g.loss;
      gradNorm[i * nw + j] = Math.hypot(g.dw, g.db);
    }
  }
  return { w, b, loss, gradNorm };
}

/**
 * Float64 statistics on plain number arrays: loop-based extrema, percentiles
 * with NumPy's default interpolation, Welford mean/variance, ZClip's EMA
 * mean/variance step, a fixed-capacity rolling window with trailing medians,
 * and the median absolute deviation.
 *
 * This module imports nothing from TF.js; every value is a JS `number`
 * (IEEE-754 float64).
 *
 * **Non-finite policy.** Functions that summarise a sample (`median`,
 * `mean`, `variance`, `mad`, ...) reject NaN and ±Infinity with an
 * error naming the offending index: a NaN would otherwise silently poison the
 * result (NumPy returns NaN) and an infinite value makes interpolation
 * undefined. Drop non-finite values first.
 *
 * @module
 */

/** Throws unless every entry of `values` is a finite number; `fn` names the caller in the message. */
function assertFiniteArray(values: readonly number[], fn: string, arg = 'values'): void {
  if (!Array.isArray(values)) {
    throw new Error(`${fn}: ${arg} must be an array of numbers, got ${typeof values}`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(
        `${fn}: ${arg}[${i}] is ${String(v)}; every value must be a finite number ` +
          `(drop non-finite values first, e.g. with splitFinite)`,
      );
    }
  }
}

function assertNonEmpty(values: readonly number[], fn: string, arg = 'values'): void {
  if (values.length === 0) throw new Error(`${fn}: ${arg} must not be empty`);
}

function assertPercentile(p: number, fn: string): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 100)) {
    throw new Error(`${fn}: percentile must be in [0, 100], got ${String(p)}`);
  }
}

/**
 * `max_i values_i` by a loop (`-Infinity` for an empty list), like
 * `Math.max(...values)` without spreading the list into arguments, which
 * throws "Maximum call stack size exceeded" past ~100k values.
 */
export function maxOf(values: readonly number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > m || Number.isNaN(v)) m = Number.isNaN(m) ? m : v;
  return m;
}

/** `min_i values_i` by a loop (`Infinity` for an empty list); see {@link maxOf}. */
export function minOf(values: readonly number[]): number {
  let m = Number.POSITIVE_INFINITY;
  for (const v of values) if (v < m || Number.isNaN(v)) m = Number.isNaN(m) ? m : v;
  return m;
}

/**
 * Percentile of an **already sorted** (ascending), finite, non-empty sample,
 * with linear interpolation exactly as NumPy's default
 * `np.percentile(a, p, method='linear')` (Hyndman & Fan 1996, definition 7):
 *
 * ```
 * h = (n - 1) * (p / 100),  j = floor(h),  g = h - j
 * Q = x[j] + g * (x[j+1] - x[j])        if g <  0.5
 * Q = x[j+1] - (1 - g) * (x[j+1] - x[j]) if g >= 0.5   (NumPy's _lerp, for monotonicity)
 * Q = x[n-1]                            if h >= n - 1
 * ```
 *
 * No validation of sortedness or finiteness is done (this is the inner loop
 * of {@link median} and of AutoClip's and recommendThreshold's percentiles);
 * `p` is validated.
 *
 * Source: `numpy/lib/_function_base_impl.py` (`_quantile`, `_lerp`);
 * R. J. Hyndman and Y. Fan, "Sample Quantiles in Statistical Packages",
 * The American Statistician 50(4), 1996.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  assertPercentile(p, 'percentileOfSorted');
  const n = sorted.length;
  if (n === 0) throw new Error('percentileOfSorted: sorted must not be empty');
  const h = (n - 1) * (p / 100);
  if (h >= n - 1) return sorted[n - 1];
  const j = Math.floor(h);
  const g = h - j;
  const a = sorted[j];
  const b = sorted[j + 1];
  const d = b - a;
  return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

/** Median of a finite, non-empty sample: `percentile(values, 50)` (mean of the two middle values for even n). */
export function median(values: readonly number[]): number {
  assertFiniteArray(values, 'median');
  assertNonEmpty(values, 'median');
  return percentileOfSorted(Float64Array.from(values).sort(), 50);
}

/**
 * Welford's one-pass mean and sum of squared deviations `m2 = Σ (x_i - mean)^2`
 * of finite values: per value `n' = n + 1`, `δ = x - mean`,
 * `mean' = mean + δ / n'`, `m2' = m2 + δ * (x - mean')`.
 *
 * Source: B. P. Welford, "Note on a method for calculating corrected sums of
 * squares and products", Technometrics 4(3), 1962; Knuth, TAOCP vol. 2, 4.2.2.
 */
function welford(values: readonly number[]): { count: number; mean: number; m2: number } {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (const x of values) {
    count = count + 1;
    const delta = x - mean;
    mean = mean + delta / count;
    m2 = m2 + delta * (x - mean);
  }
  return { count, mean, m2 };
}

/** Mean of a finite, non-empty sample (Welford's update, stable for large offsets). */
export function mean(values: readonly number[]): number {
  assertFiniteArray(values, 'mean');
  assertNonEmpty(values, 'mean');
  return welford(values).mean;
}

/** Options of {@link variance}. */
export interface VarianceOptions {
  /**
   * Delta degrees of freedom: the divisor is `n - ddof` (0 = population
   * variance as `np.var`, 1 = sample variance as `statistics.variance`).
   * @default 0
   */
  ddof?: number;
}

/**
 * Variance `Σ (x_i - mean)^2 / (n - ddof)` computed with Welford's algorithm.
 *
 * @throws on non-finite input, or fewer than `ddof + 1` values.
 */
export function variance(values: readonly number[], opts: VarianceOptions = {}): number {
  const ddof = opts.ddof ?? 0;
  assertFiniteArray(values, 'variance');
  if (!Number.isInteger(ddof) || ddof < 0) {
    throw new Error(`variance: ddof must be a non-negative integer, got ${String(ddof)}`);
  }
  if (values.length <= ddof) {
    throw new Error(`variance: need more than ddof=${ddof} values, got ${values.length}`);
  }
  const s = welford(values);
  return s.m2 / (s.count - ddof);
}

/** Standard deviation, `sqrt(variance(values, opts))`. */
export function std(values: readonly number[], opts: VarianceOptions = {}): number {
  return Math.sqrt(variance(values, opts));
}

function assertDecay(decay: number, fn: string): void {
  if (typeof decay !== 'number' || !(decay >= 0 && decay < 1)) {
    throw new Error(`${fn}: decay must be in [0, 1), got ${String(decay)}`);
  }
}

/** EMA estimate of a mean and a variance (see {@link emaMomentsUpdate}). */
export interface EmaMoments {
  readonly mean: number;
  readonly variance: number;
}

/**
 * One step of the EMA mean/variance pair used by ZClip (Kumar et al. 2025,
 * arXiv 2504.02507, Algorithm 1): the mean first, then the variance around the
 * **updated** mean:
 *
 * ```
 * mean'     = decay * mean + (1 - decay) * x
 * variance' = decay * variance + (1 - decay) * (x - mean')^2
 * ```
 */
export function emaMomentsUpdate(state: EmaMoments, x: number, decay: number): EmaMoments {
  assertDecay(decay, 'emaMomentsUpdate');
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new Error(`emaMomentsUpdate: x must be a finite number, got ${String(x)}`);
  }
  const m = decay * state.mean + (1 - decay) * x;
  const d = x - m;
  return { mean: m, variance: decay * state.variance + (1 - decay) * d * d };
}

/**
 * Appends `x` to a window of at most `capacity` values and returns a **new**
 * array (oldest first); the oldest value is dropped when full. Handy for
 * immutable transform state: `state.history = rollingPush(state.history, norm, 128)`.
 * O(capacity) per call.
 *
 * @throws if `capacity` is not a positive integer.
 */
export function rollingPush(window: readonly number[], x: number, capacity: number): number[] {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new Error(`rollingPush: capacity must be a positive integer, got ${String(capacity)}`);
  }
  const start = Math.max(0, window.length + 1 - capacity);
  const out = window.slice(start);
  out.push(x);
  return out;
}

/**
 * For every index `i`, the median of the **previous** `window` values
 * `values[max(0, i - window) .. i - 1]` (NaN when there are fewer than
 * `minHistory` of them). Non-finite values are skipped when building the
 * history (they neither count toward `minHistory` nor enter the median).
 *
 * This is the baseline of a "k × running median" spike rule: the current
 * value is compared with statistics that do not include it.
 *
 * @param minHistory minimum number of finite previous values (default 1).
 */
export function trailingMedians(values: readonly number[], window: number, minHistory = 1): number[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new Error(`trailingMedians: window must be a positive integer, got ${String(window)}`);
  }
  if (!Number.isInteger(minHistory) || minHistory < 1 || minHistory > window) {
    throw new Error(`trailingMedians: minHistory must be an integer in [1, window=${window}], got ${String(minHistory)}`);
  }
  const out: number[] = [];
  let hist: number[] = [];
  for (const v of values) {
    out.push(hist.length >= minHistory ? percentileOfSorted(Float64Array.from(hist).sort(), 50) : Number.NaN);
    if (Number.isFinite(v)) hist = rollingPush(hist, v, window);
  }
  return out;
}

/**
 * Scale factor that makes the MAD a consistent estimator of the standard
 * deviation for normal data: `1 / Φ⁻¹(3/4) ≈ 1.482602218505602`
 * (as `scipy.stats.median_abs_deviation(scale='normal')`).
 */
export const MAD_NORMAL_SCALE = 1.482602218505602;

/** Options of {@link mad}. */
export interface MadOptions {
  /**
   * Multiplier applied to the raw MAD; pass {@link MAD_NORMAL_SCALE} to
   * estimate a standard deviation.
   * @default 1
   */
  scale?: number;
}

/**
 * Median absolute deviation `scale * median(|x_i - median(x)|)`, a robust
 * spread estimate with a 50% breakdown point (Hampel 1974; Rousseeuw & Croux
 * 1993). Finite, non-empty input only.
 */
export function mad(values: readonly number[], opts: MadOptions = {}): number {
  const scale = opts.scale ?? 1;
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) {
    throw new Error(`mad: scale must be a finite number > 0, got ${String(scale)}`);
  }
  assertFiniteArray(values, 'mad');
  assertNonEmpty(values, 'mad');
  const m = median(values);
  return scale * median(values.map((v) => Math.abs(v - m)));
}

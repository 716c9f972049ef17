/**
 * Float64 statistics on plain number arrays: percentiles with NumPy's default
 * interpolation, Welford mean/variance, exponential moving averages, a
 * fixed-capacity rolling window, robust statistics (median absolute
 * deviation) and log-space summaries.
 *
 * This module imports nothing from TF.js; every value is a JS `number`
 * (IEEE-754 float64).
 *
 * **Non-finite policy.** Functions that summarise a sample (`percentile`,
 * `median`, `mean`, `variance`, `mad`, ...) reject NaN and ±Infinity with an
 * error naming the offending index: a NaN would otherwise silently poison the
 * result (NumPy returns NaN) and an infinite value makes interpolation
 * undefined. Filter first with {@link splitFinite}, which also tells you how
 * many values were dropped. {@link logSpaceStats} is the exception: it is
 * meant for raw gradient norms and reports what it excluded instead of
 * throwing.
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

/** Result of {@link splitFinite}. */
export interface FiniteSplit {
  /** The finite values, in their original order. */
  finite: number[];
  /** Indices (into the input) of the NaN / ±Infinity values that were dropped. */
  nonFiniteIndices: number[];
}

/**
 * Separates finite values from NaN / ±Infinity, keeping order. Use it before
 * the summary functions of this module, which reject non-finite input.
 */
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

export function splitFinite(values: readonly number[]): FiniteSplit {
  if (!Array.isArray(values)) {
    throw new Error(`splitFinite: values must be an array of numbers, got ${typeof values}`);
  }
  const finite: number[] = [];
  const nonFiniteIndices: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) finite.push(v);
    else nonFiniteIndices.push(i);
  }
  return { finite, nonFiniteIndices };
}

/** Returns a sorted (ascending) copy; the input is not modified. */
export function sortedCopy(values: readonly number[]): number[] {
  return Array.from(Float64Array.from(values).sort());
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
 * of {@link percentile} and {@link percentiles}); `p` is validated.
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

/**
 * The `p`-th percentile of `values` (0 ≤ p ≤ 100) with NumPy's default linear
 * interpolation (see {@link percentileOfSorted} for the formula). Matches
 * `np.percentile(values, p)` bit for bit on finite float64 input.
 *
 * @param values finite numbers, any order, at least one (not modified).
 * @param p percentile in [0, 100].
 * @throws if `values` is empty or holds a non-finite number, or `p` is outside [0, 100].
 */
export function percentile(values: readonly number[], p: number): number {
  assertPercentile(p, 'percentile');
  assertFiniteArray(values, 'percentile');
  assertNonEmpty(values, 'percentile');
  return percentileOfSorted(Float64Array.from(values).sort(), p);
}

/**
 * Several percentiles of one sample, sorting once. Same rule and validation
 * as {@link percentile}; the result is in the order of `ps`.
 */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  assertFiniteArray(values, 'percentiles');
  assertNonEmpty(values, 'percentiles');
  for (const p of ps) assertPercentile(p, 'percentiles');
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => percentileOfSorted(sorted, p));
}

/** Median of a finite, non-empty sample: `percentile(values, 50)` (mean of the two middle values for even n). */
export function median(values: readonly number[]): number {
  assertFiniteArray(values, 'median');
  assertNonEmpty(values, 'median');
  return percentileOfSorted(Float64Array.from(values).sort(), 50);
}

/**
 * Running state of Welford's online algorithm for the mean and the sum of
 * squared deviations. Immutable: {@link welfordUpdate} returns a new record.
 *
 * Source: B. P. Welford, "Note on a method for calculating corrected sums of
 * squares and products", Technometrics 4(3), 1962; Knuth, TAOCP vol. 2, 4.2.2.
 */
export interface WelfordState {
  /** Number of values seen. */
  readonly count: number;
  /** Mean of the values seen (0 when `count` is 0). */
  readonly mean: number;
  /** Sum of squared deviations from the mean, `Σ (x_i - mean)^2`. */
  readonly m2: number;
}

/** The empty Welford state (`count = 0`). */
export function welfordInit(): WelfordState {
  return { count: 0, mean: 0, m2: 0 };
}

/**
 * Adds one value: `n' = n + 1`, `δ = x - mean`, `mean' = mean + δ / n'`,
 * `m2' = m2 + δ * (x - mean')`.
 *
 * @throws if `x` is not finite.
 */
export function welfordUpdate(state: WelfordState, x: number): WelfordState {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new Error(`welfordUpdate: x must be a finite number, got ${String(x)}`);
  }
  const count = state.count + 1;
  const delta = x - state.mean;
  const mean = state.mean + delta / count;
  const m2 = state.m2 + delta * (x - mean);
  return { count, mean, m2 };
}

/**
 * Variance of a Welford state, `m2 / (count - ddof)`.
 *
 * @param ddof delta degrees of freedom: 0 for the population variance (NumPy's default), 1 for the sample variance.
 * @throws if `count - ddof <= 0`.
 */
export function welfordVariance(state: WelfordState, ddof = 0): number {
  if (!Number.isInteger(ddof) || ddof < 0) {
    throw new Error(`welfordVariance: ddof must be a non-negative integer, got ${String(ddof)}`);
  }
  if (state.count - ddof <= 0) {
    throw new Error(`welfordVariance: need more than ddof=${ddof} values, got ${state.count}`);
  }
  return state.m2 / (state.count - ddof);
}

/** Mean of a finite, non-empty sample (Welford's update, stable for large offsets). */
export function mean(values: readonly number[]): number {
  assertFiniteArray(values, 'mean');
  assertNonEmpty(values, 'mean');
  let s = welfordInit();
  for (const v of values) s = welfordUpdate(s, v);
  return s.mean;
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
  let s = welfordInit();
  for (const v of values) s = welfordUpdate(s, v);
  return welfordVariance(s, ddof);
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

/**
 * State of an exponential moving average started at zero, with the count of
 * updates so that it can be bias-corrected like Adam's moments.
 */
export interface EmaState {
  /** The raw (biased toward 0) average. */
  readonly value: number;
  /** Number of updates applied. */
  readonly count: number;
}

/** The empty EMA state (`value = 0`, `count = 0`). */
export function emaInit(): EmaState {
  return { value: 0, count: 0 };
}

/**
 * One EMA step: `value' = decay * value + (1 - decay) * x`.
 * `decay` is the weight of the past (0.97 in ZClip, β in Adam).
 *
 * @throws if `decay` is outside [0, 1) or `x` is not finite.
 */
export function emaUpdate(state: EmaState, x: number, decay: number): EmaState {
  assertDecay(decay, 'emaUpdate');
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new Error(`emaUpdate: x must be a finite number, got ${String(x)}`);
  }
  return { value: decay * state.value + (1 - decay) * x, count: state.count + 1 };
}

/**
 * Bias-corrected EMA value `value / (1 - decay^count)` (Kingma & Ba 2014,
 * arXiv 1412.6980, section 3). The EMA of a constant sequence is that
 * constant after every update.
 *
 * @throws if no update has been applied yet (`count = 0`).
 */
export function emaDebiased(state: EmaState, decay: number): number {
  assertDecay(decay, 'emaDebiased');
  if (state.count === 0) throw new Error('emaDebiased: the EMA has no updates yet (count = 0)');
  return state.value / (1 - Math.pow(decay, state.count));
}

/** Options of {@link emaSeries}. */
export interface EmaSeriesOptions {
  /**
   * Divide by `1 - decay^t` so that early values are not biased toward 0.
   * @default true
   */
  debias?: boolean;
}

/**
 * The EMA after each value of `values` (same length):
 * `m_t = decay * m_{t-1} + (1 - decay) * x_t`, `m_0 = 0`, optionally
 * bias-corrected by `1 - decay^t`. Useful for smoothing loss curves.
 */
export function emaSeries(values: readonly number[], decay: number, opts: EmaSeriesOptions = {}): number[] {
  assertDecay(decay, 'emaSeries');
  assertFiniteArray(values, 'emaSeries');
  const debias = opts.debias ?? true;
  const out: number[] = [];
  let s = emaInit();
  for (const v of values) {
    s = emaUpdate(s, v, decay);
    out.push(debias ? emaDebiased(s, decay) : s.value);
  }
  return out;
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
 * O(capacity) per call; use {@link RingBuffer} for large windows.
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
 * Fixed-capacity ring buffer of numbers with O(1) `push`; when full, a push
 * overwrites the oldest value. {@link RingBuffer.toArray} returns the
 * contents oldest first as a new array, and {@link RingBuffer.clone} a copy,
 * so callers that keep immutable state can snapshot it.
 */
export class RingBuffer {
  /** Maximum number of values held. */
  readonly capacity: number;
  private readonly buf: Float64Array;
  private start = 0;
  private len = 0;

  /** @throws if `capacity` is not a positive integer. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`RingBuffer: capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    this.buf = new Float64Array(capacity);
  }

  /** Number of values currently held (≤ capacity). */
  get size(): number {
    return this.len;
  }

  /** True when `size === capacity`. */
  get full(): boolean {
    return this.len === this.capacity;
  }

  /** Appends `x`, dropping the oldest value when full; returns `this`. */
  push(x: number): this {
    if (this.len < this.capacity) {
      this.buf[(this.start + this.len) % this.capacity] = x;
      this.len++;
    } else {
      this.buf[this.start] = x;
      this.start = (this.start + 1) % this.capacity;
    }
    return this;
  }

  /** The `i`-th value, oldest first (`i` in `[0, size)`). */
  get(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.len) {
      throw new Error(`RingBuffer.get: index must be an integer in [0, ${this.len}), got ${String(i)}`);
    }
    return this.buf[(this.start + i) % this.capacity];
  }

  /** The contents, oldest first, as a new array. */
  toArray(): number[] {
    const out: number[] = new Array<number>(this.len);
    for (let i = 0; i < this.len; i++) out[i] = this.buf[(this.start + i) % this.capacity];
    return out;
  }

  /** An independent copy with the same contents. */
  clone(): RingBuffer {
    const c = new RingBuffer(this.capacity);
    for (const v of this.toArray()) c.push(v);
    return c;
  }
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

/** Result of {@link robustZScores}. */
export interface RobustZ {
  /** Median of the sample. */
  center: number;
  /** `MAD_NORMAL_SCALE * MAD` (an estimate of σ for normal data). */
  sigma: number;
  /** `(x_i - center) / sigma` per value; ±Infinity (or NaN for x = center) when `sigma` is 0. */
  z: number[];
}

/**
 * Robust z-scores `(x - median) / (1.4826 * MAD)`, the outlier score of
 * Iglewicz & Hoaglin (1993, "How to Detect and Handle Outliers"), who flag
 * |z| > 3.5. Finite, non-empty input only.
 */
export function robustZScores(values: readonly number[]): RobustZ {
  assertFiniteArray(values, 'robustZScores');
  assertNonEmpty(values, 'robustZScores');
  const center = median(values);
  const sigma = mad(values, { scale: MAD_NORMAL_SCALE });
  return { center, sigma, z: values.map((v) => (v - center) / sigma) };
}

/** Result of {@link logSpaceStats}. All `log10*` fields are NaN when `count` is 0. */
export interface LogSpaceStats {
  /** Number of positive finite values used. */
  count: number;
  /** Values excluded: zero or negative (no logarithm). */
  nonPositive: number;
  /** Values excluded: NaN or ±Infinity. */
  nonFinite: number;
  /** Mean of `log10(x)`. */
  log10Mean: number;
  /** Population standard deviation of `log10(x)`. */
  log10Std: number;
  /** Median of `log10(x)` (equals `log10(median(x))` for odd counts). */
  log10Median: number;
  /** `1.4826 * MAD` of `log10(x)`: a robust σ in decades. */
  log10Sigma: number;
  /** Geometric mean `10^log10Mean`. */
  geometricMean: number;
  /** Smallest and largest positive finite value. */
  min: number;
  max: number;
}

/**
 * Summary of a positive quantity in log10 space (gradient norms span orders
 * of magnitude and are roughly log-normal, so spreads are best measured in
 * decades). Zero, negative and non-finite values are counted and excluded
 * rather than rejected, so raw norm series can be passed directly.
 */
export function logSpaceStats(values: readonly number[]): LogSpaceStats {
  if (!Array.isArray(values)) {
    throw new Error(`logSpaceStats: values must be an array of numbers, got ${typeof values}`);
  }
  const logs: number[] = [];
  let nonPositive = 0;
  let nonFinite = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) nonFinite++;
    else if (v <= 0) nonPositive++;
    else {
      logs.push(Math.log10(v));
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (logs.length === 0) {
    return {
      count: 0,
      nonPositive,
      nonFinite,
      log10Mean: Number.NaN,
      log10Std: Number.NaN,
      log10Median: Number.NaN,
      log10Sigma: Number.NaN,
      geometricMean: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
    };
  }
  const m = mean(logs);
  return {
    count: logs.length,
    nonPositive,
    nonFinite,
    log10Mean: m,
    log10Std: Math.sqrt(variance(logs)),
    log10Median: median(logs),
    log10Sigma: mad(logs, { scale: MAD_NORMAL_SCALE }),
    geometricMean: Math.pow(10, m),
    min,
    max,
  };
}

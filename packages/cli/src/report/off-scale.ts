/**
 * A y range that stays readable when one run of a comparison explodes
 * (pure, no Vega or DOM: shared by the report and the dashboard).
 *
 * On one log axis an unclipped run whose loss reaches 1e37 flattens a
 * clipped run's descent from 0.2 to 0.009 into a line. The rule: when some
 * runs diverged and at least one did not, the range is set by the runs that
 * did not diverge, with at least one decade of headroom on a log axis (the
 * top is the power of ten at or above ten times their largest value) and
 * half their span on a linear one; the diverged runs' values above it are off the scale
 * (the chart draws them as markers at its top edge and says so). In every
 * other case (one run, no run diverged, every run diverged) the range holds
 * every value and nothing is cut.
 *
 * @module
 */

/** One run's values for {@link readableRange}. */
export interface RangeInput {
  /** The values in step order; null, NaN and ±Inf are ignored (and values <= 0 on a log axis). */
  values: readonly (number | null)[];
  /** The run diverged (its summary's `diverged`, or a non-finite loss seen live). */
  diverged: boolean;
}

/** The range {@link readableRange} chose. */
export interface ReadableRange {
  /** Smallest usable value of any run. */
  min: number;
  /** Top of the range: the largest value shown on the scale. */
  max: number;
  /** True when some values lie above {@link max} (drawn off the scale). */
  cut: boolean;
  /** The largest value of any run (equal to {@link max} when nothing is cut). */
  dataMax: number;
}

/** Least headroom above the largest value of the runs that did not diverge, as a factor on a log axis (the top is then rounded up to a power of ten). */
export const LOG_HEADROOM = 10;
/** Headroom on a linear axis, as a fraction of the span of the runs that did not diverge. */
export const LINEAR_HEADROOM = 0.5;

function usable(v: number | null, log: boolean): v is number {
  return v !== null && Number.isFinite(v) && (!log || v > 0);
}

/**
 * The y range of a chart of `runs` (see the module comment): `null` when no
 * run has a usable value.
 *
 * @param log - the axis is logarithmic (only values > 0 count)
 */
export function readableRange(runs: readonly RangeInput[], log: boolean): ReadableRange | null {
  let min = Infinity;
  let dataMax = -Infinity;
  let stableMax = -Infinity;
  let stableMin = Infinity;
  let anyDiverged = false;
  let anyStable = false;
  for (const r of runs) {
    let has = false;
    for (const v of r.values) {
      if (!usable(v, log)) continue;
      has = true;
      if (v < min) min = v;
      if (v > dataMax) dataMax = v;
      if (!r.diverged) {
        if (v > stableMax) stableMax = v;
        if (v < stableMin) stableMin = v;
      }
    }
    if (!has) continue;
    if (r.diverged) anyDiverged = true;
    else anyStable = true;
  }
  if (!Number.isFinite(min)) return null;
  if (!anyDiverged || !anyStable) return { min, max: dataMax, cut: false, dataMax };
  const top = log ? 10 ** Math.ceil(Math.log10(stableMax * LOG_HEADROOM) - 1e-9) : stableMax + LINEAR_HEADROOM * Math.max(stableMax - stableMin, Math.abs(stableMax) * 1e-3, 1e-12);
  if (dataMax <= top) return { min, max: dataMax, cut: false, dataMax };
  return { min, max: top, cut: true, dataMax };
}

/** True when `v` is drawn off the scale of `range` (above its top). */
export function isOffScale(v: number | null, range: ReadableRange | null): boolean {
  return range !== null && range.cut && v !== null && Number.isFinite(v) && v > range.max;
}

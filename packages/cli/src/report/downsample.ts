/**
 * Downsampling of per-step series for charts: at most `maxPoints` points per
 * series while keeping spikes (the minimum and the maximum of every bucket,
 * the "min/max decimation" used by plotting libraries such as uPlot and
 * Chart.js) and the gaps left by non-finite values.
 *
 * @module
 */
import { GradclipArgumentError } from 'gradclip';

/** One point of a series; `y = null` (or a non-finite `y`) is a gap. */
export interface SeriesPoint {
  /** Position on the x axis (the step). */
  x: number;
  /** Value, or null where the line must break. */
  y: number | null;
}

/**
 * Min/max-per-bucket downsampling. Splits `points` (in x order) into `B`
 * buckets of consecutive indices, `B = floor(maxPoints / 2)` (or
 * `floor(maxPoints / 3)` when the series has gaps), and keeps from each
 * bucket the point with the smallest finite `y`, the one with the largest,
 * and its first gap (`y: null`), in their original order. The global
 * minimum and maximum are therefore always kept, every gap region keeps at
 * least one null (so lines still break there), and the result never has
 * more than `maxPoints` points. Series already short enough come back as a
 * copy with non-finite `y` turned into `null`.
 *
 * @param maxPoints an integer >= 3.
 */
export function downsampleMinMax(points: readonly SeriesPoint[], maxPoints: number): SeriesPoint[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 3) {
    throw new GradclipArgumentError(`downsampleMinMax: maxPoints must be an integer >= 3, got ${String(maxPoints)}`);
  }
  const clean = (p: SeriesPoint): SeriesPoint => ({ x: p.x, y: p.y !== null && Number.isFinite(p.y) ? p.y : null });
  const n = points.length;
  if (n <= maxPoints) return points.map(clean);
  const hasGap = points.some((p) => p.y === null || !Number.isFinite(p.y));
  const buckets = Math.floor(maxPoints / (hasGap ? 3 : 2));
  const out: SeriesPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    let iMin = -1;
    let iMax = -1;
    let iGap = -1;
    for (let i = lo; i < hi; i++) {
      const y = points[i].y;
      if (y === null || !Number.isFinite(y)) {
        if (iGap < 0) iGap = i;
        continue;
      }
      if (iMin < 0 || y < (points[iMin].y as number)) iMin = i;
      if (iMax < 0 || y > (points[iMax].y as number)) iMax = i;
    }
    const keep = [...new Set([iMin, iMax, iGap].filter((i) => i >= 0))].sort((a, c) => a - c);
    for (const i of keep) out.push(clean(points[i]));
  }
  return out;
}

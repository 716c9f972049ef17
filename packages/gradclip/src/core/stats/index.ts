/**
 * Float64 statistics on plain number arrays, one file per topic:
 *
 * - `extrema.ts`: {@link maxOf} / {@link minOf} by a loop (no argument spread);
 * - `quantiles.ts`: {@link percentileOfSorted} (NumPy's linear rule), {@link percentileAt} (the same through an accessor) and {@link median};
 * - `moments.ts`: {@link mean}, {@link variance}, {@link std} (Welford);
 * - `ema.ts`: {@link emaMomentsUpdate}, ZClip's EMA mean/variance step;
 * - `rolling.ts`: {@link rollingPush} and {@link trailingMedians};
 * - `robust.ts`: {@link mad} and {@link MAD_NORMAL_SCALE};
 * - `validate.ts`: the shared input checks (not re-exported).
 *
 * Nothing here imports TF.js; every value is a JS `number` (IEEE-754
 * float64). The sample summaries (`median`, `mean`, `variance`, `std`, `mad`)
 * reject NaN and ±Infinity with an error naming the offending index; drop
 * non-finite values first.
 *
 * @module
 */

export { maxOf, minOf } from './extrema.js';
export { median, percentileAt, percentileOfSorted } from './quantiles.js';
export { mean, std, variance, type VarianceOptions } from './moments.js';
export { emaMomentsUpdate, type EmaMoments } from './ema.js';
export { rollingPush, trailingMedians } from './rolling.js';
export { MAD_NORMAL_SCALE, mad, type MadOptions } from './robust.js';

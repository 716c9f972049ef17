/**
 * The old path of {@link recommendThreshold}, which now lives in
 * `monitor/recommend/` (index.ts runs options.ts, spikes.ts, rounding.ts and
 * rationale.ts; the rule of Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063,
 * section 3.2). Kept, re-exporting only, for `monitor/calibrate.ts`, which
 * imports `./recommend.js`; remove it once calibrate imports
 * `./recommend/index.js`.
 *
 * @module
 */

export * from './recommend/index.js';

/**
 * `gradclip/internal`: the library helpers gradclip's own app (the `gradclip-cli`
 * package: CLI, reports, dashboard) shares with it. Not part of the public API:
 * no compatibility promise between releases; use the main entry instead.
 *
 * @packageDocumentation
 * @module gradclip/internal
 * @internal
 */
export { formatNumber } from './core/format.js';
export { maxOf, median, minOf } from './core/stats/index.js';
export { ClipRateWindow } from './monitor/clip-rate.js';

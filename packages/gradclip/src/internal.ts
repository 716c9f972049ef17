/**
 * `gradclip/internal`: helpers the gradclip app (CLI, report, dashboard)
 * shares with the library so that each is defined once: number formatting,
 * loop-based order statistics, the run metrics (clip rate, non-finite step,
 * layer order, norm summary) and the run-folder layout (file names). Not
 * part of the library's promise: these may change in any release.
 *
 * @packageDocumentation
 */
export { formatNumber, type FormatNumberOptions } from './core/format.js';
export { maxOf, median, minOf } from './core/stats/index.js';
export { ClipRateWindow, clipRate, isNonFiniteStep, layerOrder, normSummary, type NormSummary } from './core/run-metrics.js';
export { RUN_FILES, chartPngFile, isTfEventsFile } from './monitor/writers/run-layout.js';

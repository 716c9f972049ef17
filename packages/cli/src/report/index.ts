/**
 * Run reports (Node only): self-contained HTML pages with Vega charts for one
 * run or a comparison of several, PNG charts, and `node:fs` writers.
 *
 * @module
 */
export type { RunRecord, ChartOptions, ComparisonOptions, PngOptions } from './types.js';
export { renderRunReport, renderComparisonReport, REPORT_DATA_ID, type EmbeddedReportData, type EmbeddedChart } from './html.js';
export { renderPngCharts, svgToPng, type PngChart } from './png.js';
export { writeRunReport, writeComparisonReport, type WriteReportOptions, type WrittenReport } from './write-node.js';
export { buildCharts, type ChartSpec, type ChartKind } from './specs.js';
export { toVega, renderSvg, type VegaSpec } from './render-vega.js';
export { downsampleMinMax, type SeriesPoint } from './downsample.js';
export { escapeHtml, jsonForScript } from './escape.js';

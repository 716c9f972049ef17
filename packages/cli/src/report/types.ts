/**
 * Inputs of the run reports.
 *
 * @module
 */
/** Everything a report shows about one run: the app's one run type, defined by the run-folder module. */
export type { RunRecord } from '../run-folder/index.js';

/** Chart geometry and density, shared by the HTML and PNG renderers. */
export interface ChartOptions {
  /**
   * Width of a chart in CSS pixels, axes and legend included (the HTML page
   * re-fits it to the page width).
   * @default 760
   */
  width?: number;
  /**
   * Height of the plot area of a line chart in pixels.
   * @default 240
   */
  height?: number;
  /**
   * Most points drawn per line series (min/max per bucket beyond that).
   * @default 2000
   */
  maxPoints?: number;
  /**
   * Most step bins of the per-layer heat map.
   * @default 120
   */
  heatmapBins?: number;
}

/** Options of the comparison report. */
export interface ComparisonOptions extends ChartOptions {
  /** Page title. @default "gradclip comparison: N runs" */
  title?: string;
  /** A paragraph under the title (plain text, escaped). */
  description?: string;
}

/** Options of {@link renderPngCharts}. */
export interface PngOptions extends ChartOptions {
  /**
   * Pixel ratio of the PNG (2 gives a sharp image on high-density screens).
   * @default 2
   */
  scale?: number;
  /**
   * Font files for the chart text. By default the first of a few common
   * sans-serif fonts found on the machine (DejaVu Sans, Liberation Sans,
   * Noto Sans, Arial, Helvetica) plus the system fonts.
   */
  fontFiles?: string[];
}

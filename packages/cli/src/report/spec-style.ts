/**
 * The look shared by every report chart (colours, fonts, log-axis labels),
 * used by the chart table (`specs.ts`) and the chart builders beside it.
 *
 * @module
 */
import type { TopLevelSpec } from 'vega-lite';

/** Categorical palette (Tableau 10, as in Vega's `tableau10` scheme), repeated past 10 runs. */
export const RUN_PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

/** Log-axis labels: plain below 1e5 and above 1e-3, exponent notation (`1e+12`) beyond. */
export const LOG_LABEL = "datum.value >= 1e5 || datum.value < 1e-3 ? format(datum.value, '.0e') : format(datum.value, '~g')";

/** Font families of the chart text. */
export const FONT = 'DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif';

/** Colour of cells holding a NaN/Inf value (heat maps) and of non-finite markers. */
export const NON_FINITE_COLOR = '#d62728';
/** Colour of heat-map cells holding only zeros. */
export const ZERO_COLOR = '#c8ccd1';

/** Shared look of every chart. */
export function baseConfig(): NonNullable<TopLevelSpec['config']> {
  return {
    font: FONT,
    background: '#ffffff',
    view: { stroke: '#d0d7de' },
    axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eef1f4', domainColor: '#8c959f', tickColor: '#8c959f' },
    legend: { orient: 'top', direction: 'horizontal', labelLimit: 280, labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', symbolStrokeWidth: 2 },
    title: { fontSize: 14, anchor: 'start', fontWeight: 'bold', offset: 8 },
  };
}

/** The colour of the i-th run. */
export function runColor(i: number): string {
  return RUN_PALETTE[i % RUN_PALETTE.length];
}

/** The dashed rule at the step where a single run diverged (none when it did not), one layer of a chart. */
export function divergedRuleLayers(at: number | null | undefined): Record<string, unknown>[] {
  if (at === null || at === undefined) return [];
  return [
    {
      data: { values: [{ step: at, label: `diverged at step ${at}` }] },
      mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5, color: '#24292f' },
      encoding: { x: { field: 'step', type: 'quantitative' }, tooltip: [{ field: 'label', type: 'nominal', title: 'diverged' }] },
    },
  ];
}

/**
 * The Vega-Lite heat map of one run's gradient flow through time (cells
 * from `flowCells`): x the training step (on the same step range as the
 * line charts), y the time step t = 1..T, colour log10 ‖∂L/∂h_t‖; cells with
 * only zero norms and cells with a NaN/Inf norm in their own colours, named
 * in a legend.
 *
 * @module
 */
import type { TopLevelSpec } from 'vega-lite';
import { flowCells } from './flow-data.js';
import { baseConfig, divergedRuleLayers, NON_FINITE_COLOR, ZERO_COLOR } from './spec-style.js';
import type { ResolvedChartOptions } from './specs.js';
import type { RunRecord } from './types.js';

/** Most rows (time steps) of a flow heat map: longer sequences share rows. */
export const FLOW_MAX_ROWS = 100;

/** Legend labels of the special cells. */
export const FLOW_ZERO_LABEL = 'only zero norms';
export const FLOW_NON_FINITE_LABEL = 'NaN/Inf norm';

/**
 * The heat map of `run`'s flow records, or null when it has none.
 *
 * @param o - chart options, with the step range the x axis shares with the line charts
 */
export function flowHeatmapSpec(
  run: RunRecord,
  o: ResolvedChartOptions & { stepRange: [number, number] | undefined },
  title: string,
): { spec: TopLevelSpec; merged: boolean } | null {
  const map = flowCells(run.name, run.steps, o.heatmapBins, FLOW_MAX_ROWS);
  if (map.cells.length === 0) return null;
  // The embedded rows carry what the chart draws, norms to 4 significant digits (a report holds thousands of cells); edges and labels are computed by Vega.
  const r4 = (x: number | null): number | null => (x === null ? null : Number(x.toPrecision(4)));
  const cells = map.cells.map((c) => ({
    start: c.start,
    end: c.end,
    x0: c.x0,
    x1: c.x1,
    t0: c.t0,
    t1: c.t1,
    max: r4(c.max),
    log10: r4(c.log10),
    nonFinite: c.nonFinite,
    zeros: c.zeros,
    kind: c.kind,
  }));
  const edges = [
    { calculate: 'datum.t0 - 0.5', as: 'y0' },
    { calculate: 'datum.t1 + 0.5', as: 'y1' },
    { calculate: `datum.kind == 'zero' ? '${FLOW_ZERO_LABEL}' : datum.kind == 'non-finite' ? '${FLOW_NON_FINITE_LABEL}' : ''`, as: 'label' },
  ];
  const domain = o.stepRange ?? [Math.min(...cells.map((c) => c.x0)), Math.max(...cells.map((c) => c.x1))];
  const x = { field: 'x0', type: 'quantitative', title: 'step', axis: { format: '~d', tickMinStep: 1, labelOverlap: true, labelFlush: true }, scale: { nice: false, zero: false, domain } };
  const y = { field: 'y0', type: 'quantitative', title: 'time step t', axis: { format: '~d', tickMinStep: 1 }, scale: { nice: false, zero: false, domain: [0.5, map.T + 0.5] } };
  // Cells overlap their neighbours by about half a pixel, which hides the anti-aliasing seams between them.
  const height = Math.max(120, Math.min(o.height, 8 * Math.min(map.T, FLOW_MAX_ROWS)));
  const ox = (0.6 * (domain[1] - domain[0])) / o.width;
  const oy = (0.6 * map.T) / height;
  const widen = [
    ...edges,
    { calculate: `datum.x1 + ${ox}`, as: 'x1o' },
    { calculate: `datum.y1 < ${map.T + 0.5} ? datum.y1 + ${oy} : datum.y1`, as: 'y1o' },
  ];
  const enc = { x, x2: { field: 'x1o' }, y, y2: { field: 'y1o' } };
  const tooltip = [
    { field: 'start', type: 'quantitative', title: 'first step' },
    { field: 'end', type: 'quantitative', title: 'last step' },
    { field: 't0', type: 'quantitative', title: 'first t' },
    { field: 't1', type: 'quantitative', title: 'last t' },
    { field: 'max', type: 'quantitative', title: '‖∂L/∂h_t‖', format: '.3~g' },
    { field: 'nonFinite', type: 'quantitative', title: 'NaN/Inf norms' },
    { field: 'zeros', type: 'quantitative', title: 'zero norms' },
  ];
  const layer: Record<string, unknown>[] = [];
  if (cells.some((c) => c.log10 !== null && c.kind === 'value')) {
    layer.push({
      transform: [{ filter: "datum.kind == 'value' && datum.log10 != null" }, ...widen],
      mark: { type: 'rect', clip: true },
      encoding: {
        ...enc,
        color: { field: 'log10', type: 'quantitative', title: 'log10 ‖∂L/∂h_t‖', scale: { scheme: 'viridis' }, legend: { direction: 'horizontal', gradientLength: 200, format: '.3~r' } },
        tooltip,
      },
    });
  }
  const special = [FLOW_ZERO_LABEL, FLOW_NON_FINITE_LABEL].filter((l) => cells.some((c) => c.kind === (l === FLOW_ZERO_LABEL ? 'zero' : 'non-finite')));
  if (special.length > 0) {
    layer.push({
      transform: [{ filter: "datum.kind != 'value'" }, ...widen],
      mark: { type: 'rect', clip: true },
      encoding: {
        ...enc,
        fill: {
          field: 'label',
          type: 'nominal',
          title: 'cells',
          scale: { domain: special, range: special.map((l) => (l === FLOW_ZERO_LABEL ? ZERO_COLOR : NON_FINITE_COLOR)) },
          legend: { symbolType: 'square', symbolOpacity: 1 },
        },
        tooltip,
      },
    });
  }
  layer.push(...divergedRuleLayers(run.summary.divergedAtStep));
  const spec = {
    title,
    width: o.width,
    height,
    autosize: { type: 'fit-x', contains: 'padding' },
    config: baseConfig(),
    data: { values: cells },
    layer,
  } as unknown as TopLevelSpec; // layers are built as plain objects; vega-lite's compile() validates them
  return { spec, merged: map.merged };
}

/**
 * Vega-Lite specifications of the report charts (Satyanarayan et al., 2017,
 * "Vega-Lite: A Grammar of Interactive Graphics", IEEE TVCG 23(1)), for one
 * run or overlaid for several: loss, pre-/post-clip global gradient norm,
 * clip coefficient, and the per-layer norm heat map. Every line chart also
 * shows the non-finite and skipped steps (bands plus a symbol along the top)
 * and the divergence step (a dashed rule).
 *
 * @module
 */
import type { TopLevelSpec } from 'vega-lite';
import {
  allPositive,
  heatCells,
  markerRanges,
  seriesRows,
  type DivergenceRow,
  type LineRow,
  type MarkerKind,
  type MarkerRow,
  type SeriesName,
} from './chart-data.js';
import type { ChartOptions, RunRecord } from './types.js';
import { checkIntOption, checkPositiveOption } from './validate.js';

/** Identifier of a chart kind. */
export type ChartKind = 'loss' | 'grad-norm' | 'clip-coef' | 'layer-norms';

/** One chart of a report. */
export interface ChartSpec {
  /** Unique id within the report (`loss`, `grad-norm`, `clip-coef`, `layer-norms` or `layer-norms-<i>`). */
  id: string;
  /** What the chart shows. */
  kind: ChartKind;
  /** File name of its PNG, e.g. `grad-norm.png`. */
  file: string;
  /** Title (plain text). */
  title: string;
  /** One or two sentences on how to read it (plain text). */
  description: string;
  /** The Vega-Lite specification, data included. */
  spec: TopLevelSpec;
}

/** Resolved {@link ChartOptions}. */
export type ResolvedChartOptions = Required<ChartOptions>;

/** Fills the defaults of {@link ChartOptions} and validates them. */
export function resolveChartOptions(o: ChartOptions = {}): ResolvedChartOptions {
  checkPositiveOption('width', o.width, 20000);
  checkPositiveOption('height', o.height, 20000);
  checkIntOption('maxPoints', o.maxPoints, 3, 1_000_000);
  checkIntOption('heatmapBins', o.heatmapBins, 1, 100_000);
  return { width: o.width ?? 760, height: o.height ?? 240, maxPoints: o.maxPoints ?? 2000, heatmapBins: o.heatmapBins ?? 120 };
}

/** Categorical palette (Tableau 10, as in Vega's `tableau10` scheme), repeated past 10 runs. */
export const RUN_PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

const MARKER_COLORS: Record<MarkerKind, string> = { 'non-finite': '#d62728', skipped: '#9467bd' };
const MARKER_SHAPES: Record<MarkerKind, string> = { 'non-finite': 'triangle-down', skipped: 'diamond' };
const MARKER_KINDS: MarkerKind[] = ['non-finite', 'skipped'];
/** Log-axis labels: plain below 1e5 and above 1e-3, exponent notation (`1e+12`) beyond. */
const LOG_LABEL = "datum.value >= 1e5 || datum.value < 1e-3 ? format(datum.value, '.0e') : format(datum.value, '~g')";
const FONT = 'DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif';

/** Shared look of every chart. */
function baseConfig(): NonNullable<TopLevelSpec['config']> {
  return {
    font: FONT,
    background: '#ffffff',
    view: { stroke: '#d0d7de' },
    axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eef1f4', domainColor: '#8c959f', tickColor: '#8c959f' },
    legend: { orient: 'top', direction: 'horizontal', labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', symbolStrokeWidth: 2 },
    title: { fontSize: 14, anchor: 'start', fontWeight: 'bold', offset: 8 },
  };
}

function colorsFor(runs: readonly RunRecord[]): string[] {
  return runs.map((_, i) => RUN_PALETTE[i % RUN_PALETTE.length]);
}

interface LineChartInput {
  title: string;
  yTitle: string;
  log: boolean;
  rows: LineRow[];
  /** Domain and colours of the line colour (series names or run names). */
  colorField: 'series' | 'run';
  colorDomain: string[];
  colorRange: string[];
  colorTitle: string;
  /** Comparison grad-norm: dash by series (pre-clip solid, post-clip dashed). */
  dashDomain?: string[];
  evalRows?: LineRow[];
  markers: MarkerRow[];
  /** Comparison: marker symbols coloured by run; single run: by kind. */
  markerColorByRun: boolean;
  divergences: DivergenceRow[];
  yDomainMin?: number;
}

/** A layered line chart: marker bands, lines, eval points, marker symbols, divergence rules. */
function lineChart(inp: LineChartInput, o: ResolvedChartOptions): TopLevelSpec {
  const xScale = { nice: false, zero: false };
  const x = { field: 'step', type: 'quantitative' as const, title: 'step', axis: { format: '~d', tickMinStep: 1, labelOverlap: true, labelFlush: true }, scale: xScale };
  const runLegend = { symbolType: 'stroke', symbolOpacity: 1 };
  const yScale = inp.log ? { type: 'log' as const } : { zero: inp.yDomainMin === 0, ...(inp.yDomainMin !== undefined ? { domainMin: inp.yDomainMin } : {}) };
  const kinds = MARKER_KINDS.filter((k) => inp.markers.some((m) => m.kind === k));
  const layers: Record<string, unknown>[] = [];
  if (inp.markers.length > 0) {
    // Legends of the same field merge across channels and layers, so every channel on a field carries the same legend.
    const fillEnc = inp.markerColorByRun
      ? { field: 'run', type: 'nominal', title: inp.colorTitle, scale: { domain: inp.colorDomain, range: inp.colorRange }, legend: runLegend }
      : { field: 'kind', type: 'nominal', title: 'marked steps', scale: { domain: kinds, range: kinds.map((k) => MARKER_COLORS[k]) }, legend: { symbolOpacity: 1 } };
    const tooltip = [
      { field: 'run', type: 'nominal' },
      { field: 'kind', type: 'nominal' },
      { field: 'start', type: 'quantitative', title: 'first step' },
      { field: 'end', type: 'quantitative', title: 'last step' },
      { field: 'count', type: 'quantitative', title: 'steps' },
    ];
    layers.push({
      data: { values: inp.markers },
      mark: { type: 'rect', opacity: 0.14 },
      encoding: { x: { field: 'x0', type: 'quantitative', scale: xScale }, x2: { field: 'x1' }, fill: fillEnc, tooltip },
    });
    layers.push({
      data: { values: inp.markers },
      mark: { type: 'point', filled: true, size: 42, opacity: 0.95, strokeWidth: 0 },
      encoding: {
        x: { field: 'xm', type: 'quantitative', scale: xScale },
        y: { field: 'py', type: 'quantitative', scale: null },
        fill: fillEnc,
        shape: {
          field: 'kind',
          type: 'nominal',
          title: 'marked steps',
          scale: { domain: kinds, range: kinds.map((k) => MARKER_SHAPES[k]) },
        },
        tooltip,
      },
    });
  }
  const stroke = {
    field: inp.colorField,
    type: 'nominal',
    title: inp.colorTitle,
    scale: { domain: inp.colorDomain, range: inp.colorRange },
    legend: runLegend,
  };
  const lineEnc: Record<string, unknown> = {
    x,
    y: { field: 'value', type: 'quantitative', title: inp.yTitle, scale: yScale, axis: inp.log ? { labelExpr: LOG_LABEL } : { format: '~g' } },
    stroke,
  };
  if (inp.dashDomain) {
    lineEnc.strokeDash = { field: 'series', type: 'nominal', title: 'norm', scale: { domain: inp.dashDomain, range: [[1, 0], [5, 3]] } };
  }
  layers.push({
    data: { values: inp.rows },
    mark: { type: 'line', strokeWidth: 1.4, invalid: 'break-paths-filter-domains', interpolate: 'linear' },
    encoding: lineEnc,
  });
  if (inp.evalRows && inp.evalRows.length > 0) {
    layers.push({
      data: { values: inp.evalRows },
      mark: { type: 'point', filled: false, size: 40, strokeWidth: 2, invalid: 'filter' },
      encoding: {
        x,
        y: { field: 'value', type: 'quantitative' },
        stroke,
        tooltip: [
          { field: 'step', type: 'quantitative' },
          { field: 'value', type: 'quantitative', title: 'eval loss', format: '.4~g' },
        ],
      },
    });
  }
  if (inp.divergences.length > 0) {
    layers.push({
      data: { values: inp.divergences },
      mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5, color: '#24292f' },
      encoding: { x: { field: 'step', type: 'quantitative', scale: xScale }, tooltip: [{ field: 'label', type: 'nominal', title: 'diverged' }] },
    });
    layers.push({
      data: { values: inp.divergences },
      mark: { type: 'text', align: 'left', dx: 4, baseline: 'top', fontSize: 11, color: '#24292f' },
      encoding: { x: { field: 'step', type: 'quantitative', scale: xScale }, y: { field: 'py', type: 'quantitative', scale: null }, text: { field: 'label' } },
    });
  }
  return {
    title: inp.title,
    width: o.width,
    height: o.height,
    autosize: { type: 'fit-x', contains: 'padding' },
    config: baseConfig(),
    layer: layers,
  } as unknown as TopLevelSpec; // layers are built as plain objects; vega-lite's compile() validates them
}

function divergenceRows(runs: readonly RunRecord[], compare: boolean, laneBase: number): DivergenceRow[] {
  const out: DivergenceRow[] = [];
  runs.forEach((r, i) => {
    const at = r.summary.divergedAtStep;
    if (at === null || at === undefined) return;
    out.push({ run: r.name, step: at, label: compare ? `${r.name}: diverged at ${at}` : `diverged at step ${at}`, py: 5 + 9 * (laneBase + i) });
  });
  return out;
}

function allMarkers(runs: readonly RunRecord[]): { markers: MarkerRow[]; lanes: number } {
  const markers: MarkerRow[] = [];
  let lane = 0;
  for (const r of runs) {
    for (const k of MARKER_KINDS) {
      const m = markerRanges(r, k, lane);
      if (m.length) {
        markers.push(...m);
        lane++;
      }
    }
  }
  return { markers, lanes: lane };
}

/**
 * Builds the charts of a report. One run: its loss (train and eval), pre-
 * and post-clip norms, clip coefficient and layer heat map. Several runs:
 * the same line charts overlaid, one colour per run, then one heat map per
 * run that has per-layer norms.
 */
export function buildCharts(runs: readonly RunRecord[], opts: ChartOptions = {}): ChartSpec[] {
  const o = resolveChartOptions(opts);
  const compare = runs.length > 1;
  const names = runs.map((r) => r.name);
  const runColors = colorsFor(runs);
  const { markers, lanes } = allMarkers(runs);
  const divergences = divergenceRows(runs, compare, lanes);
  const charts: ChartSpec[] = [];
  const markerNote = ' Shaded bands with a ▼ at their first step mark steps with a NaN/Inf loss or gradient norm (◆: steps skipped by a guard); the dashed rule marks divergence.';
  const rowsOf = (series: SeriesName, label: (r: RunRecord) => string, log: boolean): LineRow[] =>
    runs.flatMap((r) => seriesRows(r, series, label(r), o.maxPoints, log));

  const lossLog = allPositive(runs, 'loss');
  const lossRows = rowsOf('loss', (r) => (compare ? r.name : 'train loss'), lossLog);
  const evalRows: LineRow[] = compare
    ? []
    : (runs[0].evals ?? [])
        .filter((e) => Number.isFinite(e.loss) && (!lossLog || e.loss > 0))
        .map((e) => ({ run: runs[0].name, series: 'eval loss', step: e.step, value: e.loss }));
  const singleLossDomain = evalRows.length ? ['train loss', 'eval loss'] : ['train loss'];
  charts.push({
    id: 'loss',
    kind: 'loss',
    file: 'loss.png',
    title: 'Loss per step',
    description: `Training loss of every step${lossLog ? ' (log scale)' : ''}${evalRows.length ? ', with the evaluation loss on fresh data as points' : ''}.${markerNote}`,
    spec: lineChart(
      {
        title: 'Loss per step',
        yTitle: 'loss',
        log: lossLog,
        rows: lossRows,
        colorField: compare ? 'run' : 'series',
        colorDomain: compare ? names : singleLossDomain,
        colorRange: compare ? runColors : ['#4c78a8', '#e45756'],
        colorTitle: compare ? 'run' : '',
        evalRows,
        markers,
        markerColorByRun: compare,
        divergences,
      },
      o,
    ),
  });

  const normRows = [...rowsOf('pre-clip', () => 'pre-clip', true), ...rowsOf('post-clip', () => 'post-clip', true)];
  charts.push({
    id: 'grad-norm',
    kind: 'grad-norm',
    file: 'grad-norm.png',
    title: 'Global gradient norm',
    description: `Global L2 norm of all gradients before the clipping transforms (pre-clip${compare ? ', solid' : ''}) and of what the optimizer received (post-clip${compare ? ', dashed' : ''}), log scale.${markerNote}`,
    spec: lineChart(
      {
        title: 'Global gradient norm (L2)',
        yTitle: 'gradient norm',
        log: true,
        rows: normRows,
        colorField: compare ? 'run' : 'series',
        colorDomain: compare ? names : ['pre-clip', 'post-clip'],
        colorRange: compare ? runColors : ['#4c78a8', '#f58518'],
        colorTitle: compare ? 'run' : 'norm',
        dashDomain: compare ? ['pre-clip', 'post-clip'] : undefined,
        markers,
        markerColorByRun: compare,
        divergences,
      },
      o,
    ),
  });

  charts.push({
    id: 'clip-coef',
    kind: 'clip-coef',
    file: 'clip-coef.png',
    title: 'Clip coefficient',
    description: `Scale applied to the gradients on each step (post-clip / pre-clip norm; 1 means clipping did not fire).${markerNote}`,
    spec: lineChart(
      {
        title: 'Clip coefficient per step',
        yTitle: 'clip coefficient',
        log: false,
        rows: rowsOf('clip-coef', (r) => (compare ? r.name : 'clip coefficient'), false),
        colorField: compare ? 'run' : 'series',
        colorDomain: compare ? names : ['clip coefficient'],
        colorRange: compare ? runColors : ['#54a24b'],
        colorTitle: compare ? 'run' : '',
        markers,
        markerColorByRun: compare,
        divergences,
        yDomainMin: 0,
      },
      o,
    ),
  });

  runs.forEach((r, i) => {
    const heat = heatmapSpec(r, o, compare ? `Per-layer gradient norms: ${r.name}` : 'Per-layer gradient norms');
    if (!heat) return;
    charts.push({
      id: compare ? `layer-norms-${i + 1}` : 'layer-norms',
      kind: 'layer-norms',
      file: compare ? `layer-norms-${i + 1}.png` : 'layer-norms.png',
      title: compare ? `Per-layer gradient norms: ${r.name}` : 'Per-layer gradient norms',
      description:
        'Pre-clip L2 norm of each variable’s gradient (rows, in model order) over bins of steps (columns): colour is the largest norm in the bin on a log scale; red cells contain a NaN/Inf norm, grey cells only zero norms (e.g. saturated units).',
      spec: heat,
    });
  });
  return charts;
}

/** Heat map of one run's per-layer norms, or null when it has none. */
function heatmapSpec(run: RunRecord, o: ResolvedChartOptions, title: string): TopLevelSpec | null {
  const { layers, cells } = heatCells(run, o.heatmapBins);
  if (layers.length === 0 || cells.length === 0) return null;
  const x = { field: 'x0', type: 'quantitative', title: 'step', axis: { format: '~d', tickMinStep: 1, labelOverlap: true, labelFlush: true }, scale: { nice: false, zero: false } };
  // Cells overlap their right neighbour by about half a pixel, which hides the anti-aliasing seams between them.
  const first = cells[0].x0;
  const last = cells[cells.length - 1].x1;
  const overlap = (0.6 * (last - first)) / o.width;
  const x2 = { field: 'x1o' };
  const widen = { calculate: `datum.x1 < ${last} ? datum.x1 + ${overlap} : datum.x1`, as: 'x1o' };
  const y = { field: 'layer', type: 'nominal', sort: layers, title: null, axis: { labelLimit: 180 } };
  const tooltip = [
    { field: 'layer', type: 'nominal' },
    { field: 'start', type: 'quantitative', title: 'first step' },
    { field: 'end', type: 'quantitative', title: 'last step' },
    { field: 'max', type: 'quantitative', title: 'max norm', format: '.3~g' },
    { field: 'median', type: 'quantitative', title: 'median norm', format: '.3~g' },
    { field: 'nonFinite', type: 'quantitative', title: 'NaN/Inf steps' },
    { field: 'zeros', type: 'quantitative', title: 'zero-norm steps' },
  ];
  const heatColor = {
    field: 'max',
    type: 'quantitative',
    title: 'max norm in bin',
    scale: { type: 'log', scheme: 'viridis' },
    legend: { labelExpr: LOG_LABEL, direction: 'horizontal', gradientLength: 200 },
  };
  const layer: Record<string, unknown>[] = [
    {
      transform: [{ filter: 'datum.max != null' }, widen],
      mark: { type: 'rect' },
      encoding: {
        x,
        x2,
        y,
        color: heatColor,
        tooltip,
      },
    },
  ];
  if (cells.some((c) => c.max === null && c.zeros > 0)) {
    layer.push({
      transform: [{ filter: 'datum.max == null && datum.zeros > 0' }, widen],
      mark: { type: 'rect', fill: '#c8ccd1' },
      encoding: { x, x2, y, tooltip },
    });
  }
  if (cells.some((c) => c.nonFinite > 0)) {
    layer.push({
      transform: [{ filter: 'datum.nonFinite > 0' }, widen],
      mark: { type: 'rect', fill: '#d62728' },
      encoding: { x, x2, y, tooltip },
    });
  }
  const at = run.summary.divergedAtStep;
  if (at !== null && at !== undefined) {
    layer.push({
      data: { values: [{ step: at, label: `diverged at step ${at}` }] },
      mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5, color: '#24292f' },
      encoding: { x: { field: 'step', type: 'quantitative' }, tooltip: [{ field: 'label', type: 'nominal', title: 'diverged' }] },
    });
  }
  return {
    title,
    width: o.width,
    height: Math.max(60, 18 * layers.length),
    autosize: { type: 'fit-x', contains: 'padding' },
    config: baseConfig(),
    data: { values: cells },
    layer,
  } as unknown as TopLevelSpec; // layers are built as plain objects; vega-lite's compile() validates them
}

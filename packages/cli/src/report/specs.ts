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
import { chartPngFile } from 'gradclip/internal';
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

/** How a line chart chooses its y scale. */
type YScale = 'log' | 'linear' | 'log-if-positive';

/** One quantity drawn as a line. */
interface SeriesDescriptor {
  /** The per-step quantity. */
  field: SeriesName;
  /** Its name in the legend of a one-run chart (and in a comparison when the chart draws several quantities). */
  label: string;
  /** Its colour in a one-run chart. */
  color: string;
}

/** What the description of a chart may depend on. */
interface DescriptionContext {
  /** Several runs overlaid. */
  compare: boolean;
  /** The chart is on a log scale. */
  log: boolean;
  /** Evaluation points are drawn. */
  evals: boolean;
}

/** A line chart of the report: one line per quantity (one run) or per run and quantity (comparison). */
interface LineChartDescriptor {
  type: 'line';
  /** Chart id and kind; also names its PNG (`<id>.png`). */
  id: Exclude<ChartKind, 'layer-norms'>;
  /** Caption title. */
  title: string;
  /** Title inside the chart (the PNG shows it). */
  chartTitle: string;
  /** Title of the y axis. */
  yTitle: string;
  /** `log-if-positive`: log scale when every finite value is > 0 (see {@link allPositive}). */
  yScale: YScale;
  /** Lower end of the y domain, when fixed. */
  yDomainMin?: number;
  /** The quantities drawn; with several, a comparison tells them apart by dash. */
  series: SeriesDescriptor[];
  /** Legend title of a one-run chart (a comparison's legend is titled `run`). */
  legendTitle: string;
  /** One run: its evaluations as points, with this legend entry and colour. */
  evalPoints?: { label: string; color: string };
  /** Draw the non-finite and skipped steps and the divergence step (and say so in the description). */
  markers: boolean;
  /** One or two sentences on how to read the chart (the marker note is added after). */
  description: (c: DescriptionContext) => string;
}

/** The per-layer heat map: one chart per run that recorded per-layer norms. */
interface HeatmapDescriptor {
  type: 'heatmap';
  /** Chart kind; the id of a comparison's i-th heat map (and its PNG) is `<id>-<i>`. */
  id: 'layer-norms';
  /** Title (a comparison adds `: <run name>`). */
  title: string;
  description: string;
}

/** Added to the description of every chart with markers. */
const MARKER_NOTE = ' Shaded bands with a ▼ at their first step mark steps with a NaN/Inf loss or gradient norm (◆: steps skipped by a guard); the dashed rule marks divergence.';

/** The charts of a report, in page order. */
const CHARTS: readonly (LineChartDescriptor | HeatmapDescriptor)[] = [
  {
    type: 'line',
    id: 'loss',
    title: 'Loss per step',
    chartTitle: 'Loss per step',
    yTitle: 'loss',
    yScale: 'log-if-positive',
    series: [{ field: 'loss', label: 'train loss', color: '#4c78a8' }],
    legendTitle: '',
    evalPoints: { label: 'eval loss', color: '#e45756' },
    markers: true,
    description: (c) => `Training loss of every step${c.log ? ' (log scale)' : ''}${c.evals ? ', with the evaluation loss on fresh data as points' : ''}.`,
  },
  {
    type: 'line',
    id: 'grad-norm',
    title: 'Global gradient norm',
    chartTitle: 'Global gradient norm (L2)',
    yTitle: 'gradient norm',
    yScale: 'log',
    series: [
      { field: 'pre-clip', label: 'pre-clip', color: '#4c78a8' },
      { field: 'post-clip', label: 'post-clip', color: '#f58518' },
    ],
    legendTitle: 'norm',
    markers: true,
    description: (c) =>
      `Global L2 norm of all gradients before the clipping transforms (pre-clip${c.compare ? ', solid' : ''}) and of what the optimizer received (post-clip${c.compare ? ', dashed' : ''}), log scale.`,
  },
  {
    type: 'line',
    id: 'clip-coef',
    title: 'Clip coefficient',
    chartTitle: 'Clip coefficient per step',
    yTitle: 'clip coefficient',
    yScale: 'linear',
    yDomainMin: 0,
    series: [{ field: 'clip-coef', label: 'clip coefficient', color: '#54a24b' }],
    legendTitle: '',
    markers: true,
    description: () => 'Scale applied to the gradients on each step (post-clip / pre-clip norm; 1 means clipping did not fire).',
  },
  {
    type: 'heatmap',
    id: 'layer-norms',
    title: 'Per-layer gradient norms',
    description:
      'Pre-clip L2 norm of each variable’s gradient (rows, in model order) over bins of steps (columns): colour is the largest norm in the bin on a log scale; red cells contain a NaN/Inf norm, grey cells only zero norms (e.g. saturated units).',
  },
];

/** What every chart of one report shares. */
interface ReportContext {
  runs: readonly RunRecord[];
  o: ResolvedChartOptions;
  compare: boolean;
  markers: MarkerRow[];
  divergences: DivergenceRow[];
}

/** Builds the one chart a line descriptor stands for. */
function buildLineChart(d: LineChartDescriptor, ctx: ReportContext): ChartSpec {
  const { runs, o, compare } = ctx;
  const log = d.yScale === 'log' || (d.yScale === 'log-if-positive' && d.series.every((s) => allPositive(runs, s.field)));
  const labels = d.series.map((s) => s.label);
  // In a comparison the colour is the run; a chart of one quantity then names its lines by run, a chart of several by quantity (dashed apart).
  const rows = d.series.flatMap((s) =>
    runs.flatMap((r) => seriesRows(r, s.field, compare && d.series.length === 1 ? r.name : s.label, o.maxPoints, log)),
  );
  const evalPoints = compare ? undefined : d.evalPoints;
  const evalRows: LineRow[] = evalPoints
    ? (runs[0].evals ?? [])
        .filter((e) => Number.isFinite(e.loss) && (!log || e.loss > 0))
        .map((e) => ({ run: runs[0].name, series: evalPoints.label, step: e.step, value: e.loss }))
    : [];
  const single = {
    colorDomain: evalPoints && evalRows.length ? [...labels, evalPoints.label] : labels,
    colorRange: evalPoints ? [...d.series.map((s) => s.color), evalPoints.color] : d.series.map((s) => s.color),
  };
  return {
    id: d.id,
    kind: d.id,
    file: chartPngFile(d.id),
    title: d.title,
    description: `${d.description({ compare, log, evals: evalRows.length > 0 })}${d.markers ? MARKER_NOTE : ''}`,
    spec: lineChart(
      {
        title: d.chartTitle,
        yTitle: d.yTitle,
        log,
        rows,
        colorField: compare ? 'run' : 'series',
        colorDomain: compare ? runs.map((r) => r.name) : single.colorDomain,
        colorRange: compare ? colorsFor(runs) : single.colorRange,
        colorTitle: compare ? 'run' : d.legendTitle,
        dashDomain: compare && d.series.length > 1 ? labels : undefined,
        evalRows: evalPoints ? evalRows : undefined,
        markers: d.markers ? ctx.markers : [],
        markerColorByRun: compare,
        divergences: d.markers ? ctx.divergences : [],
        yDomainMin: d.yDomainMin,
      },
      o,
    ),
  };
}

/** Builds the heat maps a heat-map descriptor stands for: one per run with per-layer norms. */
function buildHeatmaps(d: HeatmapDescriptor, ctx: ReportContext): ChartSpec[] {
  const out: ChartSpec[] = [];
  ctx.runs.forEach((r, i) => {
    const title = ctx.compare ? `${d.title}: ${r.name}` : d.title;
    const spec = heatmapSpec(r, ctx.o, title);
    if (!spec) return;
    const id = ctx.compare ? `${d.id}-${i + 1}` : d.id;
    out.push({ id, kind: d.id, file: chartPngFile(id), title, description: d.description, spec });
  });
  return out;
}

/**
 * Builds the charts of a report from the table of chart descriptors. One
 * run: its loss (train and eval), pre- and post-clip norms, clip coefficient
 * and layer heat map. Several runs: the same line charts overlaid, one colour
 * per run, then one heat map per run that has per-layer norms.
 */
export function buildCharts(runs: readonly RunRecord[], opts: ChartOptions = {}): ChartSpec[] {
  const o = resolveChartOptions(opts);
  const compare = runs.length > 1;
  const { markers, lanes } = allMarkers(runs);
  const ctx: ReportContext = { runs, o, compare, markers, divergences: divergenceRows(runs, compare, lanes) };
  return CHARTS.flatMap((d) => (d.type === 'line' ? [buildLineChart(d, ctx)] : buildHeatmaps(d, ctx)));
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

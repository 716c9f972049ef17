/**
 * Vega-Lite specifications of the report charts (Satyanarayan et al., 2017,
 * "Vega-Lite: A Grammar of Interactive Graphics", IEEE TVCG 23(1)), for one
 * run or overlaid for several: loss, pre-/post-clip global gradient norm,
 * the gradient flow through time and the spectral norm (runs with `flow`
 * records), clip coefficient, the per-layer norm heat map, and the cliff's
 * loss surface with the runs' paths. Every line chart also
 * shows the non-finite and skipped steps (bands plus a symbol along the top)
 * and the divergence step (a dashed rule).
 *
 * @module
 */
import type { TopLevelSpec } from 'vega-lite';
import { chartPngFile, formatNumber } from 'gradclip/internal';
import {
  allPositive,
  hasSeries,
  isFlowSeries,
  seriesValues,
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
import { baseConfig, divergedRuleLayers, LOG_LABEL, NON_FINITE_COLOR, RUN_PALETTE, runColor, ZERO_COLOR } from './spec-style.js';
import { readableRange } from './off-scale.js';
import { flowHeatmapSpec } from './flow-spec.js';
import { cliffSurfaceSpec } from './cliff-spec.js';

/** Identifier of a chart kind. */
export type ChartKind = 'loss' | 'grad-norm' | 'clip-coef' | 'layer-norms' | 'flow' | 'spectral' | 'cliff-surface';

/** One chart of a report. */
export interface ChartSpec {
  /** Unique id within the report (`loss`, `grad-norm`, `flow` or `flow-<i>`, `spectral`, `clip-coef`, `layer-norms` or `layer-norms-<i>`, `cliff-surface`). */
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

export { RUN_PALETTE } from './spec-style.js';

const MARKER_COLORS: Record<MarkerKind, string> = { 'non-finite': NON_FINITE_COLOR, skipped: '#9467bd' };
const MARKER_SHAPES: Record<MarkerKind, string> = { 'non-finite': 'triangle-down', skipped: 'diamond' };
const MARKER_KINDS: MarkerKind[] = ['non-finite', 'skipped'];

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
  /** Legend title of the dashes. */
  dashTitle?: string;
  evalRows?: LineRow[];
  markers: MarkerRow[];
  /** Comparison: marker symbols coloured by run; single run: by kind. */
  markerColorByRun: boolean;
  divergences: DivergenceRow[];
  yDomainMin?: number;
  /** Fixed y domain (the readable range of the loss chart); lines beyond it are cut at the edge. */
  yDomain?: [number, number];
  /** Fixed x domain (the flow charts share the step range of the line charts). */
  xDomain?: [number, number];
  /** Values above {@link yDomain}: a ▲ at the top edge each, kind {@link offScaleKind}. */
  offScale?: OffScaleRow[];
  /** The legend entry of the off-scale markers, e.g. `above 27 (off scale)`. */
  offScaleKind?: string;
  /** A labelled horizontal rule, e.g. at 1 on the spectral-norm chart. */
  reference?: { value: number; above: string; below: string };
}

/** A value above the readable range, drawn as a ▲ at the chart's top edge. */
export interface OffScaleRow {
  run: string;
  series: string;
  kind: string;
  step: number;
  value: number;
  /** Pixel offset of the symbol from the top. */
  py: number;
}

/** The powers of ten from the bottom to the top of `domain` (the ticks of a fixed log axis). */
function decades(domain: [number, number]): number[] {
  const out: number[] = [];
  for (let k = Math.ceil(Math.log10(domain[0]) - 1e-9); k <= Math.floor(Math.log10(domain[1]) + 1e-9); k++) out.push(10 ** k);
  return out;
}

/** A layered line chart: marker bands, lines, eval points, marker symbols, divergence rules. */
function lineChart(inp: LineChartInput, o: ResolvedChartOptions): TopLevelSpec {
  const xScale = { nice: false, zero: false, ...(inp.xDomain ? { domain: inp.xDomain } : {}) };
  const x = { field: 'step', type: 'quantitative' as const, title: 'step', axis: { format: '~d', tickMinStep: 1, labelOverlap: true, labelFlush: true }, scale: xScale };
  const runLegend = { symbolType: 'stroke', symbolOpacity: 1 };
  const fixed = inp.yDomain ? { domain: inp.yDomain, nice: false } : {};
  const yScale = inp.log ? { type: 'log' as const, ...fixed } : { zero: inp.yDomainMin === 0, ...(inp.yDomainMin !== undefined ? { domainMin: inp.yDomainMin } : {}), ...fixed };
  const clip = inp.yDomain !== undefined || inp.xDomain !== undefined;
  const offScale = inp.offScale ?? [];
  const offKind = offScale.length > 0 && inp.offScaleKind ? [inp.offScaleKind] : [];
  const kinds: string[] = [...MARKER_KINDS.filter((k) => inp.markers.some((m) => m.kind === k)), ...offKind];
  const kindColors = kinds.map((k) => MARKER_COLORS[k as MarkerKind] ?? '#24292f');
  const kindShapes = kinds.map((k) => MARKER_SHAPES[k as MarkerKind] ?? 'triangle-up');
  const layers: Record<string, unknown>[] = [];
  const shapeEnc = { field: 'kind', type: 'nominal', title: 'marked steps', scale: { domain: kinds, range: kindShapes } };
  const markerFill = inp.markerColorByRun
    ? { field: 'run', type: 'nominal', title: inp.colorTitle, scale: { domain: inp.colorDomain, range: inp.colorRange }, legend: { symbolType: 'stroke', symbolOpacity: 1 } }
    : { field: 'kind', type: 'nominal', title: 'marked steps', scale: { domain: kinds, range: kindColors }, legend: { symbolOpacity: 1 } };
  if (inp.markers.length > 0) {
    // Legends of the same field merge across channels and layers, so every channel on a field carries the same legend.
    const fillEnc = markerFill;
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
        shape: shapeEnc,
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
    y: { field: 'value', type: 'quantitative', title: inp.yTitle, scale: yScale, axis: inp.log ? { labelExpr: LOG_LABEL, ...(inp.yDomain ? { values: decades(inp.yDomain) } : {}) } : { format: '~g' } },
    stroke,
  };
  if (inp.dashDomain) {
    lineEnc.strokeDash = {
      field: 'series',
      type: 'nominal',
      title: inp.dashTitle ?? 'norm',
      scale: { domain: inp.dashDomain, range: [[1, 0], [5, 3], [1.5, 2.5]].slice(0, inp.dashDomain.length) },
      // three quantities do not fit beside the run and marker legends: below the chart
      ...(inp.dashDomain.length > 2 ? { legend: { orient: 'bottom' } } : {}),
    };
  }
  layers.push({
    data: { values: inp.rows },
    mark: { type: 'line', strokeWidth: 1.4, invalid: 'break-paths-filter-domains', interpolate: 'linear', clip },
    encoding: lineEnc,
  });
  if (inp.reference) {
    const ref = inp.reference;
    const at = { datum: ref.value, type: 'quantitative' };
    const one = { values: [{}] };
    layers.push({ data: one, mark: { type: 'rule', color: '#57606a', strokeDash: [2, 3], strokeWidth: 1.2 }, encoding: { y: at } });
    layers.push({ data: one, mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -3, fontSize: 11, color: '#57606a', text: ref.above }, encoding: { x: { value: 0 }, y: at } });
    layers.push({ data: one, mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 3, fontSize: 11, color: '#57606a', text: ref.below }, encoding: { x: { value: 0 }, y: at } });
  }
  if (offScale.length > 0) {
    layers.push({
      data: { values: offScale },
      mark: { type: 'point', filled: true, size: 40, opacity: 0.95, strokeWidth: 0 },
      encoding: {
        x: { field: 'step', type: 'quantitative', scale: xScale },
        y: { field: 'py', type: 'quantitative', scale: null },
        fill: markerFill,
        shape: shapeEnc,
        tooltip: [
          { field: 'run', type: 'nominal' },
          { field: 'step', type: 'quantitative' },
          { field: 'value', type: 'quantitative', title: inp.yTitle, format: '.3~g' },
        ],
      },
    });
  }
  if (inp.evalRows && inp.evalRows.length > 0) {
    layers.push({
      data: { values: inp.evalRows },
      mark: { type: 'point', filled: false, size: 40, strokeWidth: 2, invalid: 'filter', clip },
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
  /** The readable range cut the axis: its top and the largest value. */
  cut: { max: string; dataMax: string } | null;
  /** Labels of the quantities drawn (a flow chart draws the ones recorded). */
  labels: string[];
}

/** A line chart of the report: one line per quantity (one run) or per run and quantity (comparison). */
interface LineChartDescriptor {
  type: 'line';
  /** Chart id and kind; also names its PNG (`<id>.png`). */
  id: Exclude<ChartKind, 'layer-norms' | 'flow' | 'cliff-surface'>;
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
  /** Keep the y range readable when a run of a comparison explodes (see `readableRange` in `off-scale.ts`). */
  readable?: boolean;
  /** A labelled rule across the chart. */
  reference?: { value: number; above: string; below: string };
  /** Legend title of the dashes that tell the quantities apart in a comparison. @default 'norm' */
  dashTitle?: string;
  /** One or two sentences on how to read the chart (the marker note is added after). */
  description: (c: DescriptionContext) => string;
}

/** The gradient-flow heat map: one chart per run whose steps carry `flow` records. */
interface FlowDescriptor {
  type: 'flow';
  /** Chart kind; the id of a comparison's i-th flow map (and its PNG) is `<id>-<i>`. */
  id: 'flow';
  /** Title (a comparison adds `: <run name>`). */
  title: string;
  description: (merged: boolean) => string;
}

/** Pascanu et al.'s Fig. 6: the cliff's loss surface with every run's path, one chart for all runs with a trajectory. */
interface CliffDescriptor {
  type: 'cliff';
  id: 'cliff-surface';
  title: string;
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
const CHARTS: readonly (LineChartDescriptor | HeatmapDescriptor | FlowDescriptor | CliffDescriptor)[] = [
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
    readable: true,
    description: (c) =>
      `Training loss of every step${c.log ? ' (log scale)' : ''}${c.evals ? ', with the evaluation loss on fresh data as points' : ''}.` +
      (c.cut
        ? ` The y axis ends at ${c.cut.max}, ${c.log ? 'the power of ten at or above ten times' : 'half a span above'} the largest loss of the runs that did not diverge; larger losses of the diverged runs (up to ${c.cut.dataMax}) are off the scale: their line leaves the top edge and each such step is a ▲ on it.`
        : ''),
  },
  { type: 'cliff', id: 'cliff-surface', title: 'The cliff: loss surface and paths (Pascanu et al. 2013, Fig. 6)' },
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
    type: 'flow',
    id: 'flow',
    title: 'Gradient flow through time',
    description: (merged) =>
      `How much of the loss’s gradient reaches each time step: colour is log10 ‖∂L/∂h_t‖ (rows: time step t, 1 = the first input; columns: the training steps with a flow record, every --flow-every steps)${merged ? ', the largest in the cell where a cell merges several records or time steps' : ''}. A colour that changes steadily along a column is the gradient growing (exploding) or shrinking (vanishing) as it goes back through time. Grey cells hold only zero norms, red cells a NaN/Inf norm; blank columns are steps without a flow record, and blank cells at the top time steps past a shorter sequence (tasks whose length varies).`,
  },
  {
    type: 'line',
    id: 'spectral',
    title: 'Spectral norm of the recurrent matrix',
    chartTitle: 'Spectral norm and growth per time step',
    yTitle: 'factor per time step',
    yScale: 'log',
    series: [
      { field: 'spectral-norm', label: 'spectral norm', color: '#4c78a8' },
      { field: 'spectral-radius', label: 'spectral radius', color: '#72b7b2' },
      { field: 'growth', label: 'fitted growth', color: '#f58518' },
    ],
    legendTitle: '',
    dashTitle: 'quantity',
    markers: true,
    readable: true,
    reference: { value: 1, above: 'above 1: the gradient can explode', below: 'below 1: it can vanish' },
    description: (c) =>
      `On the steps with a flow record, log scale: ${[
        c.labels.includes('spectral norm') ? 'the largest singular value of the state-to-state matrix (the recurrent weights of a tanh RNN)' : '',
        c.labels.includes('spectral radius') ? 'its largest eigenvalue modulus (spectral radius)' : '',
        c.labels.includes('fitted growth') ? 'the fitted growth of ‖∂L/∂h_t‖ per time step going back (exp(−slope) of ln ‖∂L/∂h_t‖ over t)' : '',
      ]
        .filter(Boolean)
        .join('; ')}. Pascanu et al. 2013 (section 2.1): for a tanh RNN a largest singular value below 1 is enough for the gradient to vanish through time, and above 1 is needed for it to explode; the dotted rule marks 1.` +
      (c.cut ? ` The y axis ends at ${c.cut.max}, the power of ten at or above ten times the largest value of the runs that did not diverge; larger values of the diverged runs (up to ${c.cut.dataMax}) are ▲ on the top edge.` : ''),
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
  /** Lanes used by the marker symbols along the top. */
  lanes: number;
  divergences: DivergenceRow[];
  /** First and last step of all runs (the flow charts share it with the line charts), or undefined without steps. */
  stepRange: [number, number] | undefined;
}

/** Builds the chart a line descriptor stands for (none for a flow quantity no run recorded). */
function buildLineChart(d: LineChartDescriptor, ctx: ReportContext): ChartSpec[] {
  const { runs, o, compare } = ctx;
  const series = d.series.filter((s) => !isFlowSeries(s.field) || hasSeries(runs, s.field));
  if (series.length === 0) return [];
  const flow = series.some((s) => isFlowSeries(s.field));
  const log = d.yScale === 'log' || (d.yScale === 'log-if-positive' && series.every((s) => allPositive(runs, s.field)));
  const labels = series.map((s) => s.label);
  // In a comparison the colour is the run; a chart of one quantity then names its lines by run, a chart of several by quantity (dashed apart).
  const rows = series.flatMap((s) =>
    runs.flatMap((r) => seriesRows(r, s.field, compare && series.length === 1 ? r.name : s.label, o.maxPoints, log)),
  );
  const range = d.readable ? readableRange(runs.map((r) => ({ values: series.flatMap((q) => seriesValues(r, q.field)), diverged: r.summary.diverged === true })), log) : null;
  const cut = range !== null && range.cut ? range : null;
  const offKind = cut ? `above ${formatNumber(cut.max, 3)} (off scale)` : '';
  const offScale: OffScaleRow[] = cut
    ? rows.filter((r) => r.value !== null && r.value > cut.max).map((r) => ({ run: r.run, series: r.series, kind: offKind, step: r.step, value: r.value as number, py: 5 }))
    : [];
  const yDomain: [number, number] | undefined = cut ? [log ? 10 ** Math.floor(Math.log10(cut.min) + 1e-9) : cut.min - 0.02 * (cut.max - cut.min), cut.max] : undefined;
  const evalPoints = compare ? undefined : d.evalPoints;
  const evalRows: LineRow[] = evalPoints
    ? (runs[0].evals ?? [])
        .filter((e) => Number.isFinite(e.loss) && (!log || e.loss > 0))
        .map((e) => ({ run: runs[0].name, series: evalPoints.label, step: e.step, value: e.loss }))
    : [];
  const single = {
    colorDomain: evalPoints && evalRows.length ? [...labels, evalPoints.label] : labels,
    colorRange: evalPoints ? [...series.map((s) => s.color), evalPoints.color] : series.map((s) => s.color),
  };
  const context: DescriptionContext = { compare, log, evals: evalRows.length > 0, cut: cut ? { max: formatNumber(cut.max, 3), dataMax: formatNumber(cut.dataMax, 3) } : null, labels };
  return [
    {
      id: d.id,
      kind: d.id,
      file: chartPngFile(d.id),
      title: d.title,
      description: `${d.description(context)}${d.markers ? MARKER_NOTE : ''}`,
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
          dashDomain: compare && series.length > 1 ? labels : undefined,
          dashTitle: d.dashTitle,
          evalRows: evalPoints ? evalRows : undefined,
          markers: d.markers ? ctx.markers : [],
          markerColorByRun: compare,
          divergences: d.markers ? ctx.divergences : [],
          yDomainMin: d.yDomainMin,
          yDomain,
          xDomain: flow ? ctx.stepRange : undefined,
          offScale,
          offScaleKind: offKind,
          reference: d.reference,
        },
        o,
      ),
    },
  ];
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

/** Builds the flow heat maps: one per run with `flow` records. */
function buildFlowMaps(d: FlowDescriptor, ctx: ReportContext): ChartSpec[] {
  const out: ChartSpec[] = [];
  ctx.runs.forEach((r, i) => {
    const title = ctx.compare ? `${d.title}: ${r.name}` : d.title;
    // one run: the step axis of the line charts; a comparison: the run's own steps (a run that diverged early would be a sliver)
    const built = flowHeatmapSpec(r, { ...ctx.o, stepRange: ctx.compare ? stepRangeOf([r]) : ctx.stepRange }, title);
    if (!built) return;
    const id = ctx.compare ? `${d.id}-${i + 1}` : d.id;
    out.push({ id, kind: d.id, file: chartPngFile(id), title, description: d.description(built.merged), spec: built.spec });
  });
  return out;
}

/** Builds the cliff figure: one surface with the path of every run that has a trajectory. */
function buildCliff(d: CliffDescriptor, ctx: ReportContext): ChartSpec[] {
  const paths = ctx.runs.map((r, i) => ({ name: r.name, color: runColor(i), points: r.trajectory?.points ?? [] })).filter((p) => p.points.length > 0);
  if (paths.length === 0) return [];
  const built = cliffSurfaceSpec(paths, ctx.o, d.title);
  return [{ id: d.id, kind: d.id, file: chartPngFile(d.id), title: d.title, description: built.description, spec: built.spec }];
}

/** First and last step over all runs. */
function stepRangeOf(runs: readonly RunRecord[]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of runs) {
    if (r.steps.length === 0) continue;
    lo = Math.min(lo, r.steps[0].step);
    hi = Math.max(hi, r.steps[r.steps.length - 1].step);
  }
  return Number.isFinite(lo) ? [lo, Math.max(hi, lo + 1)] : undefined;
}

/**
 * Builds the charts of a report from the table of chart descriptors. One
 * run: its loss (train and eval), the cliff's surface with its path (a cliff
 * run with a trajectory), pre- and post-clip norms, the gradient flow through
 * time and the spectral norm (runs with `flow` records), clip coefficient
 * and layer heat map. Several runs: the same line charts overlaid, one colour
 * per run (the loss on a range the runs that did not diverge set), one cliff
 * surface with every path, then one flow and one layer heat map per run that
 * has them.
 */
export function buildCharts(runs: readonly RunRecord[], opts: ChartOptions = {}): ChartSpec[] {
  const o = resolveChartOptions(opts);
  const compare = runs.length > 1;
  const { markers, lanes } = allMarkers(runs);
  const ctx: ReportContext = { runs, o, compare, markers, lanes, divergences: divergenceRows(runs, compare, lanes), stepRange: stepRangeOf(runs) };
  return CHARTS.flatMap((d) => {
    switch (d.type) {
      case 'line':
        return buildLineChart(d, ctx);
      case 'heatmap':
        return buildHeatmaps(d, ctx);
      case 'flow':
        return buildFlowMaps(d, ctx);
      case 'cliff':
        return buildCliff(d, ctx);
    }
  });
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
      mark: { type: 'rect', fill: ZERO_COLOR },
      encoding: { x, x2, y, tooltip },
    });
  }
  if (cells.some((c) => c.nonFinite > 0)) {
    layer.push({
      transform: [{ filter: 'datum.nonFinite > 0' }, widen],
      mark: { type: 'rect', fill: NON_FINITE_COLOR },
      encoding: { x, x2, y, tooltip },
    });
  }
  layer.push(...divergedRuleLayers(run.summary.divergedAtStep));
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

/**
 * The four charts of a run, drawn with uPlot: loss, pre- and post-clip
 * global norm, clip coefficient, and one series per layer's gradient norm.
 * Loss and norms use log-scale y axes. Non-finite steps (red), skipped steps
 * (amber) and the divergence step (dashed red, labelled) are drawn as
 * vertical markers on every chart. Shown when the run has them: the cliff's
 * loss surface with the run's path (under the loss), and the gradient flow
 * through time and the spectral norm (under the gradient norm).
 *
 * The loss axis can be given a range shared by the runs shown side by side
 * (`readableRange`, the report's rule): when the range is cut, the losses
 * above it are ▲ on the top edge and a note says so.
 */
import uPlot from 'uplot';
import type { RunSeries } from './series.js';
import { shortLayerName } from './series.js';
import { formatNumber } from 'gradclip/internal';
import type { ReadableRange } from '../../src/report/off-scale.js';
import type { TrajectoryPoint } from '../../src/run-folder/trajectory-codec.js';
import { FlowHeatmap, SPECTRAL_SERIES, spectralOptions } from './flow-charts.js';
import { CliffChart } from './cliff-chart.js';

/** Markers drawn over every chart of a run. */
export interface Markers {
  nonFinite: readonly number[];
  skipped: readonly number[];
  divergedAt: number | null;
}

const LAYER_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#ff7f0e', '#7f7f7f'];
/** Most layers drawn as separate series (the rest are summarised in the legend note). */
export const MAX_LAYER_SERIES = 12;

function markerPlugin(get: () => Markers): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const m = get();
          const { ctx, bbox } = u;
          const dpr = window.devicePixelRatio || 1;
          const xAt = (step: number): number => u.valToPos(step, 'x', true);
          const inside = (x: number): boolean => x >= bbox.left - 1 && x <= bbox.left + bbox.width + 1;
          ctx.save();
          const tick = (step: number, color: string): void => {
            const x = xAt(step);
            if (!inside(x)) return;
            ctx.strokeStyle = color;
            ctx.lineWidth = 2 * dpr;
            ctx.beginPath();
            ctx.moveTo(x, bbox.top);
            ctx.lineTo(x, bbox.top + 10 * dpr);
            ctx.stroke();
          };
          for (const s of m.skipped) tick(s, '#d08700');
          for (const s of m.nonFinite) tick(s, '#c62828');
          if (m.divergedAt !== null) {
            const x = xAt(m.divergedAt);
            if (inside(x)) {
              ctx.strokeStyle = '#c62828';
              ctx.lineWidth = 1.5 * dpr;
              ctx.setLineDash([5 * dpr, 4 * dpr]);
              ctx.beginPath();
              ctx.moveTo(x, bbox.top);
              ctx.lineTo(x, bbox.top + bbox.height);
              ctx.stroke();
              ctx.setLineDash([]);
              ctx.fillStyle = '#c62828';
              ctx.font = `${11 * dpr}px system-ui, sans-serif`;
              const label = `diverged @ ${m.divergedAt}`;
              const w = ctx.measureText(label).width;
              const tx = x + 4 * dpr + w > bbox.left + bbox.width ? x - 4 * dpr - w : x + 4 * dpr;
              ctx.fillText(label, tx, bbox.top + 22 * dpr);
            }
          }
          ctx.restore();
        },
      ],
    },
  };
}

interface ChartSpec {
  key: string;
  title: string;
  log: boolean;
  series: uPlot.Series[];
  columns: (s: RunSeries) => (number | null)[][];
  range?: uPlot.Scale['range'];
}

/**
 * Log charts plot log10(value) on a linear axis labelled in decades: uPlot's
 * own log scale gives up on ranges wider than its increment table (a
 * diverging loss spans 40 decades), a linear axis of exponents never does.
 */
function log10Column(col: readonly (number | null)[]): (number | null)[] {
  return col.map((v) => (v === null ? null : Math.log10(v)));
}

function exponentRange(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [-1, 1];
  const lo = Math.floor(min);
  const hi = Math.ceil(max);
  return [lo, hi === lo ? lo + 1 : hi];
}

/**
 * Log-axis ticks: whole decades only, every n-th so that about five remain
 * (uPlot's own log splits are 1..9 × 10^k, which turn a many-decade axis
 * into a grey block).
 */
export function logSplits(min: number, max: number): number[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [];
  const lo = Math.ceil(Math.log10(min) - 1e-9);
  const hi = Math.floor(Math.log10(max) + 1e-9);
  const step = Math.max(1, Math.ceil((hi - lo) / 4));
  const out: number[] = [];
  for (let k = Math.ceil(lo / step) * step; k <= hi; k += step) out.push(10 ** k);
  return out;
}

/** Label of a decade tick: `0.01`, `1`, `100`, `1e5`, `1e-4`. */
export function decadeLabel(v: number): string {
  const k = Math.round(Math.log10(v));
  return Math.abs(k) >= 3 ? `1e${k}` : String(Number((10 ** k).toPrecision(1)));
}

const SPECS: ChartSpec[] = [
  { key: 'loss', title: 'Training loss (log scale)', log: true, series: [{ label: 'loss', stroke: '#333', width: 1.5 }], columns: (s) => [s.loss] },
  {
    key: 'norm',
    title: 'Global gradient norm (log scale)',
    log: true,
    series: [
      { label: 'pre-clip', stroke: '#1565c0', width: 1.5 },
      { label: 'post-clip', stroke: '#ef6c00', width: 1.5, dash: [6, 3] },
    ],
    columns: (s) => [s.pre, s.post],
  },
  {
    key: 'coef',
    title: 'Clip coefficient (1 = unchanged)',
    log: false,
    series: [{ label: 'coefficient', stroke: '#2e7d32', width: 1.5, fill: 'rgba(46,125,50,0.08)' }],
    columns: (s) => [s.coef],
    range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1.05, max ?? 1)],
  },
];

/** Draws a ▲ on the top edge at every step whose loss is above the shared range's top (when it is cut). */
function offScalePlugin(get: () => { range: ReadableRange | null; steps: readonly number[]; raw: readonly (number | null)[] }): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const { range, steps, raw } = get();
          if (!range || !range.cut) return;
          const { ctx, bbox } = u;
          const dpr = window.devicePixelRatio || 1;
          ctx.save();
          ctx.fillStyle = '#24292f';
          const r = 4 * dpr;
          raw.forEach((v, i) => {
            if (v === null || !Number.isFinite(v) || v <= range.max) return;
            const x = u.valToPos(steps[i], 'x', true);
            if (x < bbox.left - 1 || x > bbox.left + bbox.width + 1) return;
            ctx.beginPath();
            ctx.moveTo(x, bbox.top + 1 * dpr);
            ctx.lineTo(x - r, bbox.top + 1 * dpr + 1.6 * r);
            ctx.lineTo(x + r, bbox.top + 1 * dpr + 1.6 * r);
            ctx.closePath();
            ctx.fill();
          });
          ctx.restore();
        },
      ],
    },
  };
}

/** Steps of `raw` above the top of `range` (when cut), and the largest such value. */
export function offScaleCount(raw: readonly (number | null)[], range: ReadableRange | null): { count: number; max: number | null } {
  let count = 0;
  let max: number | null = null;
  if (!range || !range.cut) return { count, max };
  for (const v of raw) {
    if (v === null || !Number.isFinite(v) || v <= range.max) continue;
    count++;
    max = max === null || v > max ? v : max;
  }
  return { count, max };
}

/** The charts of one run. */
export class RunCharts {
  private readonly plots: uPlot[] = [];
  private layerPlot: uPlot | null = null;
  private lossRange: ReadableRange | null = null;
  private series: RunSeries | null = null;
  private readonly lossNote: HTMLElement;
  private readonly flowBox: HTMLElement;
  private readonly spectralBox: HTMLElement;
  private readonly cliffBox: HTMLElement;
  private flow: FlowHeatmap | null = null;
  private spectral: uPlot | null = null;
  private cliff: CliffChart | null = null;
  private layerCount = -1;
  private markers: Markers = { nonFinite: [], skipped: [], divergedAt: null };
  private readonly observer: ResizeObserver;
  private readonly layerHost: HTMLElement;
  private readonly layerNote: HTMLElement;

  /**
   * @param host - element the charts are appended to
   * @param syncKey - cursor sync group (charts of runs shown side by side share one)
   */
  constructor(
    private readonly host: HTMLElement,
    private readonly syncKey: string,
    private readonly pathColor = '#1565c0',
  ) {
    let lossNote: HTMLElement | null = null;
    let flowBox: HTMLElement | null = null;
    let spectralBox: HTMLElement | null = null;
    let cliffBox: HTMLElement | null = null;
    for (const spec of SPECS) {
      const box = this.figure(spec.title, spec.key);
      const opts = this.options(spec.series, spec.log, spec.range, box);
      if (spec.key === 'loss') {
        opts.scales = { ...opts.scales, y: { range: (u, min, max) => this.lossScale(u, min, max) } };
        opts.plugins = [...(opts.plugins ?? []), offScalePlugin(() => ({ range: this.lossRange, steps: this.series?.steps ?? [], raw: this.series?.rawLoss ?? [] }))];
      }
      this.plots.push(new uPlot(opts, [[], ...spec.series.map(() => [])], box));
      if (spec.key === 'loss') {
        lossNote = document.createElement('p');
        lossNote.className = 'chart-note loss-note';
        lossNote.hidden = true;
        box.parentElement?.appendChild(lossNote);
        cliffBox = this.figure('The cliff: loss surface and path (Pascanu et al. 2013, Fig. 6)', 'cliff', true);
      }
      if (spec.key === 'norm') {
        flowBox = this.figure('Gradient flow through time: log10 ‖∂L/∂h_t‖ by time step t', 'flow', true);
        spectralBox = this.figure('Spectral norm and growth per time step (log scale; 1 dashed)', 'spectral', true);
      }
    }
    this.lossNote = lossNote as HTMLElement;
    this.flowBox = flowBox as HTMLElement;
    this.spectralBox = spectralBox as HTMLElement;
    this.cliffBox = cliffBox as HTMLElement;
    this.layerHost = this.figure('Per-layer gradient norms (log scale)', 'layers');
    this.layerNote = document.createElement('p');
    this.layerNote.className = 'chart-note';
    this.layerHost.parentElement?.appendChild(this.layerNote);
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(host);
  }

  private figure(title: string, key: string, hidden = false): HTMLElement {
    const fig = document.createElement('figure');
    fig.className = `chart chart-${key}`;
    fig.hidden = hidden;
    const cap = document.createElement('figcaption');
    cap.textContent = title;
    const box = document.createElement('div');
    box.className = 'chart-box';
    fig.append(cap, box);
    this.host.appendChild(fig);
    return box;
  }

  private width(box: HTMLElement): number {
    return Math.max(200, Math.floor(box.clientWidth || this.host.clientWidth || 400));
  }

  private options(series: uPlot.Series[], log: boolean, range: uPlot.Scale['range'] | undefined, box: HTMLElement): uPlot.Options {
    const y: uPlot.Scale = log ? { range: exponentRange } : { range: range ?? ((_u, min, max) => [min ?? 0, max ?? 1]) };
    return {
      width: this.width(box),
      height: 150,
      cursor: { sync: { key: this.syncKey }, drag: { x: false, y: false } },
      scales: { x: { time: false }, y },
      legend: { show: true, live: true },
      series: [
        { label: 'step' },
        ...series.map((s) => ({ ...s, spanGaps: false, points: { show: false }, ...(log ? { value: (_u: uPlot, v: number | null) => (v == null ? '--' : formatNumber(10 ** v)) } : {}) })),
      ],
      axes: [
        { stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ccc' } },
        log
          ? { stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ccc' }, size: 52, splits: (_u, _i, min, max) => logSplits(10 ** min, 10 ** max).map(Math.log10), values: (_u, vals) => vals.map((v) => (v == null ? '' : decadeLabel(10 ** v))) }
          : { stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ccc' }, size: 52 },
      ],
      plugins: [markerPlugin(() => this.markers)],
    };
  }

  private buildLayerPlot(s: RunSeries): void {
    this.layerPlot?.destroy();
    this.layerHost.replaceChildren();
    const names = s.layerNames.slice(0, MAX_LAYER_SERIES);
    const series: uPlot.Series[] = names.map((n, i) => ({ label: shortLayerName(n), stroke: LAYER_COLORS[i % LAYER_COLORS.length], width: 1.2 }));
    this.layerPlot = new uPlot(this.options(series, true, undefined, this.layerHost), [[], ...series.map(() => [])], this.layerHost);
    this.layerCount = s.layerNames.length;
    this.layerNote.textContent =
      s.layerNames.length > MAX_LAYER_SERIES ? `Showing the first ${MAX_LAYER_SERIES} of ${s.layerNames.length} variables.` : s.layerNames.length === 0 ? 'No per-layer norms recorded.' : '';
  }

  /** The loss axis: the shared range when one is set (in decades), else the data's own. */
  private lossScale(u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
    const r = this.lossRange;
    if (r === null) return exponentRange(u, min, max);
    const lo = Math.floor(Math.log10(r.min) + 1e-9);
    const hi = r.cut ? Math.log10(r.max) : Math.ceil(Math.log10(r.max) - 1e-9);
    return [lo, hi > lo ? hi : lo + 1];
  }

  /**
   * Sets the loss range shared with the runs shown beside this one (null:
   * the run's own range). When it is cut, the note under the chart says how
   * many steps are off the scale.
   */
  setLossRange(range: ReadableRange | null): void {
    this.lossRange = range;
    this.updateLossNote();
  }

  private updateLossNote(): void {
    const off = offScaleCount(this.series?.rawLoss ?? [], this.lossRange);
    this.lossNote.hidden = off.count === 0;
    this.lossNote.dataset.offScale = String(off.count);
    if (off.count > 0 && this.lossRange) {
      this.lossNote.textContent = `▲ ${off.count} step${off.count === 1 ? '' : 's'} above ${formatNumber(this.lossRange.max, 3)}, off the scale (up to ${formatNumber(off.max, 3)}): the axis is set by the run that did not diverge.`;
    }
  }

  /** Shows the cliff figure with this path (a cliff run), or hides it (null). */
  setPath(points: readonly TrajectoryPoint[] | null): void {
    const fig = this.cliffBox.parentElement as HTMLElement;
    if (points === null || points.length === 0) {
      fig.hidden = true;
      return;
    }
    fig.hidden = false;
    this.cliff ??= new CliffChart(this.cliffBox, this.pathColor, this.width(this.cliffBox));
    this.cliff.setPath(points);
  }

  private updateFlow(s: RunSeries): void {
    if (s.flowRecords.length === 0) return;
    (this.flowBox.parentElement as HTMLElement).hidden = false;
    (this.spectralBox.parentElement as HTMLElement).hidden = false;
    this.flow ??= new FlowHeatmap(this.flowBox, this.syncKey, this.width(this.flowBox));
    this.flow.update(s);
    if (this.spectral === null) {
      const series = SPECTRAL_SERIES.map((q) => ({ label: q.label, stroke: q.stroke, width: 1.5, spanGaps: true, points: { show: false }, value: (_u: uPlot, v: number | null) => (v == null ? '--' : formatNumber(10 ** v)) }));
      const axis: uPlot.Axis = { stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ccc' }, size: 52, splits: (_u, _i, min, max) => logSplits(10 ** min, 10 ** max).map(Math.log10), values: (_u, vals) => vals.map((v) => (v == null ? '' : decadeLabel(10 ** v))) };
      this.spectral = new uPlot(spectralOptions(this.width(this.spectralBox), this.syncKey, axis, series), [[], ...series.map(() => [])], this.spectralBox);
    }
    this.spectral.setData([s.flowSteps, ...SPECTRAL_SERIES.map((q) => log10Column(q.column(s)))] as uPlot.AlignedData);
  }

  /** Redraws every chart from the run's columns. */
  update(s: RunSeries, markers: Markers): void {
    this.series = s;
    this.markers = markers;
    this.updateLossNote();
    this.updateFlow(s);
    SPECS.forEach((spec, i) => this.plots[i].setData([s.steps, ...spec.columns(s).map((c) => (spec.log ? log10Column(c) : c))] as uPlot.AlignedData));
    // the loss axis in decades, for tests and the curious (the axis labels are drawn on the canvas)
    const ly = this.plots[0].scales.y;
    const lossBox = this.plots[0].root.parentElement;
    if (lossBox) lossBox.dataset.yRange = `${ly.min ?? ''},${ly.max ?? ''}`;
    if (this.layerPlot === null || s.layerNames.length !== this.layerCount) this.buildLayerPlot(s);
    s.layersChanged = false;
    const cols = s.layers.slice(0, MAX_LAYER_SERIES).map(log10Column);
    this.layerPlot?.setData([s.steps, ...cols] as uPlot.AlignedData);
  }

  private resize(): void {
    for (const p of [...this.plots, ...(this.layerPlot ? [this.layerPlot] : []), ...(this.spectral ? [this.spectral] : [])]) {
      const box = p.root.parentElement;
      if (box) p.setSize({ width: this.width(box), height: 150 });
    }
    this.flow?.setSize(this.width(this.flowBox));
    this.cliff?.setSize(this.width(this.cliffBox));
  }

  /** Removes the charts. */
  destroy(): void {
    this.observer.disconnect();
    for (const p of this.plots) p.destroy();
    this.layerPlot?.destroy();
    this.spectral?.destroy();
    this.flow?.destroy();
    this.cliff?.destroy();
    this.host.replaceChildren();
  }
}

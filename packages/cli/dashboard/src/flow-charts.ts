/**
 * The gradient-flow charts of a run, drawn with uPlot like the others and
 * shown once the run's records carry `flow` (every `--flow-every` steps):
 * the heat map of log10 ‖∂L/∂h_t‖ (x: training step, on the same step axis
 * as the gradient-norm chart above it; y: time step t; cells from the
 * report's `flowCells`, painted in a draw hook), and the spectral norm,
 * spectral radius and fitted growth per time step with the line at 1.
 */
import uPlot from 'uplot';
import { formatNumber } from 'gradclip/internal';
import { flowCells, type FlowMap } from '../../src/report/flow-data.js';
import { NON_FINITE_COLOR, viridis, viridisGradient, ZERO_COLOR } from './colormap.js';
import type { RunSeries } from './series.js';

/** Most rows of the heat map (longer sequences share rows, as in the report). */
export const FLOW_MAX_ROWS = 100;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The legend of the heat map: the viridis bar with its ends, and the two special colours. */
function flowLegend(): { root: HTMLElement; set: (lo: number | null, hi: number | null, zeros: boolean, bad: boolean) => void } {
  const root = el('div', 'chart-legend flow-legend');
  const lo = el('span', 'legend-end');
  const bar = el('span', 'legend-bar');
  bar.style.background = viridisGradient();
  const hi = el('span', 'legend-end');
  const title = el('span', 'legend-title', 'log10 ‖∂L/∂h_t‖');
  const zero = el('span', 'legend-swatch-item');
  const zs = el('span', 'legend-swatch');
  zs.style.background = ZERO_COLOR;
  zero.append(zs, document.createTextNode('only zero norms'));
  const nf = el('span', 'legend-swatch-item');
  const ns = el('span', 'legend-swatch');
  ns.style.background = NON_FINITE_COLOR;
  nf.append(ns, document.createTextNode('NaN/Inf norm'));
  root.append(title, lo, bar, hi, zero, nf);
  return {
    root,
    set: (a, b, zeros, bad) => {
      lo.textContent = a === null ? '' : formatNumber(a, 2);
      hi.textContent = b === null ? '' : formatNumber(b, 2);
      zero.hidden = !zeros;
      nf.hidden = !bad;
      root.dataset.zeros = String(zeros);
      root.dataset.nonFinite = String(bad);
    },
  };
}

/** The heat map of a run's `flow` records. */
export class FlowHeatmap {
  private readonly plot: uPlot;
  private map: FlowMap | null = null;
  private mapKey = '';
  private readonly legend = flowLegend();
  private lo = 0;
  private hi = 1;

  /**
   * @param box - the chart's box (the legend goes after it)
   * @param syncKey - cursor sync group, shared with the other charts of the run
   * @param width - initial width in pixels
   */
  constructor(
    readonly box: HTMLElement,
    syncKey: string,
    width: number,
  ) {
    this.plot = new uPlot(
      {
        width,
        height: 150,
        cursor: { sync: { key: syncKey }, drag: { x: false, y: false }, points: { show: false } },
        scales: { x: { time: false }, y: { range: () => [0.5, (this.map?.T ?? 1) + 0.5] } },
        legend: { show: false },
        series: [{ label: 'step' }, { label: 't', show: false }],
        axes: [
          { stroke: '#555', grid: { show: false }, ticks: { stroke: '#ccc' } },
          { stroke: '#555', grid: { show: false }, ticks: { stroke: '#ccc' }, size: 52, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] },
        ],
        hooks: { drawClear: [(u) => this.paint(u)] },
      },
      [[], []],
      box,
    );
    box.parentElement?.appendChild(this.legend.root);
  }

  /** The cells drawn now (for tests and the legend). */
  get cells(): FlowMap | null {
    return this.map;
  }

  /** Redraws from the run's flow records. */
  update(s: RunSeries): void {
    const cols = Math.max(20, Math.floor(this.plot.bbox.width / (window.devicePixelRatio || 1) / 3));
    const key = `${s.flowRecords.length}:${cols}`;
    if (key !== this.mapKey) {
      this.mapKey = key;
      this.map = flowCells('run', s.flowRecords, cols, FLOW_MAX_ROWS);
      const vals = this.map.cells.flatMap((c) => (c.kind === 'value' && c.log10 !== null ? [c.log10] : []));
      this.lo = vals.length ? Math.min(...vals) : 0;
      this.hi = vals.length ? Math.max(...vals) : 1;
      this.legend.set(vals.length ? this.lo : null, vals.length ? this.hi : null, this.map.cells.some((c) => c.kind === 'zero'), this.map.cells.some((c) => c.kind === 'non-finite'));
      this.box.dataset.cells = String(this.map.cells.length);
      this.box.dataset.records = String(this.map.records);
      this.box.dataset.rows = String(this.map.T);
    }
    this.plot.setData([s.steps, s.steps.map(() => null)] as unknown as uPlot.AlignedData);
  }

  private paint(u: uPlot): void {
    const m = this.map;
    if (!m) return;
    const { ctx, bbox } = u;
    ctx.save();
    ctx.beginPath();
    ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
    ctx.clip();
    const span = this.hi - this.lo || 1;
    for (const c of m.cells) {
      const x0 = u.valToPos(c.x0, 'x', true);
      const x1 = u.valToPos(c.x1, 'x', true);
      const y0 = u.valToPos(c.y0, 'y', true);
      const y1 = u.valToPos(c.y1, 'y', true);
      ctx.fillStyle = c.kind === 'non-finite' ? NON_FINITE_COLOR : c.kind === 'zero' ? ZERO_COLOR : viridis(((c.log10 ?? this.lo) - this.lo) / span);
      // half a pixel more on each side hides the seams between cells
      ctx.fillRect(Math.min(x0, x1) - 0.5, Math.min(y0, y1) - 0.5, Math.abs(x1 - x0) + 1, Math.abs(y1 - y0) + 1);
    }
    ctx.restore();
  }

  /** Resizes the chart. */
  setSize(width: number): void {
    this.plot.setSize({ width, height: 150 });
  }

  /** Removes the chart. */
  destroy(): void {
    this.plot.destroy();
    this.legend.root.remove();
  }
}

/** Draws the dashed line at 1 (exponent 0) with its two labels. */
function referencePlugin(): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const { ctx, bbox } = u;
          const dpr = window.devicePixelRatio || 1;
          const y = u.valToPos(0, 'y', true);
          if (y < bbox.top || y > bbox.top + bbox.height) return;
          ctx.save();
          ctx.strokeStyle = '#57606a';
          ctx.lineWidth = 1.2 * dpr;
          ctx.setLineDash([2 * dpr, 3 * dpr]);
          ctx.beginPath();
          ctx.moveTo(bbox.left, y);
          ctx.lineTo(bbox.left + bbox.width, y);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = '#57606a';
          ctx.font = `${11 * dpr}px system-ui, sans-serif`;
          ctx.textAlign = 'left';
          ctx.textBaseline = 'bottom';
          ctx.fillText('above 1: the gradient can explode', bbox.left + 4 * dpr, y - 3 * dpr);
          ctx.textBaseline = 'top';
          ctx.fillText('below 1: it can vanish', bbox.left + 4 * dpr, y + 3 * dpr);
          ctx.restore();
        },
      ],
    },
  };
}

/** The three quantities of the spectral chart: label, colour and column. */
export const SPECTRAL_SERIES: readonly { label: string; stroke: string; column: (s: RunSeries) => (number | null)[] }[] = [
  { label: 'spectral norm', stroke: '#1565c0', column: (s) => s.spectralNorm },
  { label: 'spectral radius', stroke: '#00897b', column: (s) => s.spectralRadius },
  { label: 'fitted growth', stroke: '#ef6c00', column: (s) => s.growth },
];

/**
 * The options of the spectral chart: log10 values on a linear axis (like the
 * dashboard's other log charts), a range that always holds 1.
 */
export function spectralOptions(width: number, syncKey: string, axis: uPlot.Axis, series: uPlot.Series[]): uPlot.Options {
  return {
    width,
    height: 150,
    cursor: { sync: { key: syncKey }, drag: { x: false, y: false } },
    scales: {
      x: { time: false },
      y: {
        range: (_u, min, max) => {
          const lo = min === null || !Number.isFinite(min) ? -1 : Math.floor(min);
          const hi = max === null || !Number.isFinite(max) ? 1 : Math.ceil(max);
          return [Math.min(lo, -1), Math.max(hi, 1)];
        },
      },
    },
    legend: { show: true, live: true },
    series: [{ label: 'step' }, ...series],
    axes: [{ stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ccc' } }, axis],
    plugins: [referencePlugin()],
  };
}

/**
 * Pascanu et al. 2013's Fig. 6 in the dashboard (arXiv 1211.5063, section
 * 2.3): the cliff's loss surface E(w, b) (the report's float64 grid, grey,
 * darker = higher, square-root scale), the wall b = 0.5 − w·σ(0.5) dashed,
 * and the run's (w, b) path from ● to ■, drawn with uPlot (axes in w and b,
 * the picture in a draw hook). The window grows with the path as it trains.
 */
import uPlot from 'uplot';
import { formatNumber } from 'gradclip/internal';
import { cliffWindow, largestJump, surfaceCells, wallLine, type CliffWindow } from '../../src/report/cliff-data.js';
import type { TrajectoryPoint } from '../../src/run-folder/trajectory-codec.js';
import { greyRgb } from './colormap.js';

/** Cells per side of the surface grid (as in the report). */
export const CLIFF_GRID = 64;

/** The cliff figure of one run. */
export class CliffChart {
  private readonly plot: uPlot;
  private win: CliffWindow = cliffWindow([]);
  private image: HTMLCanvasElement | null = null;
  private imageKey = '';
  private points: TrajectoryPoint[] = [];
  private readonly note: HTMLElement;

  /**
   * @param box - the chart's box (a note under it says what the path did)
   * @param color - colour of the path
   * @param width - initial width in pixels
   */
  constructor(
    readonly box: HTMLElement,
    private readonly color: string,
    width: number,
  ) {
    this.plot = new uPlot(
      {
        width,
        height: this.heightFor(width),
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: { x: { time: false, range: () => [this.win.wMin, this.win.wMax] }, y: { range: () => [this.win.bMin, this.win.bMax] } },
        legend: { show: false },
        series: [{ label: 'w' }, { label: 'b', show: false }],
        axes: [
          { stroke: '#555', grid: { show: false }, ticks: { stroke: '#ccc' }, label: 'w (recurrent weight)', labelSize: 18 },
          { stroke: '#555', grid: { show: false }, ticks: { stroke: '#ccc' }, size: 44, label: 'b (bias)', labelSize: 18 },
        ],
        hooks: { drawClear: [(u) => this.paintSurface(u)], draw: [(u) => this.paintPath(u)] },
      },
      [[0, 1], [null, null]] as unknown as uPlot.AlignedData,
      box,
    );
    this.note = document.createElement('p');
    this.note.className = 'chart-note cliff-note';
    box.parentElement?.appendChild(this.note);
  }

  private heightFor(width: number): number {
    return Math.max(220, Math.min(420, Math.round(width * 0.6)));
  }

  /** The path drawn now. */
  get path(): readonly TrajectoryPoint[] {
    return this.points;
  }

  /** Replaces the path and redraws. */
  setPath(points: readonly TrajectoryPoint[]): void {
    this.points = [...points];
    this.win = cliffWindow([this.points]);
    this.box.dataset.points = String(this.points.length);
    const j = largestJump(this.points);
    const minJump = 0.05 * Math.hypot(this.win.wMax - this.win.wMin, this.win.bMax - this.win.bMin);
    const fin = this.points.filter((p) => Number.isFinite(p.w) && Number.isFinite(p.b));
    const a = fin[0];
    const z = fin[fin.length - 1];
    const jumped = j !== null && j.size >= minJump ? j : null;
    this.box.dataset.jumpStep = jumped ? String(jumped.step) : '';
    this.note.textContent = a
      ? `Loss surface E(w, b) = (σ(x_50) − 0.7)² (grey, darker = higher); dashed red: the wall. Path from (${formatNumber(a.w, 3)}, ${formatNumber(a.b, 3)}) to (${formatNumber(z.w, 3)}, ${formatNumber(z.b, 3)}) in ${z.step - a.step} steps${jumped ? `; step ${jumped.step} jumped ${formatNumber(jumped.size, 3)}${jumped.median > 0 ? ` (${formatNumber(jumped.size / jumped.median, 3)}× the median step)` : ' (most steps did not move it at all)'}` : ''}.`
      : '';
    this.plot.setData([[this.win.wMin, this.win.wMax], [null, null]] as unknown as uPlot.AlignedData);
  }

  private surface(): HTMLCanvasElement {
    const key = `${this.win.wMin},${this.win.wMax},${this.win.bMin},${this.win.bMax}`;
    if (this.image && key === this.imageKey) return this.image;
    const cells = surfaceCells(this.win, CLIFF_GRID, CLIFF_GRID);
    const maxE = Math.max(...cells.map((c) => c.loss));
    const img = document.createElement('canvas');
    img.width = CLIFF_GRID;
    img.height = CLIFF_GRID;
    const g = img.getContext('2d');
    if (g) {
      const data = g.createImageData(CLIFF_GRID, CLIFF_GRID);
      cells.forEach((c, k) => {
        const i = Math.floor(k / CLIFF_GRID); // row of b, from the bottom
        const j = k % CLIFF_GRID;
        const [r, gg, b] = greyRgb(Math.sqrt(c.loss / (maxE || 1)));
        const o = ((CLIFF_GRID - 1 - i) * CLIFF_GRID + j) * 4;
        data.data[o] = r;
        data.data[o + 1] = gg;
        data.data[o + 2] = b;
        data.data[o + 3] = 255;
      });
      g.putImageData(data, 0, 0);
    }
    this.image = img;
    this.imageKey = key;
    return img;
  }

  private paintSurface(u: uPlot): void {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.surface(), bbox.left, bbox.top, bbox.width, bbox.height);
    ctx.restore();
  }

  private paintPath(u: uPlot): void {
    const { ctx, bbox } = u;
    const dpr = window.devicePixelRatio || 1;
    const X = (w: number): number => u.valToPos(w, 'x', true);
    const Y = (b: number): number => u.valToPos(b, 'y', true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
    ctx.clip();
    const wall = wallLine(this.win);
    if (wall.length > 1) {
      ctx.strokeStyle = '#cf222e';
      ctx.lineWidth = 1.3 * dpr;
      ctx.setLineDash([4 * dpr, 3 * dpr]);
      ctx.beginPath();
      wall.forEach((p, i) => (i === 0 ? ctx.moveTo(X(p.w), Y(p.b)) : ctx.lineTo(X(p.w), Y(p.b))));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    const fin = this.points.filter((p) => Number.isFinite(p.w) && Number.isFinite(p.b));
    if (fin.length > 0) {
      ctx.strokeStyle = this.color;
      ctx.lineWidth = 2 * dpr;
      ctx.beginPath();
      fin.forEach((p, i) => (i === 0 ? ctx.moveTo(X(p.w), Y(p.b)) : ctx.lineTo(X(p.w), Y(p.b))));
      ctx.stroke();
      const dot = (p: TrajectoryPoint, square: boolean): void => {
        ctx.fillStyle = this.color;
        ctx.strokeStyle = '#fff';
        ctx.lineWidth = 1.2 * dpr;
        const r = 5 * dpr;
        ctx.beginPath();
        if (square) ctx.rect(X(p.w) - r, Y(p.b) - r, 2 * r, 2 * r);
        else ctx.arc(X(p.w), Y(p.b), r, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      };
      dot(fin[0], false);
      dot(fin[fin.length - 1], true);
    }
    ctx.restore();
  }

  /** Resizes the chart. */
  setSize(width: number): void {
    this.plot.setSize({ width, height: this.heightFor(width) });
  }

  /** Removes the chart. */
  destroy(): void {
    this.plot.destroy();
    this.note.remove();
  }
}

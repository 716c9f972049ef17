/**
 * The Vega-Lite figure of Pascanu, Mikolov & Bengio 2013's cliff (arXiv
 * 1211.5063, section 2.3, Fig. 6): the loss surface E(w, b) of the one-unit
 * RNN `x_t = w·sigmoid(x_{t−1}) + b` (50 steps, E = (sigmoid(x_50) − 0.7)²),
 * tabulated in float64, with the wall and the (w, b) path of every run
 * drawn on it.
 *
 * @module
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatNumber } from 'gradclip/internal';
import type { TrajectoryPoint } from '../run-folder/trajectory-codec.js';
import { cliffWindow, largestJump, surfaceCells, thinPath, wallLine } from './cliff-data.js';
import { baseConfig } from './spec-style.js';
import type { ResolvedChartOptions } from './specs.js';

/** Cells per side of the surface grid. */
export const CLIFF_GRID = 64;

/** One run's path for {@link cliffSurfaceSpec}. */
export interface CliffPath {
  name: string;
  color: string;
  points: readonly TrajectoryPoint[];
}

function fmt(x: number): string {
  return formatNumber(x, 3);
}

/**
 * The surface with every path: one Vega-Lite spec and the description that
 * says what the paths did (each run's start, end and, when one step stands
 * out, its largest jump).
 */
export function cliffSurfaceSpec(paths: readonly CliffPath[], o: ResolvedChartOptions, title: string): { spec: TopLevelSpec; description: string } {
  const win = cliffWindow(paths.map((p) => p.points));
  const side = Math.max(240, Math.min(o.width - 180, 520));
  // Cells overlap their neighbours by about half a pixel, which hides the anti-aliasing seams between them.
  const ow = (0.6 * (win.wMax - win.wMin)) / o.width;
  const ob = (0.6 * (win.bMax - win.bMin)) / side;
  const cells = surfaceCells(win, CLIFF_GRID, CLIFF_GRID).map((c) => ({ w0: c.w0, w1: Math.min(win.wMax, c.w1 + ow), b0: c.b0, b1: Math.min(win.bMax, c.b1 + ob), E: Number(c.loss.toPrecision(4)) }));
  const xScale = { domain: [win.wMin, win.wMax], nice: false, zero: false };
  const yScale = { domain: [win.bMin, win.bMax], nice: false, zero: false };
  const names = paths.map((p) => p.name);
  const colors = paths.map((p) => p.color);
  const runColor = { field: 'run', type: 'nominal', title: 'run', scale: { domain: names, range: colors }, legend: { symbolType: 'stroke', symbolOpacity: 1 } };
  const runColorNoLegend = { ...runColor, legend: null };
  const pathRows = paths.flatMap((p) => thinPath(p.points.filter((q) => Number.isFinite(q.w) && Number.isFinite(q.b)), o.maxPoints).map((q) => ({ run: p.name, step: q.step, w: q.w, b: q.b })));
  const ends = paths.flatMap((p) => {
    const fin = p.points.filter((q) => Number.isFinite(q.w) && Number.isFinite(q.b));
    if (fin.length === 0) return [];
    const first = fin[0];
    const last = fin[fin.length - 1];
    return [
      { run: p.name, which: 'start', step: first.step, w: first.w, b: first.b },
      { run: p.name, which: 'end', step: last.step, w: last.w, b: last.b },
    ];
  });
  const minJump = 0.05 * Math.hypot(win.wMax - win.wMin, win.bMax - win.bMin);
  const jumpOf = (p: CliffPath): ReturnType<typeof largestJump> => {
    const j = largestJump(p.points);
    return j !== null && j.size >= minJump ? j : null;
  };
  const jumps = paths.flatMap((p) => {
    const j = jumpOf(p);
    return j === null ? [] : [{ run: p.name, step: j.step, w: j.to.w, b: j.to.b, size: j.size, median: j.median, label: `${paths.length > 1 ? `${p.name}: ` : ''}step ${j.step} jumps ${fmt(j.size)}` }];
  });
  const wall = wallLine(win);
  const tooltipXY = [
    { field: 'run', type: 'nominal' },
    { field: 'step', type: 'quantitative' },
    { field: 'w', type: 'quantitative', format: '.4~g' },
    { field: 'b', type: 'quantitative', format: '.4~g' },
  ];
  const layer: Record<string, unknown>[] = [
    {
      data: { values: cells },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'w0', type: 'quantitative', title: 'w (recurrent weight)', scale: xScale },
        x2: { field: 'w1' },
        y: { field: 'b0', type: 'quantitative', title: 'b (bias)', scale: yScale },
        y2: { field: 'b1' },
        color: {
          field: 'E',
          type: 'quantitative',
          title: 'loss E (√ scale)',
          scale: { type: 'sqrt', scheme: 'greys', zero: true },
          legend: { direction: 'horizontal', gradientLength: 200, format: '~g' },
        },
        tooltip: [
          { field: 'w0', type: 'quantitative', title: 'w from', format: '.3~g' },
          { field: 'b0', type: 'quantitative', title: 'b from', format: '.3~g' },
          { field: 'E', type: 'quantitative', title: 'E', format: '.3~g' },
        ],
      },
    },
  ];
  if (wall.length > 1) {
    layer.push({
      data: { values: wall },
      mark: { type: 'line', color: '#cf222e', strokeDash: [4, 3], strokeWidth: 1.3, clip: true },
      encoding: { x: { field: 'w', type: 'quantitative', scale: xScale }, y: { field: 'b', type: 'quantitative', scale: yScale } },
    });
    const lab = wall[Math.floor(wall.length * 0.5)];
    layer.push({
      data: { values: [{ ...lab, text: 'wall b = 0.5 − w·σ(0.5)' }] },
      mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 8, dy: -8, fontSize: 11, color: '#cf222e' },
      encoding: { x: { field: 'w', type: 'quantitative', scale: xScale }, y: { field: 'b', type: 'quantitative', scale: yScale }, text: { field: 'text' } },
    });
  }
  layer.push(
    {
      data: { values: pathRows },
      mark: { type: 'line', strokeWidth: 2, clip: true },
      encoding: { x: { field: 'w', type: 'quantitative', scale: xScale }, y: { field: 'b', type: 'quantitative', scale: yScale }, order: { field: 'step', type: 'quantitative' }, color: runColor, tooltip: tooltipXY },
    },
    {
      data: { values: pathRows },
      mark: { type: 'point', filled: true, size: 9, opacity: 0.8, clip: true },
      encoding: { x: { field: 'w', type: 'quantitative', scale: xScale }, y: { field: 'b', type: 'quantitative', scale: yScale }, color: runColorNoLegend, tooltip: tooltipXY },
    },
    {
      data: { values: ends },
      mark: { type: 'point', filled: true, size: 90, stroke: '#ffffff', strokeWidth: 1.2, clip: true },
      encoding: {
        x: { field: 'w', type: 'quantitative', scale: xScale },
        y: { field: 'b', type: 'quantitative', scale: yScale },
        color: runColorNoLegend,
        shape: { field: 'which', type: 'nominal', title: 'path', scale: { domain: ['start', 'end'], range: ['circle', 'square'] } },
        tooltip: tooltipXY,
      },
    },
  );
  if (jumps.length > 0) {
    layer.push({
      data: { values: jumps },
      mark: { type: 'text', align: 'right', baseline: 'middle', dx: -8, fontSize: 11, fontWeight: 'bold', clip: true },
      encoding: {
        x: { field: 'w', type: 'quantitative', scale: xScale },
        y: { field: 'b', type: 'quantitative', scale: yScale },
        text: { field: 'label' },
        color: runColorNoLegend,
      },
    });
  }
  const spec = {
    title,
    width: o.width,
    height: side,
    autosize: { type: 'fit-x', contains: 'padding' },
    config: baseConfig(),
    layer,
  } as unknown as TopLevelSpec; // layers are built as plain objects; vega-lite's compile() validates them
  const told = paths.map((p) => {
    const fin = p.points.filter((q) => Number.isFinite(q.w) && Number.isFinite(q.b));
    if (fin.length === 0) return `${p.name}: no finite position.`;
    const a = fin[0];
    const z = fin[fin.length - 1];
    const j = jumpOf(p);
    const jump = j ? `; its largest step, step ${j.step}, moved (w, b) by ${fmt(j.size)}${j.median > 0 ? `, ${fmt(j.size / j.median)} times its median step` : ' (most of its steps did not move it at all)'}` : '';
    const nonFinite = fin.length < p.points.length ? `; ${p.points.length - fin.length} positions were not finite` : '';
    return `${p.name}: from (${fmt(a.w)}, ${fmt(a.b)}) to (${fmt(z.w)}, ${fmt(z.b)}) in ${z.step - a.step} steps${jump}${nonFinite}.`;
  });
  const description =
    `The loss E(w, b) = (σ(x_50) − 0.7)² of the one-unit RNN x_t = w·σ(x_{t−1}) + b, 50 steps from x_0 = 0.5 (Pascanu et al. 2013, section 2.3, Fig. 6), ` +
    `computed in float64 at the centres of a ${CLIFF_GRID} × ${CLIFF_GRID} grid (grey, darker = higher, square-root scale). ` +
    `The dashed red line is the wall b = 0.5 − w·σ(0.5), where the final state switches attractor and the gradient explodes. ` +
    `Each line is a run’s (w, b) after every step, from ● to ■. ${told.join(' ')}`;
  return { spec, description };
}

/**
 * The data behind the new charts: flow heat-map cells (zeros, Inf, missing
 * records, merging), the readable loss range (off-scale values), the cliff
 * surface against an independent float64 evaluation of Pascanu et al.'s
 * recurrence, the wall, the jump of a path, and the trajectory codec.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StepStats } from '../../packages/gradclip/src/core/step-stats.js';
import { flowCells } from '../../packages/cli/src/report/flow-data.js';
import { isOffScale, readableRange } from '../../packages/cli/src/report/off-scale.js';
import { cliffWindow, DEFAULT_CLIFF_WINDOW, largestJump, MAX_CLIFF_SPAN, surfaceCells, thinPath, wallLine } from '../../packages/cli/src/report/cliff-data.js';
import { cliffTrajectory, decodeTrajectory, encodeTrajectory, TrajectoryRecorder, type TrajectoryPoint } from '../../packages/cli/src/run-folder/trajectory-codec.js';

function rec(step: number, timeNorms?: number[]): StepStats {
  const s: StepStats = { step, loss: 1, preClipNorm: 1, postClipNorm: 1, clipCoef: 1, clipped: false, skipped: false };
  if (timeNorms) s.flow = { timeNorms, growth: null };
  return s;
}

test('flowCells: one cell per (record, time step), log10 of the norm; zeros, Inf and a missing record', () => {
  const steps: StepStats[] = [];
  for (let t = 1; t <= 60; t++) {
    const has = t % 10 === 0 && t !== 40; // the record of step 40 is missing
    steps.push(rec(t, has ? [t === 20 ? 0 : 1e-3 * t, 2, t === 30 ? Number.POSITIVE_INFINITY : 5] : undefined));
  }
  const m = flowCells('r', steps, 100, 100);
  assert.equal(m.T, 3);
  assert.equal(m.records, 5);
  assert.equal(m.spacing, 10); // gaps 10, 10, 20, 10: median 10
  assert.equal(m.merged, false);
  assert.equal(m.cells.length, 15);
  const at = (step: number, t: number) => m.cells.find((c) => c.start === step && c.t0 === t);
  assert.equal(at(10, 1)?.log10, Math.log10(0.01));
  assert.equal(at(10, 3)?.max, 5);
  assert.equal(at(20, 1)?.kind, 'zero');
  assert.equal(at(20, 1)?.zeros, 1);
  assert.equal(at(20, 1)?.log10, null);
  assert.equal(at(30, 3)?.kind, 'non-finite');
  assert.equal(at(30, 3)?.nonFinite, 1);
  assert.equal(at(40, 1), undefined);
  // each record covers ±spacing/2; around the missing record the columns stay that wide and leave a gap
  assert.deepEqual([at(30, 1)?.x0, at(30, 1)?.x1, at(50, 1)?.x0, at(50, 1)?.x1], [25, 35, 45, 55]);
  assert.deepEqual([at(10, 2)?.y0, at(10, 2)?.y1], [1.5, 2.5]);
});

test('flowCells: neighbours closer than the usual spacing meet half-way; records of different lengths leave cells blank', () => {
  const m = flowCells('r', [rec(10, [1, 1]), rec(20, [1, 1]), rec(24, [1, 1, 1]), rec(30, [1, 1])], 100, 100);
  assert.equal(m.T, 3);
  const x = (step: number) => m.cells.find((c) => c.start === step && c.t0 === 1);
  assert.equal(m.spacing, 6); // gaps 10, 4, 6
  assert.deepEqual([x(10)?.x0, x(10)?.x1, x(20)?.x0, x(20)?.x1, x(24)?.x0, x(24)?.x1, x(30)?.x0, x(30)?.x1], [7, 13, 17, 22, 22, 27, 27, 33]);
  // only the record of step 24 reaches t = 3
  assert.deepEqual(m.cells.filter((c) => c.t0 === 3).map((c) => c.start), [24]);
});

test('flowCells: more records than columns or time steps than rows merge into cells holding the largest norm', () => {
  const steps = Array.from({ length: 12 }, (_, i) => rec(i + 1, Array.from({ length: 8 }, (_, t) => (i + 1) * 10 ** t)));
  steps[5].flow!.timeNorms[7] = Number.NaN;
  const m = flowCells('r', steps, 4, 2);
  assert.equal(m.merged, true);
  assert.equal(m.cells.length, 8);
  const first = m.cells[0];
  assert.deepEqual([first.start, first.end, first.t0, first.t1], [1, 3, 1, 4]);
  assert.equal(first.max, 3 * 10 ** 3);
  const nan = m.cells.find((c) => c.start === 4 && c.t0 === 5);
  assert.equal(nan?.kind, 'non-finite');
  assert.equal(nan?.max, 5 * 10 ** 7); // the finite norms of the cell (steps 4 and 5 at t = 8) still give its max
  assert.deepEqual(flowCells('r', [rec(1), rec(2)], 10, 10).cells, []);
});

test('readableRange: the runs that did not diverge set the top (a power of ten at or above 10x their max); the diverged run goes off scale', () => {
  const clipped = { values: [2.71, 0.13, 0.05, 0.0087], diverged: false };
  const none = { values: [2.71, 0.75, 28, 703, 5.4e9, 1.44e37, Number.POSITIVE_INFINITY, null], diverged: true };
  const r = readableRange([none, clipped], true);
  assert.deepEqual(r, { min: 0.0087, max: 100, cut: true, dataMax: 1.44e37 });
  assert.equal(isOffScale(28, r), false);
  assert.equal(isOffScale(703, r), true);
  assert.equal(isOffScale(Number.POSITIVE_INFINITY, r), false); // non-finite: a non-finite marker, not an off-scale one
  // exactly a power of ten: 10x of 10 is 100
  assert.equal(readableRange([{ values: [10], diverged: false }, { values: [1e9], diverged: true }], true)?.max, 100);
  // nothing to cut: one run, no run diverged, every run diverged, or the diverged run stays below the top
  assert.deepEqual(readableRange([none], true), { min: 0.75, max: 1.44e37, cut: false, dataMax: 1.44e37 });
  assert.equal(readableRange([clipped, { ...clipped, values: [5e3] }], true)?.cut, false);
  assert.equal(readableRange([none, { ...none }], true)?.cut, false);
  assert.equal(readableRange([clipped, { values: [20], diverged: true }], true)?.cut, false);
  // log axes ignore values <= 0; a run with no usable value does not count as a run that did not diverge
  assert.equal(readableRange([{ values: [0, -1], diverged: false }, { values: [5], diverged: true }], true)?.cut, false);
  assert.equal(readableRange([{ values: [null, Number.NaN], diverged: false }], true), null);
});

test('readableRange: on a linear axis the top is half the span above the stable runs', () => {
  const r = readableRange([{ values: [0, 1, 2], diverged: false }, { values: [1, 50], diverged: true }], false);
  assert.deepEqual(r, { min: 0, max: 3, cut: true, dataMax: 50 });
  assert.equal(isOffScale(3, r), false);
  assert.equal(isOffScale(3.01, r), true);
  assert.equal(isOffScale(100, null), false);
});

/** E(w, b) of Pascanu et al.'s one-unit RNN, written here independently of tasks/data/cliff.ts. */
function referenceLoss(w: number, b: number): number {
  let x = 0.5;
  for (let t = 0; t < 50; t++) x = w / (1 + Math.exp(-x)) + b;
  const s = 1 / (1 + Math.exp(-x));
  return (s - 0.7) ** 2;
}

test('surfaceCells: the cells tile the window and hold E at their centres (float64)', () => {
  const win = { wMin: -3, wMax: 15, bMin: -10, bMax: 2 };
  const cells = surfaceCells(win, 12, 8);
  assert.equal(cells.length, 96);
  const c0 = cells[0];
  assert.deepEqual([c0.w0, c0.b0], [-3, -10]);
  const last = cells[cells.length - 1];
  assert.ok(Math.abs(last.w1 - 15) < 1e-12 && Math.abs(last.b1 - 2) < 1e-12);
  for (const c of cells) {
    assert.ok(Math.abs(c.w - (c.w0 + c.w1) / 2) < 1e-12 && Math.abs(c.w1 - c.w0 - 1.5) < 1e-12 && Math.abs(c.b1 - c.b0 - 1.5) < 1e-12);
    const ref = referenceLoss(c.w, c.b);
    assert.ok(Math.abs(c.loss - ref) <= 1e-12 * Math.max(1, ref), `E(${c.w}, ${c.b}) = ${c.loss}, reference ${ref}`);
  }
  // the two plateaus and the valley of Fig. 6: low b runs to the low attractor (E = 0.49), high b to the high one (E = 0.09)
  const near = (w: number, b: number) => cells.reduce((a, c) => (Math.hypot(c.w - w, c.b - b) < Math.hypot(a.w - w, a.b - b) ? c : a));
  assert.ok(Math.abs(near(10, -9).loss - 0.49) < 0.01);
  assert.ok(Math.abs(near(10, 1).loss - 0.09) < 0.01);
  assert.ok(referenceLoss(4, -1.9) < 3e-3);
});

test('wallLine: b = 0.5 − w·σ(0.5), only where the fixed point is unstable (w·σ′(0.5) > 1) and inside the window', () => {
  const s = 1 / (1 + Math.exp(-0.5));
  const wall = wallLine(DEFAULT_CLIFF_WINDOW);
  assert.ok(wall.length > 10);
  for (const p of wall) {
    assert.ok(Math.abs(p.b - (0.5 - p.w * s)) < 1e-12);
    assert.ok(p.w * s * (1 - s) >= 1 - 1e-12);
    assert.ok(p.b >= DEFAULT_CLIFF_WINDOW.bMin && p.b <= DEFAULT_CLIFF_WINDOW.bMax);
  }
  assert.deepEqual(wallLine({ wMin: -3, wMax: 4, bMin: -10, bMax: 2 }), []);
});

test('cliffWindow: the default window grown to the paths with 4% padding, capped in span', () => {
  assert.deepEqual(cliffWindow([]), { wMin: -3 - 0.72, wMax: 15 + 0.72, bMin: -10 - 0.48, bMax: 2 + 0.48 });
  const w = cliffWindow([[{ step: 0, w: 6, b: -2.93 }, { step: 1, w: 19, b: 22.6 }, { step: 2, w: Number.NaN, b: 1e30 }]]);
  assert.ok(Math.abs(w.wMax - (19 + 0.04 * 22)) < 1e-9);
  assert.ok(Math.abs(w.bMax - (22.6 + 0.04 * 32.6)) < 1e-9);
  const far = cliffWindow([[{ step: 0, w: 1e6, b: 0 }]]);
  assert.ok(far.wMax - far.wMin <= MAX_CLIFF_SPAN * 1.08 + 1e-9);
});

test('largestJump and thinPath: the one step that stands out, kept when the path is thinned', () => {
  const pts: TrajectoryPoint[] = Array.from({ length: 300 }, (_, i) => ({ step: i, w: 6 - 0.001 * i, b: -2.93 + 0.001 * i }));
  for (let i = 88; i < 300; i++) pts[i] = { step: i, w: pts[i].w + 13, b: pts[i].b + 25 };
  const j = largestJump(pts);
  assert.equal(j?.step, 88);
  assert.ok(Math.abs((j?.size ?? 0) - Math.hypot(13 - 0.001, 25 + 0.001)) < 1e-9);
  assert.equal(largestJump(pts.slice(0, 80)), null); // even steps: none stands out
  assert.equal(largestJump([pts[0]]), null);
  const thin = thinPath(pts, 50);
  assert.ok(thin.length <= 50);
  assert.deepEqual([thin[0].step, thin[thin.length - 1].step], [0, 299]);
  assert.ok(thin.some((p) => p.step === 87) && thin.some((p) => p.step === 88));
  assert.deepEqual(thinPath(pts.slice(0, 10), 50), pts.slice(0, 10));
});

test('trajectory codec: round trip with non-finite positions; bad files give the reason', () => {
  const t = cliffTrajectory([
    { step: 0, w: 6, b: -2.93 },
    { step: 1, w: Number.NaN, b: Number.POSITIVE_INFINITY },
    { step: 2, w: Number.NEGATIVE_INFINITY, b: 0.1 },
  ]);
  const text = encodeTrajectory(t);
  assert.match(text, /"w":"NaN","b":"Infinity"/);
  const back = decodeTrajectory(JSON.parse(text));
  assert.ok('trajectory' in back);
  assert.deepEqual(back.trajectory, t);
  assert.match((decodeTrajectory({ format: 'x' }) as { error: string }).error, /not a gradclip cliff trajectory/);
  assert.match((decodeTrajectory({ ...t, points: [{ step: 0, w: 1 }] }) as { error: string }).error, /point 1 is not \{step, w, b\}/);
  assert.match((decodeTrajectory({ ...t, points: [{ step: 1, w: 1, b: 1 }, { step: 1, w: 1, b: 1 }] }) as { error: string }).error, /point 2 has step 1 after step 1/);
});

test('TrajectoryRecorder: a resumed run keeps the file’s points before its checkpoint, and only a whole path', () => {
  const file = cliffTrajectory(Array.from({ length: 31 }, (_, i) => ({ step: i, w: i, b: -i })));
  const r = new TrajectoryRecorder({ w: 20.5, b: -20.5 }, 20, file);
  r.push(21, { w: 1, b: 2 });
  const pts = r.trajectory.points;
  assert.deepEqual(pts.map((p) => p.step), Array.from({ length: 22 }, (_, i) => i));
  assert.deepEqual(pts[19], { step: 19, w: 19, b: -19 });
  assert.deepEqual(pts[20], { step: 20, w: 20.5, b: -20.5 }); // the restored position, not the file's
  // a file with a hole before the checkpoint: the path starts at the checkpoint
  const holed = cliffTrajectory(file.points.filter((p) => p.step !== 7));
  assert.deepEqual(new TrajectoryRecorder({ w: 0, b: 0 }, 20, holed).trajectory.points.map((p) => p.step), [20]);
  assert.deepEqual(new TrajectoryRecorder({ w: 1, b: 2 }).trajectory.points, [{ step: 0, w: 1, b: 2 }]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CLIFF_DEFAULTS,
  CLIFF_DESCRIPTION,
  cliffForward,
  cliffLossAndGrad,
  cliffSurface,
  cliffWallBias,
} from '../../packages/cli/src/tasks/data/index.js';

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

test('paper constants: x0 = 0.5, 50 steps, target 0.7 (Pascanu et al. 2013, section 2.3)', () => {
  assert.deepEqual({ ...CLIFF_DEFAULTS }, { x0: 0.5, steps: 50, target: 0.7 });
  assert.match(CLIFF_DESCRIPTION, /x_0 = 0\.5/);
});

test('forward: hand-computed cases', () => {
  // w = 0: x_t = b for every t >= 1.
  const a = cliffForward(0, 0.3);
  assert.equal(a.xs.length, 51);
  assert.equal(a.xs[0], 0.5);
  for (let t = 1; t <= 50; t++) assert.equal(a.xs[t], 0.3);
  assert.ok(Math.abs(a.loss - (sig(0.3) - 0.7) ** 2) < 1e-16);
  // sigma(0.3) = 0.574442516811659, so E = 0.015764...
  assert.ok(Math.abs(a.loss - (0.574442516811659 - 0.7) ** 2) < 1e-14);
  // Two steps written out.
  const w = 1.7;
  const b = -0.4;
  const x1 = w * sig(0.5) + b;
  const x2 = w * sig(x1) + b;
  const two = cliffForward(w, b, 0.5, 2);
  assert.ok(Math.abs(two.xs[1] - x1) < 1e-15);
  assert.ok(Math.abs(two.xs[2] - x2) < 1e-15);
  assert.ok(Math.abs(two.loss - (sig(x2) - 0.7) ** 2) < 1e-15);
});

test('gradient: T = 2 chain rule written out by hand', () => {
  const w = 2.3;
  const b = -0.8;
  const x0 = 0.5;
  const s0 = sig(x0);
  const x1 = w * s0 + b;
  const s1 = sig(x1);
  const x2 = w * s1 + b;
  const s2 = sig(x2);
  const dEdx2 = 2 * (s2 - 0.7) * s2 * (1 - s2);
  const dx2dw = s1 + w * s1 * (1 - s1) * s0;
  const dx2db = 1 + w * s1 * (1 - s1);
  const dx2dx0 = w * s1 * (1 - s1) * w * s0 * (1 - s0);
  const g = cliffLossAndGrad(w, b, x0, 2);
  assert.ok(Math.abs(g.dw - dEdx2 * dx2dw) < 1e-15);
  assert.ok(Math.abs(g.db - dEdx2 * dx2db) < 1e-15);
  assert.ok(Math.abs(g.dx0 - dEdx2 * dx2dx0) < 1e-15);
  assert.equal(g.xT, x2);
});

/** Central finite difference of the loss along one coordinate. */
function fd(f: (v: number) => number, v: number): number {
  const h = 1e-6 * Math.max(1, Math.abs(v));
  return (f(v + h) - f(v - h)) / (2 * h);
}

test('gradient: analytic BPTT matches central finite differences (T = 50) away from the wall', () => {
  const points: [number, number][] = [
    [1, 0],
    [-2, 1],
    [3, -1.5],
    [5, -2],
    [8, -4],
    [12, -3],
    [6, cliffWallBias(6) + 1e-2],
    [10, cliffWallBias(10) - 0.5],
  ];
  for (const [w, b] of points) {
    const g = cliffLossAndGrad(w, b);
    const loss = (ww: number, bb: number, xx = 0.5): number => cliffForward(ww, bb, xx).loss;
    const cases: [string, number, number][] = [
      ['dw', g.dw, fd((v) => loss(v, b), w)],
      ['db', g.db, fd((v) => loss(w, v), b)],
      ['dx0', g.dx0, fd((v) => loss(w, b, v), 0.5)],
    ];
    for (const [what, analytic, numeric] of cases) {
      const err = Math.abs(analytic - numeric);
      assert.ok(err <= 1e-6 * Math.abs(analytic) + 1e-11, `${what} at (${w}, ${b}): analytic ${analytic}, fd ${numeric}`);
    }
  }
});

test('property: analytic gradient matches finite differences on random (w, b) in [-3, 3]^2 (fast-check, fixed seed)', () => {
  fc.assert(
    fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (w, b) => {
      const g = cliffLossAndGrad(w, b);
      const dw = fd((v) => cliffForward(v, b).loss, w);
      const db = fd((v) => cliffForward(w, v).loss, b);
      return Math.abs(g.dw - dw) <= 1e-6 * Math.abs(g.dw) + 1e-11 && Math.abs(g.db - db) <= 1e-6 * Math.abs(g.db) + 1e-11;
    }),
    { seed: 7, numRuns: 100 },
  );
});

test('the cliff: at the wall b*(w) the gradient is >= 1e6 times its value 0.01 away, and the loss jumps', () => {
  for (const w of [6, 8, 10]) {
    const bw = cliffWallBias(w);
    // b*(w) = 0.5 - w * sigmoid(0.5), independent of the implementation:
    assert.ok(Math.abs(bw - (0.5 - w * 0.6224593312018546)) < 1e-12);
    const at = cliffLossAndGrad(w, bw);
    const below = cliffLossAndGrad(w, bw - 1e-2);
    const above = cliffLossAndGrad(w, bw + 1e-2);
    const norm = (g: { dw: number; db: number }): number => Math.hypot(g.dw, g.db);
    assert.ok(norm(at) > 1e6, `w=${w}: |grad| at the wall = ${norm(at)}`);
    assert.ok(norm(below) < 1 && norm(above) < 1, `w=${w}: |grad| off the wall = ${norm(below)}, ${norm(above)}`);
    assert.ok(norm(at) / Math.max(norm(below), norm(above)) > 1e6);
    // Low attractor below the wall (sigmoid(x_50) near 0, loss near 0.49), high one above.
    assert.ok(below.xT < 0 && above.xT > 0);
    assert.ok(below.loss - above.loss > 0.3, `w=${w}: loss ${below.loss} -> ${above.loss}`);
  }
  // Without bistability (w sigma'(0.5) < 1, i.e. w < 4.25) there is no wall.
  const g = cliffLossAndGrad(3, cliffWallBias(3));
  assert.ok(Math.hypot(g.dw, g.db) < 1);
});

test('cliffSurface: grid values equal the pointwise function; |grad| spans > 6 orders of magnitude; loss walls only for large w', () => {
  const s = cliffSurface();
  const nw = 61;
  const nb = 61;
  assert.equal(s.w.length, nw);
  assert.equal(s.b.length, nb);
  assert.equal(s.w[0], -3);
  assert.equal(s.w[nw - 1], 15);
  assert.equal(s.b[0], -10);
  assert.equal(s.b[nb - 1], 2);
  for (const [i, j] of [
    [0, 0],
    [30, 40],
    [60, 60],
    [17, 5],
  ]) {
    const g = cliffLossAndGrad(s.w[j], s.b[i]);
    assert.equal(s.loss[i * nw + j], g.loss);
    assert.equal(s.gradNorm[i * nw + j], Math.hypot(g.dw, g.db));
  }
  let lo = Infinity;
  let hi = 0;
  for (const v of s.gradNorm) {
    if (v > 0) lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  assert.ok(hi / lo > 1e6, `gradient norms span ${lo} .. ${hi}`);
  // Largest loss jump between neighbouring b rows, per column.
  const maxJump = (j: number): number => {
    let m = 0;
    for (let i = 0; i + 1 < nb; i++) m = Math.max(m, Math.abs(s.loss[(i + 1) * nw + j] - s.loss[i * nw + j]));
    return m;
  };
  const jWall = 40; // w = 9
  const jSmooth = 15; // w = 1.5
  assert.equal(s.w[jWall], 9);
  assert.ok(maxJump(jWall) > 0.3, `jump at w = 9: ${maxJump(jWall)}`);
  assert.ok(maxJump(jSmooth) < 0.05, `jump at w = 1.5: ${maxJump(jSmooth)}`);
});

test('bad arguments name the argument', () => {
  assert.throws(() => cliffForward(Number.NaN, 0), { message: 'cliff: w must be a finite number, got NaN' });
  assert.throws(() => cliffLossAndGrad(1, Infinity), { message: 'cliff: b must be a finite number, got Infinity' });
  assert.throws(() => cliffForward(1, 0, 0.5, 0), { message: 'cliff: steps must be an integer >= 1, got 0' });
  assert.throws(() => cliffSurface({ nw: 1 }), { message: 'cliffSurface: nw must be an integer >= 2, got 1' });
  assert.throws(() => cliffSurface({ wMin: 2, wMax: 1 }), { message: 'cliffSurface: wMin must be < wMax, got wMin=2, wMax=1' });
});

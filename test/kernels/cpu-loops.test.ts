// The cpu kernels' hot loops (src/kernels/cpu/f32-loops.ts: blocked, unrolled by 4, float64
// accumulators) against float64 references written here, at every head/block edge, and the
// cpu kernels end to end on 2-D shapes against tf.mul / the float64 norm.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { clipGradNorm, getTotalNorm } from 'gradclip';
import { maxAbsF32, normF32, scaleF32, sumAbsF32, sumSquaresF32 } from '../../packages/gradclip/src/kernels/cpu/f32-loops.js';
import { rng } from '../helpers/rng.js';

/** Sizes around the head (n mod 4) and the 4096-element blocks. */
const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 4095, 4096, 4097, 4098, 4099, 4100, 8191, 8192, 8195, 12291, 20000];

function data(n: number, seed: number, mag: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (r() * 2 - 1) * mag;
  return x;
}
function refSumSquares(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return s;
}
function refSumAbs(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += Math.abs(v);
  return s;
}
function refMaxAbs(x: Float32Array): number {
  let m = 0;
  for (const v of x) {
    if (Number.isNaN(v)) return NaN;
    m = Math.max(m, Math.abs(v));
  }
  return m;
}
const relErr = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

describe('cpu f32 loops', () => {
  it('sum of squares, sum of |x|, max |x| match float64 at every head/block edge, for magnitudes 1e-30..1e30', () => {
    SIZES.forEach((n, i) => {
      for (const mag of [1e-30, 1e-3, 1, 1e19, 1e30]) {
        const x = data(n, 10 * i + 1, mag);
        assert.ok(relErr(sumSquaresF32(x), refSumSquares(x)) < 1e-12, `sumSquares n=${n} mag=${mag}`);
        assert.ok(relErr(sumAbsF32(x), refSumAbs(x)) < 1e-12, `sumAbs n=${n} mag=${mag}`);
        assert.equal(maxAbsF32(x), refMaxAbs(x), `maxAbs n=${n} mag=${mag}`);
      }
    });
  });

  it('the largest float32 does not overflow: 3.4e38² summed in float64', () => {
    const x = new Float32Array(4099).fill(-3.4028234663852886e38);
    const want = 4099 * 3.4028234663852886e38 ** 2;
    assert.ok(relErr(sumSquaresF32(x), want) < 1e-12);
    assert.ok(relErr(normF32([x, x], 2) as number, Math.sqrt(2 * want)) < 1e-12);
    assert.equal(normF32([x], Infinity), 3.4028234663852886e38);
  });

  it('NaN anywhere (head, first block, last block, last element) gives NaN; ±Inf gives Inf; NaN wins over Inf', () => {
    for (const n of [3, 4097, 8195]) {
      for (const at of [0, 1, n >> 1, n - 1]) {
        const x = data(n, at + 7, 1);
        x[at] = NaN;
        assert.ok(Number.isNaN(sumSquaresF32(x)) && Number.isNaN(sumAbsF32(x)) && Number.isNaN(maxAbsF32(x)), `NaN n=${n} at=${at}`);
        x[at] = -Infinity;
        assert.equal(sumSquaresF32(x), Infinity);
        assert.equal(sumAbsF32(x), Infinity);
        assert.equal(maxAbsF32(x), Infinity);
        x[(at + 1) % n] = NaN;
        assert.ok(Number.isNaN(sumSquaresF32(x)) && Number.isNaN(maxAbsF32(x)), `NaN + Inf n=${n} at=${at}`);
      }
    }
    assert.equal(maxAbsF32(new Float32Array([-0, -0, -0, -0, -0])), 0);
    assert.equal(normF32([], 2), 0);
    assert.equal(normF32([new Float32Array(5)], 3), undefined); // other p: the generic path
  });

  it('scale is bit-identical to Math.fround(x · c), out of place and in place, incl. subnormal results, 0, ±Inf, NaN', () => {
    const r = rng(99);
    const cs = [0.5, Math.fround(1 / 3), Math.fround(0.999999), 1, 0, -0, 1e-30, Math.fround(3e-39), Infinity, -Infinity, NaN];
    for (let k = 0; k < 20; k++) cs.push(Math.fround((r() * 2 - 1) * 10 ** (r() * 8 - 4)));
    SIZES.forEach((n, i) => {
      const x = data(n, 100 + i, 10 ** ((i % 7) - 3));
      if (n > 2) x[1] = 1e-40; // a subnormal input
      for (const c of cs) {
        const y = new Float32Array(n);
        scaleF32(x, y, c);
        const z = x.slice();
        scaleF32(z, z, c);
        for (let j = 0; j < n; j++) {
          const want = Math.fround(x[j] * c);
          assert.ok(Object.is(y[j], want) && Object.is(z[j], want), `n=${n} c=${c} j=${j}: ${y[j]} ${z[j]} vs ${want}`);
        }
      }
    });
  });
});

describe('cpu kernels on 2-D shapes', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('clipGradNorm: norm within 1e-6 of float64 and outputs bit-identical to tf.mul(g, coef)', () => {
    const shapes = [[37, 113], [4099], [64, 257], [3], [1, 1]];
    const xs = shapes.map((s, i) => data(s.reduce((a, b) => a * b, 1), 300 + i, 0.05));
    const ts = shapes.map((s, i) => tf.tensor(xs[i], s));
    const start = tf.memory().numTensors;
    const ref = Math.sqrt(xs.reduce((a, x) => a + refSumSquares(x), 0));
    for (const p of [2, 1, Infinity, 3]) {
      const n = getTotalNorm(ts, { normType: p, fused: true });
      const want = p === 2 ? ref : p === 1 ? xs.reduce((a, x) => a + refSumAbs(x), 0) : p === Infinity ? Math.max(...xs.map(refMaxAbs)) : undefined;
      if (want !== undefined) assert.ok(relErr(n.dataSync()[0], Math.fround(want)) < 1e-6, `p=${p}`);
      n.dispose();
    }
    const { grads, totalNorm } = clipGradNorm(ts, 1, { fused: true });
    assert.ok(relErr(totalNorm.dataSync()[0], Math.fround(ref)) < 1e-6);
    const coef = tf.tidy(() => tf.minimum(tf.div(1, tf.add(totalNorm, 1e-6)), 1));
    assert.ok(coef.dataSync()[0] < 1, 'the clip binds');
    grads.forEach((g, i) => {
      assert.deepEqual(g.shape, shapes[i]);
      const want = tf.mul(ts[i], coef);
      assert.deepEqual(Array.from(g.dataSync()), Array.from(want.dataSync()));
      want.dispose();
    });
    const owned = ts.map((t) => tf.add(t, 0)); // own buffers
    const inPlace = clipGradNorm(owned, 1, { inPlace: true });
    inPlace.grads.forEach((g, i) => assert.deepEqual(Array.from(g.dataSync()), Array.from(grads[i].dataSync())));
    tf.dispose([...grads, totalNorm, coef, ...owned, ...inPlace.grads, inPlace.totalNorm]);
    assert.equal(tf.memory().numTensors, start);
    tf.dispose(ts);
  });
});

// The fused multi-tensor kernels behind the public API (GradclipGlobalNorm with WebAssembly
// SIMD on wasm, GradclipScale on cpu and wasm): results against float64 / exact float32
// references written here, in-place semantics, the `fused` option, leaks, peak memory.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, useBackend } from '../helpers/backends.js';
import {
  clipByGlobalNorm,
  clipGradNorm,
  clipGradsWithNorm,
  getTotalNorm,
  globalNorm,
  fusedScaleAvailable,
} from 'gradclip';
import { scaleBy } from '../../packages/gradclip/src/kernels/dispatch.js';
import { setWasmSimdEnabled } from '../../packages/gradclip/src/kernels/wasm/simd-instance.js';
import { measurePeak } from '../../bench/lib/memory.js';
import { rng } from '../helpers/rng.js';

function data(n: number, seed: number, mag = 1): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (r() * 2 - 1) * mag;
  return x;
}
/** float64 p-norm reference of all arrays as one vector. */
function refNorm(xs: Float32Array[], p: number): number {
  let m = 0;
  for (const x of xs) for (const v of x) {
    if (Number.isNaN(v)) return NaN;
    m = Math.max(m, Math.abs(v));
  }
  if (p === Infinity || m === 0 || m === Infinity) return m;
  let s = 0;
  for (const x of xs) for (const v of x) s += (Math.abs(v) / m) ** p;
  return m * s ** (1 / p);
}
const relErr = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

const MODES = [
  { backend: 'cpu' as const, simd: true, label: 'cpu' },
  { backend: 'wasm' as const, simd: true, label: 'wasm (SIMD)' },
  { backend: 'wasm' as const, simd: false, label: 'wasm (JS loops, no SIMD)' },
];

for (const mode of MODES) {
  describe(`fused kernels on ${mode.label}`, () => {
    before(async () => {
      await useBackend(mode.backend);
      setWasmSimdEnabled(mode.simd);
    });
    after(() => setWasmSimdEnabled(true));

    it('global norm of p = 2, 1, ∞, 3, 0.5 matches float64 within 1e-6 (sizes around SIMD/block edges)', () => {
      const sizes = [0, 1, 3, 4, 15, 16, 17, 255, 256, 4095, 4096, 4097, 9001];
      const xs = sizes.map((n, i) => data(n, 100 + i, 10 ** ((i % 5) - 2)));
      const ts = xs.map((x) => tf.tensor1d(x));
      const before = tf.memory().numTensors;
      for (const p of [2, 1, Infinity, 3, 0.5]) {
        const n = getTotalNorm(ts, { normType: p, fused: true });
        const got = n.dataSync()[0];
        n.dispose();
        const want = Math.fround(refNorm(xs, p));
        assert.ok(relErr(got, want) < 1e-6, `p=${p}: ${got} vs ${want}`);
      }
      assert.equal(tf.memory().numTensors, before);
      tf.dispose(ts);
    });

    it('huge values (1e20, squares overflow float32) give the true norm; NaN → NaN; Inf → Inf', () => {
      const big = new Float32Array(5000).fill(1e20);
      big[17] = -3e20;
      const t = tf.tensor1d(big);
      const want = Math.fround(Math.sqrt(4999 * 1e40 + 9e40));
      const n = globalNorm([t]);
      assert.ok(relErr(n.dataSync()[0], want) < 1e-6);
      n.dispose();
      const withNaN = tf.tensor1d([1, NaN, 2]);
      const withInf = tf.tensor1d([1, -Infinity, 2]);
      for (const p of [2, 1, Infinity, 3]) {
        const a = getTotalNorm([t, withNaN], { normType: p });
        const b = getTotalNorm([t, withInf], { normType: p });
        assert.ok(Number.isNaN(a.dataSync()[0]), `p=${p} NaN`);
        assert.equal(b.dataSync()[0], Infinity, `p=${p} Inf`);
        tf.dispose([a, b]);
      }
      tf.dispose([t, withNaN, withInf]);
    });

    it('GradclipScale is bit-identical to float32 products (property, fixed seed) and leaves inputs untouched', () => {
      assert.equal(fusedScaleAvailable(), true);
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 70 }), { minLength: 1, maxLength: 6 }),
          fc.double({ min: -4, max: 4, noNaN: true }),
          fc.integer({ min: 0, max: 1e6 }),
          (sizes, cRaw, seed) => {
            const c = Math.fround(cRaw);
            const xs = sizes.map((n, i) => data(n, seed + i, 100));
            const ts = xs.map((x) => tf.tensor1d(x));
            const coef = tf.scalar(c);
            const out = scaleBy('test', ts, coef, true);
            out.forEach((o, i) => {
              const y = o.dataSync();
              for (let j = 0; j < xs[i].length; j++) assert.equal(y[j], Math.fround(xs[i][j] * c));
              assert.deepEqual(Array.from(ts[i].dataSync()), Array.from(xs[i]));
              assert.deepEqual(o.shape, ts[i].shape);
            });
            tf.dispose([...ts, ...out, coef]);
          },
        ),
        { seed: 42, numRuns: 40 },
      );
    });

    it('in place (consume): writes exclusive buffers in place, copies shared or repeated ones', () => {
      const a = tf.tensor1d([1, 2, 3]);
      const b = tf.tensor1d([4, 5]);
      const bAlias = tf.clone(b); // shares b's buffer: b must not be overwritten
      const coef = tf.scalar(0.5);
      const out = scaleBy('test', [a, b, a], coef, true, true);
      // a appears twice: not written in place (its values are read twice)
      assert.deepEqual(Array.from(out[0].dataSync()), [0.5, 1, 1.5]);
      assert.deepEqual(Array.from(out[2].dataSync()), [0.5, 1, 1.5]);
      assert.deepEqual(Array.from(a.dataSync()), [1, 2, 3]);
      assert.deepEqual(Array.from(out[1].dataSync()), [2, 2.5]);
      assert.deepEqual(Array.from(bAlias.dataSync()), [4, 5]);
      tf.dispose([...out, a, b, bAlias]);
      // an exclusive buffer is written in place: the output aliases the input
      const x = tf.tensor1d([2, -4, 8]);
      const before = tf.memory().numTensors;
      const [y] = scaleBy('test', [x], coef, true, true);
      assert.deepEqual(Array.from(x.dataSync()), [1, -2, 4]);
      assert.deepEqual(Array.from(y.dataSync()), [1, -2, 4]);
      x.dispose();
      assert.deepEqual(Array.from(y.dataSync()), [1, -2, 4]); // still alive through the alias
      y.dispose();
      assert.equal(tf.memory().numTensors, before - 1);
      coef.dispose();
    });

    it('clipGradNorm / clipGradsWithNorm / clipByGlobalNorm: fused and composition agree bit for bit, no leaks', () => {
      const xs = [data(1000, 7, 3), data(37, 8, 3), data(4097, 9, 3)];
      const ts = xs.map((x) => tf.tensor1d(x));
      const start = tf.memory().numTensors;
      const ref = refNorm(xs, 2);
      for (const fused of [true, false]) {
        const { grads, totalNorm } = clipGradNorm(ts, 1, { fused });
        assert.ok(relErr(totalNorm.dataSync()[0], Math.fround(ref)) < 1e-6);
        const c = Math.fround(Math.min(1, Math.fround(1 / Math.fround(totalNorm.dataSync()[0] + 1e-6))));
        const g0 = grads[0].dataSync();
        assert.ok(Math.abs(g0[5] - xs[0][5] * c) <= 1e-6 * Math.abs(xs[0][5] * c) + 1e-30);
        const w = clipGradsWithNorm(ts, 1, totalNorm, { fused });
        const [gcl, n2] = clipByGlobalNorm(ts, 1, undefined, { fused });
        tf.dispose([...grads, totalNorm, ...w, ...gcl, n2]);
      }
      const a = clipGradNorm(ts, 1, { fused: true });
      const b = clipGradNorm(ts, 1, { fused: false });
      a.grads.forEach((g, i) => assert.deepEqual(Array.from(g.dataSync()), Array.from(b.grads[i].dataSync())));
      tf.dispose([...a.grads, ...b.grads, a.totalNorm, b.totalNorm]);
      assert.equal(tf.memory().numTensors, start);
      tf.dispose(ts);
    });

    it('peak extra memory of a fused clip is at most 1× the gradients (+ scalars); in place it is 0', () => {
      const xs = [data(20000, 1), data(30000, 2), data(50000, 3)];
      const ts = xs.map((x) => tf.tensor1d(x));
      const gradBytes = 4 * 100000;
      const fusedPeak = measurePeak(() => {
        const r = clipGradNorm(ts, 0.5);
        tf.dispose([...r.grads, r.totalNorm]);
      }).peakExtraBytes;
      assert.ok(fusedPeak <= gradBytes + 256, `fused peak ${fusedPeak} B for ${gradBytes} B of gradients`);
      const owned = xs.map((x) => tf.tensor1d(x));
      const inPlacePeak = measurePeak(() => {
        const coef = tf.scalar(0.5);
        const out = scaleBy('test', owned, coef, undefined, true);
        tf.dispose([...owned, coef]);
        return out;
      });
      assert.ok(inPlacePeak.peakExtraBytes <= 256, `in-place peak ${inPlacePeak.peakExtraBytes} B`);
      tf.dispose(inPlacePeak.result);
      tf.dispose(ts);
    });
  });
}

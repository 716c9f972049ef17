// Tests of the WebAssembly SIMD kernels on the real tfjs wasm backend memory: every export is
// run on tensors' bytes in place and compared with float64 references written here.
import { describe, it, before, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, useBackend } from '../helpers/backends.js';
import { instantiateSimd, simdSupported, tryInstantiateSimd, type SimdKernels } from '../../packages/gradclip/src/kernels/wasm/simd/index.js';
import { rng } from '../helpers/rng.js';

interface WasmBackendView {
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } };
}

function backend(): WasmBackendView {
  return tf.backend() as unknown as WasmBackendView;
}
function memory(): WebAssembly.Memory {
  return backend().wasm.asm.memory;
}
function offsetOf(t: tf.Tensor): number {
  return backend().dataIdMap.get(t.dataId).memoryOffset;
}
/** Fresh view of `len` floats at byte offset `ptr` (the memory may have grown). */
function view(ptr: number, len: number): Float32Array {
  return new Float32Array(memory().buffer, ptr, len);
}

/** A tensor holding `data` preceded by `shift` padding floats; returns the pointer of data[0]. */
function place(data: Float32Array, shift: number, pad = 0): { t: tf.Tensor; ptr: number } {
  const all = new Float32Array(shift + data.length + pad);
  all.fill(-7.25);
  all.set(data, shift);
  const t = tf.tensor1d(all);
  return { t, ptr: offsetOf(t) + 4 * shift };
}


function randomData(len: number, seed: number, magnitude = 1): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = (r() * 2 - 1) * magnitude;
  return x;
}

// ---- float64 references -------------------------------------------------------------
function refSumSq(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}
function refSumAbs(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s;
}
function refMaxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (Number.isNaN(a)) return NaN;
    if (a > m) m = a;
  }
  return m;
}
function relErr(got: number, want: number): number {
  if (want === 0) return got === 0 ? 0 : Infinity;
  return Math.abs(got - want) / Math.abs(want);
}

const LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 33, 63, 255, 256, 257, 1000, 4095, 4096, 4097, 8195, 12289];

let k: SimdKernels;

describe('simd kernels (tfjs wasm memory)', () => {
  let tensorsBefore = 0;
  before(async () => {
    await useBackend('wasm');
    k = instantiateSimd(memory());
  });
  beforeEach(() => {
    tensorsBefore = tf.memory().numTensors;
  });
  afterEach(() => {
    assert.equal(tf.memory().numTensors, tensorsBefore, 'tensor leak');
  });

  it('loads: SIMD is supported in Node, instances are cached per memory', () => {
    assert.equal(simdSupported(), true);
    assert.equal(instantiateSimd(memory()), k);
    assert.equal(tryInstantiateSimd(memory()), k);
    const other = new WebAssembly.Memory({ initial: 1 });
    const k2 = instantiateSimd(other);
    assert.notEqual(k2, k);
    new Float32Array(other.buffer).set([3, 4], 2);
    assert.equal(k2.sumSquares(8, 2), 25);
  });

  it('sumSquares / sumAbs / maxAbs match float64 for every length and 16-byte misalignment', () => {
    for (const len of LENGTHS) {
      for (let shift = 0; shift < 4; shift++) {
        const x = randomData(len, 1000 * len + shift, 3);
        const { t, ptr } = place(x, shift, 3);
        const ss = k.sumSquares(ptr, len);
        const sa = k.sumAbs(ptr, len);
        const ma = k.maxAbs(ptr, len);
        t.dispose();
        assert.ok(relErr(ss, refSumSq(x)) < 1e-7, `sumSquares len=${len} shift=${shift}: ${ss} vs ${refSumSq(x)}`);
        assert.ok(relErr(sa, refSumAbs(x)) < 1e-7, `sumAbs len=${len} shift=${shift}`);
        assert.equal(ma, refMaxAbs(x), `maxAbs len=${len} shift=${shift}`);
      }
    }
  });

  it('hand-computed values', () => {
    // 3-4-12 has norm 13: sum of squares 9 + 16 + 144 = 169; |x| sum 19; max 12.
    const { t, ptr } = place(new Float32Array([3, -4, 12]), 1);
    assert.equal(k.sumSquares(ptr, 3), 169);
    assert.equal(k.sumAbs(ptr, 3), 19);
    assert.equal(k.maxAbs(ptr, 3), 12);
    assert.equal(k.sumSquares(ptr, 0), 0);
    assert.equal(k.maxAbs(ptr, 0), 0);
    t.dispose();
    // 10000 ones: every float32 partial is exact, total 10000.
    const ones = tf.ones([10000]);
    assert.equal(k.sumSquares(offsetOf(ones), 10000), 10000);
    assert.equal(k.sumAbs(offsetOf(ones), 10000), 10000);
    ones.dispose();
  });

  it('accuracy on 1e6 elements of one value: float32 accumulation would drift, ours does not', () => {
    // 0.1f squared, a million times: a single float32 accumulator is off by ~1e-2 relative.
    const n = 1_000_000;
    const t = tf.fill([n], 0.1);
    const x = Math.fround(0.1);
    const want = n * x * x;
    assert.ok(relErr(k.sumSquares(offsetOf(t), n), want) < 1e-6);
    assert.ok(relErr(k.sumAbs(offsetOf(t), n), n * x) < 1e-6);
    t.dispose();
  });

  it('huge finite values (1e20, 3e38) give the right norm, not Inf', () => {
    const cases: Array<[string, Float32Array]> = [];
    const a = randomData(9000, 7);
    a[10] = 1e20;
    a[5000] = -3e38;
    a[8999] = 3e38;
    cases.push(['mixed', a]);
    cases.push(['all 3e38', new Float32Array(10001).fill(3e38)]);
    cases.push(['all -1e20', new Float32Array(4099).fill(-1e20)]);
    const b = new Float32Array(8192);
    for (let i = 0; i < b.length; i++) b[i] = i % 2 === 0 ? 2e19 : 1e-3;
    cases.push(['alternating 2e19', b]);
    for (const [name, x] of cases) {
      for (let shift = 0; shift < 4; shift += 3) {
        const { t, ptr } = place(x, shift);
        const ss = k.sumSquares(ptr, x.length);
        const sa = k.sumAbs(ptr, x.length);
        const ma = k.maxAbs(ptr, x.length);
        t.dispose();
        assert.ok(Number.isFinite(ss), `${name}: sumSquares must be finite, got ${ss}`);
        assert.ok(relErr(ss, refSumSq(x)) < 1e-6, `${name} sumSquares ${ss} vs ${refSumSq(x)}`);
        assert.ok(relErr(sa, refSumAbs(x)) < 1e-6, `${name} sumAbs ${sa} vs ${refSumAbs(x)}`);
        assert.equal(ma, refMaxAbs(x), `${name} maxAbs`);
      }
    }
    // Hand-computed: 4 x 3e38 -> sum of squares 4 * 9e76 = 3.6e77, norm 6e38.
    const { t, ptr } = place(new Float32Array([3e38, -3e38, 3e38, -3e38]), 0);
    const f = Math.fround(3e38);
    assert.equal(k.sumSquares(ptr, 4), 4 * f * f);
    t.dispose();
  });

  it('tiny, subnormal and zero values', () => {
    const cases: Array<[string, Float32Array]> = [];
    cases.push(['1e-25', new Float32Array(5000).fill(1e-25)]);
    cases.push(['subnormal 1e-40', new Float32Array(4100).fill(-1e-40)]);
    cases.push(['smallest subnormal', new Float32Array(33).fill(1.401298464324817e-45)]);
    const c = randomData(6000, 11, 1e-20);
    cases.push(['random 1e-20', c]);
    const d = new Float32Array(8200);
    for (let i = 0; i < d.length; i++) d[i] = i === 4100 ? 1 : 1e-30;
    cases.push(['one normal among tiny', d]);
    for (const [len, at] of [[4099, 4098], [4097, 4096], [4099, 17], [3, 2]]) {
      const z = new Float32Array(len); // zeros with one tiny value (SIMD body or scalar tail)
      z[at] = -1e-30;
      cases.push([`zeros + 1e-30 at ${at} of ${len}`, z]);
    }
    for (const [name, x] of cases) {
      const { t, ptr } = place(x, 1);
      const ss = k.sumSquares(ptr, x.length);
      const sa = k.sumAbs(ptr, x.length);
      const ma = k.maxAbs(ptr, x.length);
      t.dispose();
      assert.ok(ss > 0, `${name}: sumSquares must not underflow to 0`);
      assert.ok(relErr(ss, refSumSq(x)) < 1e-6, `${name} sumSquares ${ss} vs ${refSumSq(x)}`);
      assert.ok(relErr(sa, refSumAbs(x)) < 1e-6, `${name} sumAbs`);
      assert.equal(ma, refMaxAbs(x), `${name} maxAbs`);
    }
    const z = new Float32Array(5000);
    z[17] = -0;
    const { t, ptr } = place(z, 2);
    assert.equal(k.sumSquares(ptr, z.length), 0);
    assert.equal(k.sumAbs(ptr, z.length), 0);
    assert.equal(k.maxAbs(ptr, z.length), 0);
    t.dispose();
  });

  it('NaN and Inf at the start, middle, a block boundary and the tail', () => {
    const len = 8195; // two full blocks + a scalar tail of 3
    for (const pos of [0, 1, 2047, 4095, 4096, 5000, 8191, 8192, 8194]) {
      for (const [bad, want] of [[Infinity, Infinity], [-Infinity, Infinity], [NaN, NaN]] as const) {
        const x = randomData(len, pos);
        x[pos] = bad;
        const { t, ptr } = place(x, 3);
        const ss = k.sumSquares(ptr, len);
        const sa = k.sumAbs(ptr, len);
        const ma = k.maxAbs(ptr, len);
        t.dispose();
        assert.ok(Object.is(ss, want), `sumSquares with ${bad} at ${pos}: ${ss}`);
        assert.ok(Object.is(sa, want), `sumAbs with ${bad} at ${pos}: ${sa}`);
        assert.ok(Object.is(ma, want), `maxAbs with ${bad} at ${pos}: ${ma}`);
      }
    }
    // Inf in one block and NaN in another -> NaN; Inf with huge finite values -> Inf.
    const x = randomData(9000, 3);
    x[100] = Infinity;
    x[6000] = NaN;
    const y = new Float32Array(4100).fill(3e38);
    y[4099] = -Infinity;
    const a = place(x, 0);
    const b = place(y, 0);
    assert.ok(Number.isNaN(k.sumSquares(a.ptr, x.length)));
    assert.ok(Number.isNaN(k.maxAbs(a.ptr, x.length)));
    assert.equal(k.sumSquares(b.ptr, y.length), Infinity);
    assert.equal(k.maxAbs(b.ptr, y.length), Infinity);
    a.t.dispose();
    b.t.dispose();
  });

  it('sumAbsPow matches float64 sum of (|x|/scale)^p', () => {
    for (const p of [0.5, 1, 1.5, 2, 3, 7.25]) {
      const x = randomData(1234, 99, 5);
      x[7] = 0;
      x[8] = -0;
      const { t, ptr } = place(x, 1);
      const scale = refMaxAbs(x);
      let want = 0;
      for (let i = 0; i < x.length; i++) want += Math.pow(Math.abs(x[i]) / scale, p);
      const got = k.sumAbsPow(ptr, x.length, p, scale);
      t.dispose();
      assert.ok(relErr(got, want) < 1e-12, `p=${p}: ${got} vs ${want}`);
    }
    // hand-computed: p = 3, scale = 2, x = [2, -4] -> 1 + 8 = 9
    const { t, ptr } = place(new Float32Array([2, -4]), 0);
    assert.equal(k.sumAbsPow(ptr, 2, 3, 2), 9);
    t.dispose();
  });

  it('scale: out-of-place and in place, exact float32 products, neighbours untouched', () => {
    for (const len of LENGTHS) {
      for (const shift of [0, 1, 3]) {
        const x = randomData(len, len + 17 * shift, 10);
        if (len > 5) {
          x[1] = 3e38;
          x[2] = NaN;
          x[3] = -Infinity;
          x[4] = 1e-41;
        }
        const c = 0.37;
        const c32 = Math.fround(c);
        const want = x.map((v) => Math.fround(v * c32)); // exact product rounded once
        const src = place(x, shift, 2);
        const dst = place(new Float32Array(len), shift, 2);
        k.scale(src.ptr, dst.ptr, len, c);
        assert.deepEqual(Array.from(view(dst.ptr, len)), Array.from(want), `out-of-place len=${len}`);
        assert.deepEqual(Array.from(view(src.ptr, len)), Array.from(x), 'src unchanged');
        assert.deepEqual(Array.from(view(dst.ptr + 4 * len, 2)), [-7.25, -7.25], 'guard after dst');
        if (shift > 0) assert.equal(view(dst.ptr - 4, 1)[0], -7.25, 'guard before dst');
        k.scale(src.ptr, src.ptr, len, c);
        assert.deepEqual(Array.from(view(src.ptr, len)), Array.from(want), `in place len=${len}`);
        assert.deepEqual(Array.from(view(src.ptr + 4 * len, 2)), [-7.25, -7.25], 'guard after src');
        src.t.dispose();
        dst.t.dispose();
      }
    }
  });

  it('clampValue: min(max(x, lo), hi), NaN stays NaN, in place and out-of-place', () => {
    for (const len of [0, 3, 4, 17, 4097]) {
      const x = randomData(len, len, 4);
      if (len > 3) {
        x[0] = NaN;
        x[1] = Infinity;
        x[2] = -Infinity;
      }
      const lo = -1.1;
      const hi = 2.3;
      const want = x.map((v) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v, Math.fround(lo)), Math.fround(hi))));
      const src = place(x, 1, 1);
      const dst = place(new Float32Array(len), 2, 1);
      k.clampValue(src.ptr, dst.ptr, len, lo, hi);
      assert.deepEqual(Array.from(view(dst.ptr, len)), Array.from(want));
      k.clampValue(src.ptr, src.ptr, len, lo, hi);
      assert.deepEqual(Array.from(view(src.ptr, len)), Array.from(want));
      assert.equal(view(src.ptr + 4 * len, 1)[0], -7.25);
      src.t.dispose();
      dst.t.dispose();
    }
  });

  it('copy and sumF32 (bandwidth references)', () => {
    const x = randomData(1037, 5);
    const src = place(x, 1);
    const dst = place(new Float32Array(1037), 2);
    k.copy(src.ptr, dst.ptr, x.length);
    assert.deepEqual(Array.from(view(dst.ptr, x.length)), Array.from(x));
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    assert.ok(Math.abs(k.sumF32(src.ptr, x.length) - s) < 1e-4);
    src.t.dispose();
    dst.t.dispose();
  });

  it('sgdUpdate: w -= lr * c * g (float64 formula, and exact float32 op sequence), in place and into a new buffer', () => {
    for (const [len, outOfPlace] of [[0, false], [1, false], [5, true], [8, false], [13, true], [4099, false], [4099, true]] as const) {
      const w0 = randomData(len, 1 + len, 2);
      const g = randomData(len, 2 + len, 50);
      const lr = 0.05;
      const c = 0.125 / 3;
      const w = place(w0, 1, 1);
      const gt = place(g, 3, 1);
      const o = outOfPlace ? place(new Float32Array(len), 5, 1) : w;
      k.sgdUpdate(w.ptr, o.ptr, gt.ptr, len, lr, c);
      const got = view(o.ptr, len);
      if (outOfPlace) assert.deepEqual(Array.from(view(w.ptr, len)), Array.from(w0), 'wIn untouched');
      const c32 = Math.fround(c);
      const nlr = Math.fround(-lr);
      for (let i = 0; i < len; i++) {
        const ref64 = w0[i] - lr * c * g[i];
        assert.ok(Math.abs(got[i] - ref64) <= 1e-6 * (Math.abs(w0[i]) + Math.abs(lr * c * g[i])), `i=${i}`);
        const ref32 = Math.fround(Math.fround(nlr * Math.fround(g[i] * c32)) + w0[i]);
        assert.equal(got[i], ref32, `float32 sequence i=${i}`);
      }
      assert.equal(view(o.ptr + 4 * len, 1)[0], -7.25);
      w.t.dispose();
      gt.t.dispose();
      if (o !== w) o.t.dispose();
    }
  });

  it('adamUpdate: float64 formula (with and without decoupled weight decay), three steps', () => {
    const len = 1031;
    for (const wd of [0, 0.01]) {
      const w0 = randomData(len, 31, 1);
      const lr = 0.01;
      const b1 = 0.9;
      const b2 = 0.999;
      const eps = 1e-7;
      const c = 0.6;
      const W = place(w0, 1);
      const M = place(new Float32Array(len), 2);
      const V = place(new Float32Array(len), 3);
      const rw = Float64Array.from(w0);
      const rm = new Float64Array(len);
      const rv = new Float64Array(len);
      const mag = new Float64Array(len); // float64 magnitude of m's terms (error scale under cancellation)
      for (let step = 1; step <= 3; step++) {
        const g = randomData(len, 100 + step, 3);
        g[5] = 0;
        const G = place(g, 0);
        const bc1 = 1 - Math.pow(b1, step);
        const bc2 = 1 - Math.pow(b2, step);
        k.adamUpdate(W.ptr, W.ptr, M.ptr, M.ptr, V.ptr, V.ptr, G.ptr, len, lr, b1, b2, eps, c, bc1, bc2, wd);
        G.t.dispose();
        for (let i = 0; i < len; i++) {
          const gc = g[i] * c;
          rw[i] *= 1 - lr * wd;
          rm[i] = b1 * rm[i] + (1 - b1) * gc;
          mag[i] = b1 * mag[i] + (1 - b1) * Math.abs(gc);
          rv[i] = b2 * rv[i] + (1 - b2) * gc * gc;
          rw[i] -= (lr * (rm[i] / bc1)) / (Math.sqrt(rv[i] / bc2) + eps);
        }
      }
      const gw = view(W.ptr, len);
      const gm = view(M.ptr, len);
      const gv = view(V.ptr, len);
      for (let i = 0; i < len; i++) {
        assert.ok(Math.abs(gw[i] - rw[i]) <= 2e-7 * Math.abs(rw[i]) + 1e-5 * lr, `w[${i}] wd=${wd}: ${gw[i]} vs ${rw[i]}`);
        assert.ok(Math.abs(gm[i] - rm[i]) <= 1e-6 * mag[i], `m[${i}]`);
        assert.ok(Math.abs(gv[i] - rv[i]) <= 1e-6 * Math.abs(rv[i]) + 1e-30, `v[${i}]`);
      }
      W.t.dispose();
      M.t.dispose();
      V.t.dispose();
    }
  });

  it('adamUpdate (c, no decay) equals tf.train.adam on the clipped gradient, step for step', () => {
    const len = 517;
    const w0 = randomData(len, 77, 1);
    const lr = 0.003;
    const b1 = 0.9;
    const b2 = 0.99;
    const eps = 1e-7;
    const c = 0.3;
    const init = tf.tensor1d(w0);
    const v = tf.variable(init, true, 'simd_adam_ref');
    init.dispose();
    const opt = tf.train.adam(lr, b1, b2, eps);
    const W = place(w0, 0);
    const M = place(new Float32Array(len), 0);
    const V = place(new Float32Array(len), 0);
    let acc1 = Math.fround(b1);
    let acc2 = Math.fround(b2);
    for (let step = 1; step <= 3; step++) {
      const g = randomData(len, 500 + step, 2);
      const G = place(g, 0);
      const gClipped = tf.tidy(() => tf.mul(G.t, c));
      opt.applyGradients([{ name: 'simd_adam_ref', tensor: gClipped }]);
      gClipped.dispose();
      // TF.js keeps accBeta as float32 variables: bc = 1 - acc, acc *= beta after the step.
      // Alternate between in place and new buffers (what the optimizer path does): same results.
      const [W2, M2, V2] = step % 2 === 1 ? [place(new Float32Array(len), 0), place(new Float32Array(len), 0), place(new Float32Array(len), 0)] : [W, M, V];
      k.adamUpdate(W.ptr, W2.ptr, M.ptr, M2.ptr, V.ptr, V2.ptr, G.ptr, len, lr, b1, b2, eps, c, Math.fround(1 - acc1), Math.fround(1 - acc2), 0);
      if (W2 !== W) {
        for (const [from, to] of [[W2, W], [M2, M], [V2, V]]) {
          view(to.ptr, len).set(view(from.ptr, len));
          from.t.dispose();
        }
      }
      acc1 = Math.fround(acc1 * Math.fround(b1));
      acc2 = Math.fround(acc2 * Math.fround(b2));
      G.t.dispose();
    }
    const want = v.dataSync();
    const got = view(W.ptr, len);
    let maxUlpRel = 0;
    for (let i = 0; i < len; i++) maxUlpRel = Math.max(maxUlpRel, relErr(got[i], want[i]));
    assert.ok(maxUlpRel < 1e-6, `max relative difference to tf.train.adam: ${maxUlpRel}`);
    opt.dispose();
    v.dispose();
    W.t.dispose();
    M.t.dispose();
    V.t.dispose();
  });

  it('works after the memory grows (views are built per call)', () => {
    const before = memory().buffer.byteLength;
    const n = Math.ceil(before / 4) + (1 << 20);
    const big = tf.fill([n], 0.5);
    assert.ok(memory().buffer.byteLength > before, 'memory should have grown');
    assert.equal(instantiateSimd(memory()), k, 'same Memory object after growth');
    assert.equal(k.sumSquares(offsetOf(big), n), 0.25 * n);
    k.scale(offsetOf(big), offsetOf(big), n, 4);
    assert.equal(k.maxAbs(offsetOf(big), n), 2);
    big.dispose();
  });

  it('property: sumSquares/sumAbs within 1e-6 of float64 for any finite float32 arrays', () => {
    fc.assert(
      fc.property(
        fc.float32Array({ noNaN: true, noDefaultInfinity: true, maxLength: 80 }),
        fc.integer({ min: 0, max: 3 }),
        (x, shift) => {
          const { t, ptr } = place(x, shift);
          const ss = k.sumSquares(ptr, x.length);
          const sa = k.sumAbs(ptr, x.length);
          const ma = k.maxAbs(ptr, x.length);
          t.dispose();
          return relErr(ss, refSumSq(x)) < 1e-6 && relErr(sa, refSumAbs(x)) < 1e-6 && ma === refMaxAbs(x);
        },
      ),
      { seed: 20240611, numRuns: 300 },
    );
  });

  it('property: long mixed-magnitude arrays (normal, huge, tiny, subnormal, zero)', () => {
    const mags = [1, 1e-3, 1e20, 3e38, 1e-25, 1e-40, 0];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10000 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.array(fc.integer({ min: 0, max: mags.length - 1 }), { minLength: 1, maxLength: 3 }),
        (len, seed, kinds) => {
          const r = rng(seed);
          const x = new Float32Array(len);
          for (let i = 0; i < len; i++) x[i] = (r() * 2 - 1) * mags[kinds[Math.floor(r() * kinds.length)]];
          const { t, ptr } = place(x, seed % 4);
          const ss = k.sumSquares(ptr, len);
          const sa = k.sumAbs(ptr, len);
          t.dispose();
          return relErr(ss, refSumSq(x)) < 1e-6 && relErr(sa, refSumAbs(x)) < 1e-6;
        },
      ),
      { seed: 4242, numRuns: 120 },
    );
  });

  it('property: scale is the correctly rounded float32 product, clampValue the float32 clamp', () => {
    fc.assert(
      fc.property(
        fc.float32Array({ maxLength: 70 }),
        fc.float({ noNaN: true }),
        fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }),
        fc.float({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e3 }),
        (x, c, lo, width) => {
          const len = x.length;
          const src = place(x, 1);
          const dst = place(new Float32Array(len), 2);
          k.scale(src.ptr, dst.ptr, len, c);
          const c32 = Math.fround(c);
          const out = view(dst.ptr, len);
          let ok = true;
          for (let i = 0; i < len; i++) ok &&= Object.is(out[i], Math.fround(x[i] * c32));
          const hi = Math.fround(lo + width);
          k.clampValue(src.ptr, dst.ptr, len, lo, hi);
          const out2 = view(dst.ptr, len);
          const lo32 = Math.fround(lo);
          for (let i = 0; i < len; i++) {
            const want = Number.isNaN(x[i]) ? NaN : Math.min(Math.max(x[i], lo32), hi);
            ok &&= Number.isNaN(want) ? Number.isNaN(out2[i]) : out2[i] === want;
          }
          src.t.dispose();
          dst.t.dispose();
          return ok;
        },
      ),
      { seed: 777, numRuns: 200 },
    );
  });

  it('argument errors name the argument and the fix', () => {
    const t = tf.zeros([16]);
    const p = offsetOf(t);
    const size = memory().buffer.byteLength;
    assert.throws(() => k.sumSquares(p + 2, 4), /sumSquares: ptr must be a non-negative byte offset that is a multiple of 4, got/);
    assert.throws(() => k.sumSquares(p, -1), /sumSquares: len must be an integer in \[0, 2\^31 - 1\], got -1/);
    assert.throws(() => k.sumAbs(p, 1.5), /sumAbs: len must be an integer/);
    assert.throws(() => k.maxAbs(size - 4, 2), /maxAbs: ptr range .* exceeds the memory size/);
    assert.throws(() => k.scale(p, p + 4, 8, 2), /scale: src and dst overlap .*pass the same offset for in place, or disjoint ranges/);
    assert.throws(() => k.scale(p, p, 4, NaN), /scale: c must be a number, got NaN/);
    assert.throws(() => k.clampValue(p, p, 4, 2, 1), /clampValue: lo must be <= hi \(both numbers\), got lo=2, hi=1/);
    assert.throws(() => k.copy(p, p, 4), /copy: src and dst overlap/);
    assert.throws(() => k.sumAbsPow(p, 4, 0, 1), /sumAbsPow: p must be a finite number > 0, got 0/);
    assert.throws(() => k.sumAbsPow(p, 4, 2, 0), /sumAbsPow: scale must be a finite number > 0, got 0 \(pass maxAbs of the data\)/);
    assert.throws(() => k.sgdUpdate(p, p, p + 16, 4, NaN, 1), /sgdUpdate: lr must be a finite number, got NaN/);
    assert.throws(() => k.sgdUpdate(p, p, p, 4, 0.1, 1), /sgdUpdate: wIn and g overlap/);
    assert.throws(() => k.sgdUpdate(p, p + 4, p + 32, 4, 0.1, 1), /sgdUpdate: wIn and wOut overlap/);
    assert.throws(() => k.sgdUpdate(p, p + 32, p + 40, 4, 0.1, 1), /sgdUpdate: wOut and g overlap/);
    assert.throws(
      () => k.adamUpdate(p, p + 16, p + 32, p + 32, p + 48, p + 48, p + 16, 4, 0.1, 0.9, 0.999, 1e-7, 1, 0.1, 0.001, 0),
      /adamUpdate: wOut and g overlap/,
    );
    const a = (bc1: number, beta1 = 0.9) => k.adamUpdate(p, p, p + 16, p + 16, p + 32, p + 32, p + 48, 4, 0.1, beta1, 0.999, 1e-7, 1, bc1, 0.001, 0);
    assert.throws(() => a(0), /adamUpdate: bc1 must be in \(0, 1\] \(bc1 = 1 - beta1\^t, t >= 1\), got 0/);
    assert.throws(() => a(0.1, 1), /adamUpdate: beta1 must be in \[0, 1\), got 1/);
    assert.throws(
      () => instantiateSimd({} as WebAssembly.Memory),
      /instantiateSimd: memory must be a WebAssembly.Memory \(e.g. tf.backend\(\).wasm.asm.memory\)/,
    );
    t.dispose();
  });
});

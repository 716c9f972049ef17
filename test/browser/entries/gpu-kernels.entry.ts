/**
 * Browser entry of test/browser/gpu-kernels.test.ts: runs gradclip's
 * GradclipGlobalNorm / GradclipScale kernels on webgl and webgpu (SwiftShader
 * in the harness) against float64 references computed here from the same
 * data, and reports one line per case.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
// gradclip's GPU kernels are opt-in entries (gradclip/webgl, gradclip/webgpu)
import '../../../packages/gradclip/src/webgl.js';
import '../../../packages/gradclip/src/webgpu.js';
import { clipGradNorm, getTotalNorm } from 'gradclip';
import { scaleBy } from '../../../packages/gradclip/src/kernels/dispatch.js';
import { hasKernel } from '../../../packages/gradclip/src/kernels/register.js';
import { GRADCLIP_GLOBAL_NORM, GRADCLIP_SCALE } from '../../../packages/gradclip/src/kernels/names.js';

/** One checked case. */
export interface CaseResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** The functions this entry puts on `window.gradclipTests`. */
export interface GpuKernelTests {
  /** Switches to `backend`, runs one clip; reports whether gradclip's kernels are registered there. */
  init(backend: string): Promise<{ backend: string; norm: boolean; scale: boolean }>;
  /** Norms of p = 2, 1, ∞, 3 over special values and shapes. */
  values(): Promise<CaseResult[]>;
  /** p = 2 (and 1, ∞ on some) over 1, 7, 8, 9, 50, 300 tensors, packed and unpacked, with the composition (fused: false) too. */
  counts(): Promise<CaseResult[]>;
  /** GradclipScale against tf.mul, bit for bit; clipGradNorm end to end. */
  scale(): Promise<CaseResult[]>;
  /** GPU programs of clipGradNorm and of the naive composition on 50 tensors. */
  programs(): Promise<{ fused: number; naive: number }>;
  /** Live tensors (leak check). */
  numTensors(): number;
}

// ---------------------------------------------------------------- data and references
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
function uniform(n: number, seed: number, mag: number): Float32Array {
  const r = lcg(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (r() * 2 - 1) * mag;
  return x;
}
/** float64 p-norm of all arrays as one vector (torch.linalg.vector_norm's definition). */
function refNorm(xs: readonly Float32Array[], p: number): number {
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
/** Within 1e-6 relative of the float32-rounded reference (one subnormal step allowed), or both NaN. */
function close(got: number, ref: number, tol = 1e-6): { ok: boolean; detail: string } {
  const want = Math.fround(ref);
  const ok = (Number.isNaN(got) && Number.isNaN(want)) || got === want || Math.abs(got - want) <= tol * Math.abs(want) || Math.abs(got - want) <= 1.5e-45;
  const rel = want === 0 || !Number.isFinite(want) ? Math.abs(got - want) : Math.abs(got - want) / Math.abs(want);
  return { ok, detail: `got ${got}, float64 ${ref}, rel ${rel.toExponential(2)}` };
}

async function checkNorm(name: string, xs: readonly Float32Array[], shapes: readonly number[][], ps: readonly number[], layout: Layout, tol = 1e-6, fused?: boolean): Promise<CaseResult[]> {
  const ts = xs.map((x, i) => place(tf.tensor(x, shapes[i], 'float32'), layout));
  // the reference is taken from what the tensors hold (a GPU op may flush subnormals)
  const held = await Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
  const out: CaseResult[] = [];
  for (const p of ps) {
    const n = getTotalNorm(ts, { normType: p, fused });
    const got = (await n.data())[0];
    n.dispose();
    const c = close(got, refNorm(held, p), tol);
    out.push({ name: `${name}, p = ${p}, ${layout}${fused === false ? ', composition' : ''}`, ...c });
  }
  tf.dispose(ts);
  return out;
}

/** Where a tensor lives before the call: uploaded as is, or the output of a GPU op (packed on webgl). */
type Layout = 'uploaded' | 'computed';
function place(t: tf.Tensor, layout: Layout): tf.Tensor {
  if (layout === 'uploaded') return t;
  const y = tf.tidy(() => tf.add(t, tf.scalar(0))); // a GPU program's output (webgl: packed)
  t.dispose();
  return y;
}

const shapesOf = (sizes: readonly number[]): number[][] => sizes.map((n) => [n]);

// ---------------------------------------------------------------- cases
const tests: GpuKernelTests = {
  async init(backend) {
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
    // gradclip registers its kernels on the first norm or clip
    const t = tf.ones([3]);
    const r = clipGradNorm([t], 1);
    await r.totalNorm.data();
    tf.dispose([t, r.totalNorm, ...r.grads]);
    return { backend: tf.getBackend(), norm: hasKernel(GRADCLIP_GLOBAL_NORM, backend), scale: hasKernel(GRADCLIP_SCALE, backend) };
  },

  async values() {
    const ps = [2, 1, Infinity, 3];
    const out: CaseResult[] = [];
    const sizes = [3, 4, 1000, 4097, 12];
    const shapes = [[3], [2, 2], [10, 100], [17, 241], [2, 3, 2]];
    const mk = (mag: number, seed: number) => sizes.map((n, i) => uniform(n, seed + i, mag));
    for (const layout of ['uploaded', 'computed'] as const) {
      out.push(...(await checkNorm('gradient-like ±1e-3', mk(1e-3, 1), shapes, ps, layout)));
      out.push(...(await checkNorm('values up to 1e20 (squares overflow float32)', mk(1e20, 10), shapes, ps, layout)));
      out.push(...(await checkNorm('values up to 3e38', mk(3e38, 20), shapes, ps, layout)));
      out.push(...(await checkNorm('values up to 1e-30', mk(1e-30, 30), shapes, ps, layout)));
      out.push(...(await checkNorm('subnormals only', mk(1e-39, 40), shapes, ps, layout)));
      const mixed = mk(1, 50);
      mixed[1].set([1e20, -3e38, 1e-40, 0]);
      mixed[3][7] = 1e-20;
      out.push(...(await checkNorm('1, 1e20, 3e38, 1e-40 and 1e-20 together', mixed, shapes, ps, layout)));
      const zeros = sizes.map((n) => new Float32Array(n));
      out.push(...(await checkNorm('zeros', zeros, shapes, ps, layout)));
      const nan = mk(1, 60);
      nan[2][500] = NaN;
      out.push(...(await checkNorm('one NaN', nan, shapes, ps, layout)));
      const inf = mk(1, 70);
      inf[3][9] = -Infinity;
      out.push(...(await checkNorm('one -Inf', inf, shapes, ps, layout)));
      const both = mk(1, 80);
      both[0][1] = Infinity;
      both[4][5] = NaN;
      out.push(...(await checkNorm('Inf and NaN', both, shapes, ps, layout)));
    }
    // empty tensors among others, and only empty ones
    const withEmpty = [new Float32Array(0), uniform(5, 90, 1), new Float32Array(0)];
    out.push(...(await checkNorm('empty tensors among others', withEmpty, [[0], [5], [3, 0]], ps, 'uploaded')));
    out.push(...(await checkNorm('only empty tensors', [new Float32Array(0)], [[0, 4]], ps, 'uploaded')));
    // a large tensor: many records, values of every magnitude
    const big = uniform(300_000, 95, 1);
    for (let i = 0; i < big.length; i += 997) big[i] *= 1e15;
    out.push(...(await checkNorm('300k elements, every 997th ×1e15', [big], [[600, 500]], [2, 1], 'computed')));
    return out;
  },

  async counts() {
    const out: CaseResult[] = [];
    // few distinct sizes: webgl compiles tfjs's own programs (the placement) once per shape
    const SIZES = [1, 5, 64, 1000, 37, 4096];
    for (const k of [1, 7, 8, 9, 50, 300]) {
      const sizes = Array.from({ length: k }, (_, i) => SIZES[(i * 5) % SIZES.length]);
      const xs = sizes.map((n, i) => uniform(n, 1000 + i, 1 + (i % 5)));
      out.push(...(await checkNorm(`${k} tensors`, xs, shapesOf(sizes), k === 9 ? [2, 1, Infinity, 3] : [2], 'computed')));
      if (k === 9 || k === 50) out.push(...(await checkNorm(`${k} tensors`, xs, shapesOf(sizes), [2], 'uploaded')));
    }
    // the op composition (fused: false) with 9 tensors: tf.addN of 8+ inputs dropped the whole
    // command buffer on webgpu, so the norm read 0 before addNSafe
    const nine = Array.from({ length: 9 }, (_, i) => uniform(1000, 2000 + i, 1 + i));
    out.push(...(await checkNorm('9 tensors', nine, shapesOf(nine.map((x) => x.length)), [2, 1], 'computed', 1e-5, false)));
    // mixed layouts in one call (webgl: packed and unpacked programs)
    const xs = [uniform(1001, 1, 1), uniform(64, 2, 1), uniform(9, 3, 1), uniform(4000, 4, 1)];
    const ts = [place(tf.tensor(xs[0]), 'computed'), tf.tensor(xs[1]), place(tf.tensor(xs[2], [3, 3]), 'computed'), tf.tensor(xs[3], [40, 100])];
    const n = getTotalNorm(ts);
    out.push({ name: 'packed and unpacked tensors in one call', ...close((await n.data())[0], refNorm(xs, 2)) });
    // a shallow slice (webgl: a texture offset)
    const whole = tf.tensor(uniform(3000, 5, 1), [30, 100]);
    const sl = tf.slice(whole, [10, 0], [5, 100]);
    const sn = getTotalNorm([sl]);
    out.push({ name: 'a slice of a larger tensor', ...close((await sn.data())[0], refNorm([(await sl.data()) as Float32Array], 2)) });
    tf.dispose([...ts, n, whole, sl, sn]);
    return out;
  },

  async scale() {
    const out: CaseResult[] = [];
    const specials = new Float32Array([0, -0, 1, -1, 3.4e38, -3.4e38, 1e-40, -1e-45, 1e20, 1e-20, Infinity, -Infinity, NaN]);
    const sets: Array<{ name: string; xs: Float32Array[]; shapes: number[][] }> = [
      { name: 'sizes 1, 3, 4, 1001, 4096', xs: [1, 3, 4, 1001, 4096].map((n, i) => uniform(n, 200 + i, 1)), shapes: [[1], [3], [2, 2], [7, 143], [64, 64]] },
      { name: 'special values', xs: [specials], shapes: [[specials.length]] },
      { name: '9 tensors', xs: Array.from({ length: 9 }, (_, i) => uniform(5 + i, 300 + i, 10)), shapes: Array.from({ length: 9 }, (_, i) => [5 + i]) },
    ];
    const coefs = [0.3, 1, 0, 1e-30, 7.5e37, NaN];
    for (const layout of ['uploaded', 'computed'] as const) {
      for (const set of sets) {
        const ts = set.xs.map((x, i) => place(tf.tensor(x, set.shapes[i]), layout));
        for (const cv of coefs) {
          const coef = place(tf.scalar(cv), layout);
          const got = scaleBy('test', ts, coef as tf.Scalar, true);
          const want = ts.map((t) => tf.mul(t, coef));
          let bad = '';
          for (let i = 0; i < ts.length; i++) {
            const a = new Uint32Array(((await got[i].data()) as Float32Array).slice().buffer);
            const b = new Uint32Array(((await want[i].data()) as Float32Array).slice().buffer);
            const shapeOk = got[i].shape.join(',') === set.shapes[i].join(',');
            for (let j = 0; j < b.length && bad === ''; j++) {
              const na = (a[j] & 0x7fffffff) > 0x7f800000;
              const nb = (b[j] & 0x7fffffff) > 0x7f800000;
              if (!(a[j] === b[j] || (na && nb))) bad = `tensor ${i} element ${j}: bits ${a[j].toString(16)} vs tf.mul ${b[j].toString(16)}`;
            }
            if (!shapeOk) bad ||= `tensor ${i}: shape ${got[i].shape} instead of ${set.shapes[i]}`;
          }
          out.push({ name: `GradclipScale = tf.mul bit for bit: ${set.name}, coef ${cv}, ${layout}`, ok: bad === '', detail: bad });
          tf.dispose([coef, ...got, ...want]);
        }
        tf.dispose(ts);
      }
    }
    // clipGradNorm end to end: the pre-clip norm and coef · g
    const xs = [uniform(500, 400, 1e20), uniform(7, 401, 1), uniform(64, 402, 3)];
    const ts = xs.map((x) => place(tf.tensor(x), 'computed'));
    const r = clipGradNorm(ts, 1);
    const total = (await r.totalNorm.data())[0];
    const ref = refNorm(xs, 2);
    out.push({ name: 'clipGradNorm: pre-clip norm with 1e20 values', ...close(total, ref) });
    const coef = Math.fround(Math.min(1, Math.fround(1 / Math.fround(total + 1e-6))));
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const g = await r.grads[i].data();
      for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(g[j] - Math.fround(xs[i][j] * coef)) / Math.max(1e-30, Math.abs(xs[i][j] * coef)));
    }
    out.push({ name: 'clipGradNorm: clipped gradients = coef · g', ok: worst <= 1e-6, detail: `worst rel ${worst}` });
    tf.dispose([...ts, ...r.grads, r.totalNorm]);
    return out;
  },

  async programs() {
    const backend = tf.backend() as unknown as Record<string, unknown>;
    const key = tf.getBackend() === 'webgl' ? 'runWebGLProgram' : 'runWebGPUProgram';
    const original = backend[key] as (...a: unknown[]) => unknown;
    let count = 0;
    backend[key] = (...a: unknown[]) => {
      count++;
      return original.apply(backend, a);
    };
    try {
      const ts = Array.from({ length: 50 }, (_, i) => place(tf.tensor(uniform(1000 + 8 * (i % 3), 500 + i, 1)), "computed"));
      const counted = async (f: () => tf.Tensor[]): Promise<number> => {
        tf.dispose(f()); // compile outside the count
        count = 0;
        const out = f();
        const n = count;
        await out[0].data();
        tf.dispose(out);
        return n;
      };
      const fused = await counted(() => {
        const r = clipGradNorm(ts, 1);
        return [r.totalNorm, ...r.grads];
      });
      const naive = await counted(() =>
        tf.tidy(() => {
          const sq = ts.map((g) => tf.sum(tf.square(g)));
          let parts = sq;
          while (parts.length > 1) {
            const next: tf.Tensor[] = [];
            for (let i = 0; i < parts.length; i += 7) next.push(parts.length - i === 1 ? parts[i] : tf.addN(parts.slice(i, i + 7)));
            parts = next;
          }
          const norm = tf.sqrt(parts[0]);
          const c = tf.minimum(1, tf.div(1, tf.add(norm, 1e-6)));
          return [norm, ...ts.map((g) => tf.mul(g, c))];
        }),
      );
      tf.dispose(ts);
      return { fused, naive };
    } finally {
      backend[key] = original;
    }
  },

  numTensors() {
    return tf.memory().numTensors;
  },
};
(window as unknown as { gradclipTests: GpuKernelTests }).gradclipTests = tests;

/**
 * Browser entry of the browser benchmark (bench/browser/gpu-run.ts): times
 * `clipGradNorm(grads, 1)` against the naive composition a user writes, on
 * webgl or webgpu, side by side in one page, and counts the GPU programs of
 * each (by wrapping the backend's runWebGLProgram / runWebGPUProgram).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
// gradclip's GPU kernels are opt-in entries (gradclip/webgl, gradclip/webgpu)
import '../../packages/gradclip/src/webgl.js';
import '../../packages/gradclip/src/webgpu.js';
import { clipGradNorm } from '../../packages/gradclip/src/index.js';
import { fillGradientLike } from '../lib/sets.js';

/** One implementation's figures on one set. */
export interface ImplResult {
  /** Median wall time of one clip, until its norm is read back (ms). */
  ms: number;
  min: number;
  max: number;
  runs: number;
  /** GPU programs one clip runs. */
  programs: number;
}

/** What {@link BenchApi.run} returns. */
export interface SetResult {
  backend: string;
  set: string;
  tensors: number;
  elements: number;
  naive: ImplResult;
  fused: ImplResult;
  /** Relative error of each implementation's norm against float64, on the set's data and on it ×1e20 (squares overflow float32). */
  error: { naive: number; fused: number; naive1e20: number; fused1e20: number };
}

/** The functions this entry puts on `window.gradclipBench`. */
export interface BenchApi {
  run(backend: string, set: string, sizes: number[], reps: number): Promise<SetResult>;
}

const MAX_NORM = 1;

/**
 * What users write: `tf.tidy(square, sum, addN, sqrt, minimum, mul per
 * tensor)`. tf.addN gets at most 7 inputs at a time (a tree), because
 * tfjs-backend-webgpu's AddN silently drops the work at 8 or more; webgl's
 * AddN splits by itself, so this costs it nothing.
 */
function naiveClip(grads: tf.Tensor[]): tf.Tensor[] {
  return tf.tidy(() => {
    let parts = grads.map((g) => tf.sum(tf.square(g)));
    while (parts.length > 1) {
      const next: tf.Tensor[] = [];
      for (let i = 0; i < parts.length; i += 7) next.push(parts.length - i === 1 ? parts[i] : tf.addN(parts.slice(i, i + 7)));
      parts = next;
    }
    const norm = tf.sqrt(parts[0]);
    const c = tf.minimum(1, tf.div(MAX_NORM, tf.add(norm, 1e-6)));
    return [norm, ...grads.map((g) => tf.mul(g, c))];
  });
}
function fusedClip(grads: tf.Tensor[]): tf.Tensor[] {
  const r = clipGradNorm(grads, MAX_NORM);
  return [r.totalNorm, ...r.grads];
}

/** float64 L2 norm of what the tensors hold. */
function refNorm(xs: Float32Array[]): number {
  let s = 0;
  for (const x of xs) for (const v of x) s += v * v;
  return Math.sqrt(s);
}

const api: BenchApi = {
  async run(backend, set, sizes, reps) {
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
    const be = tf.backend() as unknown as Record<string, unknown>;
    const key = backend === 'webgl' ? 'runWebGLProgram' : 'runWebGPUProgram';
    const original = be[key] as (...a: unknown[]) => unknown;
    let programs = 0;
    be[key] = (...a: unknown[]) => {
      programs++;
      return original.apply(be, a);
    };
    let seed = 12345;
    const host = sizes.map((n) => {
      const x = new Float32Array(n);
      seed = fillGradientLike(x, seed);
      return x;
    });
    // Gradients come out of GPU ops (backprop): make each one the output of a program (webgl: a packed texture).
    const place = (scale: number) => host.map((x) => tf.tidy(() => tf.mul(tf.tensor1d(x), scale)));
    const grads = place(1);
    await Promise.all(grads.map((g) => g.data()));
    const impls = { naive: naiveClip, fused: fusedClip };
    const counts: Record<string, number> = {};
    const times: Record<string, number[]> = { naive: [], fused: [] };
    const once = async (f: (g: tf.Tensor[]) => tf.Tensor[]): Promise<number> => {
      const t0 = performance.now();
      const out = f(grads);
      await out[0].data(); // the norm: waits for the GPU work queued before it
      await out[out.length - 1].data(); // and the last scaled tensor
      const dt = performance.now() - t0;
      tf.dispose(out);
      return dt;
    };
    for (const [name, f] of Object.entries(impls)) {
      await once(f); // compile
      programs = 0;
      const out = f(grads);
      counts[name] = programs;
      await out[0].data();
      tf.dispose(out);
    }
    for (let r = 0; r < reps; r++) for (const [name, f] of Object.entries(impls)) times[name].push(await once(f));
    const error: SetResult['error'] = { naive: 0, fused: 0, naive1e20: 0, fused1e20: 0 };
    for (const [scale, suffix] of [[1, ''], [1e20, '1e20']] as const) {
      const gs = scale === 1 ? grads : place(scale);
      const held = (await Promise.all(gs.map((g) => g.data()))) as Float32Array[];
      const ref = refNorm(held);
      for (const [name, f] of Object.entries(impls)) {
        const out = f(gs);
        const got = (await out[0].data())[0];
        tf.dispose(out);
        (error as unknown as Record<string, number>)[`${name}${suffix}`] = Math.abs(got - ref) / ref;
      }
      if (gs !== grads) tf.dispose(gs);
    }
    tf.dispose(grads);
    be[key] = original;
    const stat = (name: string): ImplResult => {
      const t = [...times[name]].sort((a, b) => a - b);
      return { ms: t[t.length >> 1], min: t[0], max: t[t.length - 1], runs: t.length, programs: counts[name] };
    };
    return { backend, set, tensors: sizes.length, elements: sizes.reduce((a, b) => a + b, 0), naive: stat('naive'), fused: stat('fused'), error };
  },
};
(window as unknown as { gradclipBench: BenchApi }).gradclipBench = api;

/**
 * Browser entry of bench/browser/run.ts: times gradclip's `clipGradNorm` against the naive
 * TF.js composition (bench/run.ts's `naiveClip`) on one benchmark set, in this page's
 * backend. Exposes `window.gradclipTests` (the harness's convention, for `callEntry`).
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { clipGradNorm } from '../../packages/gradclip/src/index.js';
import { setWasmSimdEnabled, wasmKernelPath, type WasmKernelPath } from '../../packages/gradclip/src/kernels/wasm/simd-instance.js';
import { benchSets, fillGradientLike } from '../lib/sets.js';
import { timeRoundRobin, type Timing } from '../lib/timing.js';

setWasmPaths('/');

const MAX_NORM = 1;

/** One measured row. */
export interface BenchRow {
  impl: string;
  timing: Timing;
}

/** What one run reports. */
export interface BenchResult {
  backend: string;
  set: string;
  elements: number;
  tensors: number;
  crossOriginIsolated: boolean;
  /** tfjs runs its threaded (emscripten pthreads) wasm build. */
  threaded: boolean;
  /** XNNPACK threads of the wasm backend. */
  wasmThreads: number | null;
  kernels: WasmKernelPath | null;
  rows: BenchRow[];
}

/** The functions on `window.gradclipTests`. */
export interface ClipBench {
  /**
   * Times the cases on `backend` with set `setName` (S1..S3), `reps` runs each after one
   * warm-up. `wasmThreads` (threaded wasm build only) sets XNNPACK's thread count before the
   * backend starts; by default tfjs uses `navigator.hardwareConcurrency / 2`.
   */
  run(backend: string, setName: string, reps: number, wasmThreads?: number): Promise<BenchResult>;
}

function naiveClip(grads: tf.Tensor[]): void {
  const out = tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    const c = tf.minimum(1, tf.div(MAX_NORM, tf.add(norm, 1e-6)));
    return [norm, ...grads.map((g) => tf.mul(g, c))];
  });
  tf.dispose(out);
}

function gradclipClip(grads: tf.Tensor[]): void {
  const r = clipGradNorm(grads, MAX_NORM);
  tf.dispose([...r.grads, r.totalNorm]);
}

const bench: ClipBench = {
  async run(backend, setName, reps, wasmThreads) {
    if (wasmThreads !== undefined) setThreadsCount(wasmThreads);
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
    const set = benchSets(false).find((s) => s.name === setName);
    if (!set) throw new Error(`unknown set ${setName}`);
    let seed = 1;
    const grads = set.sizes.map((n) => {
      const x = new Float32Array(n);
      seed = fillGradientLike(x, seed);
      return tf.tensor1d(x);
    });
    const isWasm = backend === 'wasm';
    // Every case is synchronous on wasm (its kernels run on the calling thread; XNNPACK's
    // workers are joined before a kernel returns), so wall time per call is the cost.
    const cases = [
      { impl: 'naive TF.js (tf.tidy: square, sum, addN, sqrt, mul)', reps, fn: () => naiveClip(grads) },
      { impl: 'gradclip clipGradNorm(grads, 1)', reps, fn: () => gradclipClip(grads) },
    ];
    if (isWasm) {
      cases.push({
        impl: 'gradclip clipGradNorm(grads, 1), SIMD off (JS loops)',
        reps,
        fn: () => {
          setWasmSimdEnabled(false);
          try {
            gradclipClip(grads);
          } finally {
            setWasmSimdEnabled(true);
          }
        },
      });
    }
    const timings = timeRoundRobin(cases);
    tf.dispose(grads);
    const wasm = isWasm ? (tf.backend() as unknown as { wasm: object }).wasm : null;
    return {
      backend,
      set: `${set.name} (${set.what})`,
      elements: set.sizes.reduce((a, b) => a + b, 0),
      tensors: set.sizes.length,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      threaded: wasm !== null && 'PThread' in wasm,
      wasmThreads: isWasm ? getThreadsCount() : null,
      kernels: isWasm ? wasmKernelPath() : null,
      rows: cases.map((c, i) => ({ impl: c.impl, timing: timings[i] })),
    };
  },
};
(window as unknown as { gradclipTests: ClipBench }).gradclipTests = bench;

/**
 * Browser entry of test/browser/harness.test.ts: exposes, on
 * `window.gradclipTests`, a function that switches TF.js to a backend and
 * runs a matMul there, and one that reports the wasm build in use.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';

setWasmPaths('/');

/** What {@link HarnessTests.matMul} returns. */
export interface MatMulResult {
  backend: string;
  values: number[];
}

/** The functions this entry puts on `window.gradclipTests`. */
export interface HarnessTests {
  /** Switches to `backend` and multiplies `a` [m, k] by `b` [k, n]. */
  matMul(backend: string, a: number[], b: number[], m: number, k: number, n: number): Promise<MatMulResult>;
  /** Facts about the page and the wasm backend (call after `matMul('wasm', ...)`). */
  wasmInfo(): Promise<{ crossOriginIsolated: boolean; multithread: boolean; simd: boolean; pthreads: boolean; threads: number }>;
}

const tests: HarnessTests = {
  async matMul(backend, a, b, m, k, n) {
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
    const out = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])));
    const values = Array.from(await out.data());
    out.dispose();
    return { backend: tf.getBackend(), values };
  },
  async wasmInfo() {
    const wasm = (tf.backend() as unknown as { wasm: object }).wasm;
    return {
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      multithread: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true,
      simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true,
      pthreads: 'PThread' in wasm,
      threads: getThreadsCount(),
    };
  },
};
(window as unknown as { gradclipTests: HarnessTests }).gradclipTests = tests;

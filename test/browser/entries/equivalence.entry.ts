/**
 * Browser entry of test/browser/equivalence.test.ts: runs the
 * training-equivalence suite (test/equivalence/suite.ts) on one TF.js backend
 * in this page.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
// gradclip's GPU kernels are opt-in entries (gradclip/webgl, gradclip/webgpu)
import '../../../packages/gradclip/src/webgl.js';
import '../../../packages/gradclip/src/webgpu.js';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { runEquivalence, type CaseResult, type SuiteOptions } from '../../equivalence/suite.js';
import { wasmKernelPath, type WasmKernelPath } from '../../../packages/gradclip/src/kernels/wasm/simd-instance.js';

setWasmPaths('/');

/** What {@link EquivalenceTests.run} returns. */
export interface EquivalenceRun {
  backend: string;
  /** tfjs runs its threaded (emscripten pthreads) wasm build. */
  threaded: boolean;
  /** gradclip's wasm kernel path (wasm only). */
  kernels: WasmKernelPath | null;
  results: CaseResult[];
  /** Milliseconds each case took (same order as `results`). */
  caseMs: number[];
  ms: number;
}

/** The functions this entry puts on `window.gradclipTests`. */
export interface EquivalenceTests {
  /** Switches to `backend` and runs the suite with `options` (`filter`, `steps`). */
  run(backend: string, options?: Pick<SuiteOptions, 'filter' | 'steps'>): Promise<EquivalenceRun>;
}

const tests: EquivalenceTests = {
  async run(backend, options = {}) {
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
    const t0 = performance.now();
    const caseMs: number[] = [];
    let last = t0;
    const onCase = (): void => {
      const now = performance.now();
      caseMs.push(now - last);
      last = now;
    };
    const results = await runEquivalence({ ...options, onCase });
    const isWasm = tf.getBackend() === 'wasm';
    return {
      backend: tf.getBackend(),
      threaded: isWasm && 'PThread' in (tf.backend() as unknown as { wasm: object }).wasm,
      kernels: isWasm ? wasmKernelPath() : null,
      results,
      caseMs,
      ms: performance.now() - t0,
    };
  },
};
(window as unknown as { gradclipTests: EquivalenceTests }).gradclipTests = tests;

/**
 * Browser entry of test/browser/wasm-threaded.test.ts: runs gradclip's public
 * clip functions on the wasm backend (the threaded SIMD build when the page is
 * cross-origin isolated, the single-threaded one otherwise) and reports which
 * path gradclip's wasm kernels take.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { clipGradNorm, getTotalNorm } from 'gradclip';
import { wasmKernelPath, type WasmKernelPath } from '../../../packages/gradclip/src/kernels/wasm/simd-instance.js';

setWasmPaths('/');

/** A gradient set: one entry per tensor. */
export interface GradSet {
  shapes: number[][];
  data: number[][];
}

/** What {@link WasmTests.init} returns. */
export interface WasmInfo {
  backend: string;
  crossOriginIsolated: boolean;
  multithread: boolean;
  /** tfjs runs its emscripten pthreads (threaded) build. */
  pthreads: boolean;
  kernels: WasmKernelPath;
}

/** The functions this entry puts on `window.gradclipTests`. */
export interface WasmTests {
  init(): Promise<WasmInfo>;
  /** `getTotalNorm(set, {normType})`. */
  totalNorm(set: GradSet, normType: number): Promise<number>;
  /** `clipGradNorm(set, maxNorm)`: the pre-clip norm and the clipped values. */
  clip(set: GradSet, maxNorm: number): Promise<{ totalNorm: number; grads: number[][] }>;
  /** Keeps a new tensor of `mib` MiB alive (grows the wasm memory); returns the memory's byte length. */
  grow(mib: number): number;
  /** Number of live tensors (leak check). */
  numTensors(): number;
}

const kept: tf.Tensor[] = [];
function tensors(set: GradSet): tf.Tensor[] {
  return set.data.map((d, i) => tf.tensor(d, set.shapes[i], 'float32'));
}
function memoryBytes(): number {
  const w = (tf.backend() as unknown as { wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory } }).wasm;
  return (w.asm?.memory ?? w.wasmMemory)!.buffer.byteLength;
}

const tests: WasmTests = {
  async init() {
    if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
    await tf.ready();
    return {
      backend: tf.getBackend(),
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      multithread: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true,
      pthreads: 'PThread' in (tf.backend() as unknown as { wasm: object }).wasm,
      kernels: wasmKernelPath(),
    };
  },
  async totalNorm(set, normType) {
    const ts = tensors(set);
    const n = getTotalNorm(ts, { normType });
    const v = (await n.data())[0];
    tf.dispose([...ts, n]);
    return v;
  },
  async clip(set, maxNorm) {
    const ts = tensors(set);
    const r = clipGradNorm(ts, maxNorm);
    const totalNorm = (await r.totalNorm.data())[0];
    const grads: number[][] = [];
    for (const g of r.grads) grads.push(Array.from(await g.data()));
    tf.dispose([...ts, ...r.grads, r.totalNorm]);
    return { totalNorm, grads };
  },
  grow(mib) {
    kept.push(tf.zeros([(mib << 20) / 4]));
    return memoryBytes();
  },
  numTensors() {
    return tf.memory().numTensors;
  },
};
(window as unknown as { gradclipTests: WasmTests }).gradclipTests = tests;

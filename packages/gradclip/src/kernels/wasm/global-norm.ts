/**
 * `GradclipGlobalNorm` on the `wasm` backend: works on TF.js's own WebAssembly
 * memory in place (no copy out of the heap).
 *
 * With WebAssembly SIMD (every current browser and Node) it runs gradclip's
 * SIMD module on each tensor's bytes (`memoryOffset`, size):
 * - p = 2: `sqrt(Σ sumSquares)`; p = 1: `Σ sumAbs`; p = ∞: `max maxAbs`;
 * - any other p, scaled by m = max |x| (the overflow-safe form of
 *   `torch.linalg.vector_norm`): `||x||_p = m · (Σ (|x_i| / m)^p)^(1/p)`.
 * The SIMD reductions take float32 partials of at most 16 terms per lane,
 * promote them to float64 and combine blocks of 4096 in float64, recomputing a
 * block exactly in float64 when its partial overflows or underflows, so the
 * result is within 1e-6 relative of the float64 norm for any finite input
 * (DESIGN.md section 2); NaN anywhere gives NaN, otherwise ±Inf gives Inf.
 * Without SIMD it falls back to float64 JS loops over views of the heap
 * ({@link pNorm}).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { pNorm } from '../../core/norms.js';
import { GRADCLIP_GLOBAL_NORM, type GlobalNormAttrs } from '../names.js';
import { float32View, heapBuffer, memoryOffset, sizeOf, type WasmBackendLike } from './heap.js';
import { simdFor } from './simd-instance.js';
import type { SimdKernels } from './simd/index.js';

/** The p-norm of the tensors at `offs` (element counts `sizes`) with the SIMD kernels. */
export function simdNorm(k: SimdKernels, offs: readonly number[], sizes: readonly number[], p: number): number {
  const raw = k.raw;
  const n = offs.length;
  if (p === 2) {
    let s = 0;
    for (let i = 0; i < n; i++) s += raw.sumSquares(offs[i], sizes[i]);
    return Math.sqrt(s);
  }
  if (p === 1) {
    let s = 0;
    for (let i = 0; i < n; i++) s += raw.sumAbs(offs[i], sizes[i]);
    return s;
  }
  let m = 0;
  for (let i = 0; i < n; i++) {
    const a = raw.maxAbs(offs[i], sizes[i]);
    if (a !== a) return Number.NaN;
    if (a > m) m = a;
  }
  if (p === Number.POSITIVE_INFINITY || m === 0 || m === Number.POSITIVE_INFINITY) return m;
  let s = 0;
  for (let i = 0; i < n; i++) s += k.sumAbsPow(offs[i], sizes[i], p, m);
  return m * Math.pow(s, 1 / p);
}

const globalNormWasm = ((args: { inputs: unknown; backend: unknown; attrs?: unknown }) => {
  const backend = args.backend as WasmBackendLike;
  const inputs = (args.inputs as TensorInfo[]).filter((t) => sizeOf(t) > 0);
  const { normType } = args.attrs as GlobalNormAttrs;
  const k = simdFor(backend);
  let norm: number;
  if (k !== null) {
    norm = simdNorm(k, inputs.map((t) => memoryOffset(backend, t)), inputs.map(sizeOf), normType);
  } else {
    const buffer = heapBuffer(backend);
    norm = pNorm(inputs.map((t) => float32View(backend, t, buffer)), normType);
  }
  return backend.makeOutput([], 'float32', undefined, new Float32Array([norm]));
}) as unknown as KernelFunc;

/** Kernel registration for the wasm backend. */
export const globalNormWasmConfig: KernelConfig = {
  kernelName: GRADCLIP_GLOBAL_NORM,
  backendName: 'wasm',
  kernelFunc: globalNormWasm,
};

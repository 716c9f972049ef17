/**
 * `GradclipScale` on the `wasm` backend: `out_i = t_i · coef` for every input
 * tensor in one kernel call, on TF.js's own WebAssembly memory. With SIMD it
 * runs the module's `scale` (float32x4 multiply, one IEEE float32 product per
 * element, so bit-identical to `tf.mul`); without, a JS loop over heap views.
 * Out of place it allocates one output per input (peak extra memory: 1× the
 * inputs); with `inPlace: 1` it overwrites every input whose buffer nobody
 * else shares ({@link writableInPlace}) and returns an alias of it (extra
 * memory: 0).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { writableInPlace } from '../in-place.js';
import { GRADCLIP_SCALE, type ScaleAttrs } from '../names.js';
import { heapBuffer, memoryOffset, sizeOf, type WasmBackendLike } from './heap.js';
import { simdFor } from './simd-instance.js';

const scaleWasm = ((args: { inputs: unknown; backend: unknown; attrs?: unknown }) => {
  const backend = args.backend as WasmBackendLike;
  const all = args.inputs as TensorInfo[];
  const tensors = all.slice(0, all.length - 1);
  const coefInfo = all[all.length - 1];
  const c = new Float32Array(heapBuffer(backend), memoryOffset(backend, coefInfo), 1)[0];
  const inPlace = (args.attrs as ScaleAttrs | undefined)?.inPlace === 1;
  const writable = inPlace ? writableInPlace(backend, tensors) : tensors.map(() => false);
  const k = simdFor(backend);
  return tensors.map((t, i): TensorInfo => {
    const size = sizeOf(t);
    let out: TensorInfo;
    if (writable[i]) {
      backend.incRef(t.dataId);
      out = { dataId: t.dataId, shape: t.shape, dtype: 'float32' };
    } else {
      out = backend.makeOutput(t.shape, 'float32');
    }
    if (size === 0) return out;
    const src = memoryOffset(backend, t);
    const dst = memoryOffset(backend, out);
    if (k !== null) {
      k.raw.scale(src, dst, size, c);
    } else {
      const buf = heapBuffer(backend); // fresh: the allocation above may have grown the memory
      const x = new Float32Array(buf, src, size);
      const y = new Float32Array(buf, dst, size);
      for (let j = 0; j < size; j++) y[j] = x[j] * c;
    }
    return out;
  });
}) as unknown as KernelFunc;

/** Kernel registration for the wasm backend. */
export const scaleWasmConfig: KernelConfig = {
  kernelName: GRADCLIP_SCALE,
  backendName: 'wasm',
  kernelFunc: scaleWasm,
};

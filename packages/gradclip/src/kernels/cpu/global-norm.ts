/**
 * `GradclipGlobalNorm` on the `cpu` backend: reads each tensor's own
 * Float32Array in the backend's store (no copy) and accumulates in float64
 * with the monomorphic, blocked loops of `f32-loops.ts` (p = 2, 1, ∞); any
 * other p, or a buffer that is not a Float32Array, goes through the generic
 * {@link pNorm}.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { pNorm, type NumericBuffer } from '../../core/norms.js';
import { GRADCLIP_GLOBAL_NORM, type GlobalNormAttrs } from '../names.js';
import { normF32 } from './f32-loops.js';

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  readSync(dataId: object): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** The backend's own Float32Arrays of `inputs`, or `undefined` if one is stored otherwise. */
function storedF32(backend: CpuBackendLike, inputs: readonly TensorInfo[]): Float32Array[] | undefined {
  const out: Float32Array[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const v = backend.data.get(inputs[i].dataId)?.values;
    if (!(v instanceof Float32Array)) return undefined;
    out.push(v);
  }
  return out;
}

const globalNormCpu = ((args: { inputs: unknown; backend: unknown; attrs?: unknown }) => {
  const backend = args.backend as CpuBackendLike;
  const inputs = args.inputs as TensorInfo[];
  const { normType } = args.attrs as GlobalNormAttrs;
  const arrays = storedF32(backend, inputs);
  let norm = arrays === undefined ? undefined : normF32(arrays, normType);
  if (norm === undefined) {
    const buffers: NumericBuffer[] = arrays ?? inputs.map((t) => backend.readSync(t.dataId));
    norm = pNorm(buffers, normType);
  }
  return backend.makeTensorInfo([], 'float32', new Float32Array([norm]));
}) as unknown as KernelFunc;

/** Kernel registration for the cpu backend. */
export const globalNormCpuConfig: KernelConfig = {
  kernelName: GRADCLIP_GLOBAL_NORM,
  backendName: 'cpu',
  kernelFunc: globalNormCpu,
};

/**
 * `GradclipScale` on the `cpu` backend: `out_i = t_i · coef` for every input
 * tensor in one kernel call, over the backend's own Float32Arrays with the
 * monomorphic, blocked loop {@link scaleF32} (each product is rounded to
 * float32 on store, which is the correctly rounded float32 product:
 * bit-identical to `tf.mul`). Out of place it allocates one output buffer per
 * input and nothing else (1× the inputs); with `inPlace: 1` it overwrites
 * every input whose buffer nobody else shares ({@link writableInPlace}) and
 * returns an alias of it (extra memory: 0).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { writableInPlace } from '../in-place.js';
import { GRADCLIP_SCALE, type ScaleAttrs } from '../names.js';
import { scaleF32 } from './f32-loops.js';

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  readSync(dataId: object): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  refCount(dataId: object): number;
  incRef(dataId: object): void;
}

/** The input's values as a Float32Array: the stored array itself when it is one (no copy). */
function valuesF32(backend: CpuBackendLike, t: TensorInfo): Float32Array {
  const stored = backend.data.get(t.dataId)?.values;
  if (stored instanceof Float32Array) return stored;
  return Float32Array.from(backend.readSync(t.dataId));
}

const scaleCpu = ((args: { inputs: unknown; backend: unknown; attrs?: unknown }) => {
  const backend = args.backend as CpuBackendLike;
  const all = args.inputs as TensorInfo[];
  const n = all.length - 1;
  const c = valuesF32(backend, all[n])[0]; // a float32 value
  const inPlace = (args.attrs as ScaleAttrs | undefined)?.inPlace === 1;
  const tensors = all.slice(0, n);
  const writable = inPlace ? writableInPlace(backend, tensors) : undefined;
  const out: TensorInfo[] = [];
  for (let i = 0; i < n; i++) {
    const t = tensors[i];
    const stored = backend.data.get(t.dataId)?.values;
    if (writable !== undefined && writable[i] && stored instanceof Float32Array) {
      scaleF32(stored, stored, c);
      backend.incRef(t.dataId);
      out.push({ dataId: t.dataId, shape: t.shape, dtype: 'float32' });
    } else {
      const x = stored instanceof Float32Array ? stored : valuesF32(backend, t);
      const y = new Float32Array(x.length);
      scaleF32(x, y, c);
      out.push(backend.makeTensorInfo(t.shape, 'float32', y));
    }
  }
  return out;
}) as unknown as KernelFunc;

/** Kernel registration for the cpu backend. */
export const scaleCpuConfig: KernelConfig = {
  kernelName: GRADCLIP_SCALE,
  backendName: 'cpu',
  kernelFunc: scaleCpu,
};

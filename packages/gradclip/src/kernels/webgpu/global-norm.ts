/**
 * `GradclipGlobalNorm` on the `webgpu` backend (tfjs-backend-webgpu 4.x, reached
 * through the kernel's backend object; the package is never imported).
 *
 * One pass over the gradients: each partial dispatch binds as many tensors as
 * the device allows (`maxStorageBuffersPerShaderStage` minus the output: 7
 * on a default device) and writes one raw record per invocation into a
 * records buffer shared by all dispatches of the call; one final dispatch
 * combines the records into the float32 norm. Programs per call: ⌈n / 7⌉ + 1 for
 * p = 2, 1, ∞ (no host sync); any other p adds a max pass first,
 * `||x||_p = m · (Σ (|x_i| / m)^p)^(1/p)` with m = max |x_i|.
 *
 * Accuracy (see `./norm-scheme.ts`): within a few float32 ulps of the float64
 * norm for any finite float32 input, values whose squares overflow float32
 * and subnormals included; NaN anywhere gives NaN, otherwise ±Inf gives Inf;
 * no elements give 0.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GRADCLIP_GLOBAL_NORM, type GlobalNormAttrs } from '../names.js';
import { FinalNormProgram, PartialNormProgram, RAW_FLOATS, WG, type NormMode } from './norm-programs.js';
import { integerPower, SUM_P1, SUM_P2 } from './norm-scheme.js';
import { isWebGPUBackend, sizeOf, type WebGPUBackendLike } from './types.js';

/** Fewest 4-element steps per workgroup (16 per invocation). */
export const MIN_CHUNK_STEPS = 1024;
/** Most 4-element steps per workgroup (512 per invocation, 2048 elements) unless the dispatch limit needs more. */
export const MAX_CHUNK_STEPS = 32768;
/** Most workgroups of one dispatch (raw records: 64 per workgroup). */
export const MAX_WORKGROUPS = 4096;
/** Workgroups a dispatch aims at (when its tensors are large enough). */
export const TARGET_WORKGROUPS = 64;

/** A planned partial dispatch: its tensors, their components, its chunk and workgroups. */
interface PartialDispatch {
  inputs: TensorInfo[];
  sizes: number[];
  components: number[];
  /** 4-element steps per workgroup. */
  chunk: number;
  workgroups: number;
  /** Index of its first record in the records buffer. */
  outOffset: number;
}

/**
 * Splits the non-empty `tensors` into dispatches of at most `perDispatch`
 * tensors; each dispatch takes a chunk of
 * `clamp(⌈steps / TARGET_WORKGROUPS⌉, MIN_CHUNK_STEPS, MAX_CHUNK_STEPS)` steps
 * per workgroup (more when the dispatch would exceed `maxWorkgroups`).
 */
export function planPartials(
  tensors: readonly TensorInfo[],
  perDispatch: number,
  maxWorkgroups: number,
): { dispatches: PartialDispatch[]; records: number } {
  const dispatches: PartialDispatch[] = [];
  let records = 0;
  for (let g = 0; g < tensors.length; g += perDispatch) {
    const group = tensors.slice(g, g + perDispatch);
    const sizes = group.map(sizeOf);
    const steps = sizes.map((n) => Math.ceil(n / 4));
    const total = steps.reduce((a, b) => a + b, 0);
    const chunk = Math.max(
      Math.min(MAX_CHUNK_STEPS, Math.max(MIN_CHUNK_STEPS, Math.ceil(total / TARGET_WORKGROUPS))),
      Math.ceil(total / (maxWorkgroups - group.length)),
    );
    const workgroups = steps.reduce((a, st) => a + Math.ceil(st / chunk), 0);
    dispatches.push({
      // Bound flat: the shape only feeds tfjs's uniforms, and one pipeline then serves every shape.
      inputs: group.map((t, i) => ({ dataId: t.dataId, shape: [sizes[i]], dtype: t.dtype })),
      sizes,
      components: sizes.map((n) => (n % 4 === 0 ? 4 : 1)),
      chunk,
      workgroups,
      outOffset: records,
    });
    records += workgroups;
  }
  return { dispatches, records };
}

/** Runs the partial dispatches and the final one; returns the norm scalar. */
function runPasses(backend: WebGPUBackendLike, tensors: readonly TensorInfo[], mode: NormMode, maxIn?: TensorInfo): TensorInfo {
  const limits = backend.device.limits;
  const perDispatch = limits.maxStorageBuffersPerShaderStage - 1 - (maxIn === undefined ? 0 : 1);
  if (perDispatch < 1) throw new Error(`GradclipGlobalNorm (webgpu): the device allows ${limits.maxStorageBuffersPerShaderStage} storage buffers per stage; need at least ${maxIn === undefined ? 2 : 3}`);
  const plan = planPartials(tensors, perDispatch, Math.min(limits.maxComputeWorkgroupsPerDimension, MAX_WORKGROUPS));
  const floats = RAW_FLOATS * WG * plan.records;
  const records = backend.makeTensorInfo([floats], 'float32');
  const generalP = mode.kind === 'pow' && integerPower(mode.p) === undefined ? mode.p : undefined;
  try {
    for (const d of plan.dispatches) {
      const program = new PartialNormProgram(d.components, mode, d.workgroups, floats);
      const inputs = maxIn === undefined ? d.inputs : [...d.inputs, maxIn];
      const uniforms = PartialNormProgram.uniformData(d.sizes, d.components, d.chunk, d.outOffset, generalP);
      backend.runWebGPUProgram(program, inputs, 'float32', uniforms, records);
    }
    const final = new FinalNormProgram(mode);
    const inputs = maxIn === undefined ? [records] : [records, maxIn];
    return backend.runWebGPUProgram(final, inputs, 'float32', FinalNormProgram.uniformData(WG * plan.records, mode.kind === 'pow' ? mode.p : 1));
  } finally {
    backend.disposeData(records.dataId);
  }
}

/**
 * `||x||_p = (Σ_i |x_i|^p)^(1/p)` (`max |x_i|` for p = ∞) of all elements of
 * `tensors` (float32) on a WebGPU backend, as a new scalar TensorInfo; 0 for no elements.
 */
export function webgpuGlobalNorm(backend: WebGPUBackendLike, tensors: readonly TensorInfo[], p: number): TensorInfo {
  const live = tensors.filter((t) => sizeOf(t) > 0);
  if (live.length === 0) return backend.makeTensorInfo([], 'float32', new Float32Array([0]));
  if (p === 2) return runPasses(backend, live, { kind: 'sum', scheme: SUM_P2 });
  if (p === 1) return runPasses(backend, live, { kind: 'sum', scheme: SUM_P1 });
  const m = runPasses(backend, live, { kind: 'max' });
  if (p === Number.POSITIVE_INFINITY) return m;
  try {
    return runPasses(backend, live, { kind: 'pow', p }, m);
  } finally {
    backend.disposeData(m.dataId);
  }
}

const globalNormWebGPU = ((args: { inputs: unknown; backend: unknown; attrs?: unknown }) => {
  const backend = args.backend;
  if (!isWebGPUBackend(backend)) throw new Error('GradclipGlobalNorm: the active "webgpu" backend is not tfjs-backend-webgpu 4.x (no runWebGPUProgram)');
  const { normType } = args.attrs as GlobalNormAttrs;
  return webgpuGlobalNorm(backend, args.inputs as TensorInfo[], normType);
}) as unknown as KernelFunc;

/** Kernel registration for the webgpu backend. */
export const globalNormWebGPUConfig: KernelConfig = {
  kernelName: GRADCLIP_GLOBAL_NORM,
  backendName: 'webgpu',
  kernelFunc: globalNormWebGPU,
};

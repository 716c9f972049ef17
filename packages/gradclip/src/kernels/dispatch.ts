/**
 * The one place that turns a list of tensors into a global norm, and scales a
 * list of tensors by a clip coefficient: the fused multi-tensor kernels where
 * the current backend has them (cpu: float64 JS loops; wasm: WebAssembly SIMD
 * on TF.js's own memory, no copies), otherwise a composition of TF.js ops that
 * stays on the device (no host sync: webgl, webgpu, tfjs-node). All public
 * norm and clip functions go through here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { engine, getBackend, scalar, type NamedTensorMap, type Scalar, type Tensor } from '@tensorflow/tfjs-core';
import { globalNormComposite } from './fallback/global-norm.js';
import { GRADCLIP_GLOBAL_NORM, GRADCLIP_SCALE } from './names.js';
import { hasKernel, registerGradclipKernels } from './register.js';
import { GradclipArgumentError } from '../core/errors.js';

let registered = false;

/**
 * gradclip's kernels are registered with TF.js the first time a norm or clip
 * asks for them (not as an import side effect, so a bundle that never clips
 * drops them, and importing the library registers nothing).
 */
function ensureKernels(): void {
  if (registered) return;
  registerGradclipKernels();
  registered = true;
}

/**
 * Kernel choice, like PyTorch's `foreach`: `undefined` uses the fused kernels
 * when the backend has them; `true` requires them (error otherwise); `false`
 * always uses the op composition.
 */
export type FusedOption = boolean | undefined;

/** True when the active backend has gradclip's fused norm kernel. */
export function fusedNormAvailable(): boolean {
  ensureKernels();
  return hasKernel(GRADCLIP_GLOBAL_NORM, getBackend());
}

/** True when the active backend has gradclip's fused multi-tensor scale kernel. */
export function fusedScaleAvailable(): boolean {
  ensureKernels();
  return hasKernel(GRADCLIP_SCALE, getBackend());
}

const warned = new Set<string>();

/** Backends whose gradclip kernels live in an entry of their own. */
const GPU_ENTRIES: Readonly<Record<string, string>> = { webgl: 'gradclip/webgl', webgpu: 'gradclip/webgpu' };

function useFused(fn: string, available: boolean, fused: FusedOption): boolean {
  const backend = getBackend();
  if (fused === undefined && !available && GPU_ENTRIES[backend] !== undefined && !warned.has(backend)) {
    warned.add(backend);
    console.warn(
      `gradclip: the ${backend} backend is active but gradclip's ${backend} kernels are not registered, so norms and clips use ` +
        `a composition of TF.js ops (correct, slower); import '${GPU_ENTRIES[backend]}' once to register them`,
    );
  }
  if (fused === true && !available) {
    throw new GradclipArgumentError(
      `${fn}: fused: true but the "${getBackend()}" backend has no gradclip fused kernel; use fused: undefined (automatic) or false`,
    );
  }
  return fused !== false && available;
}

/**
 * p-norm of all elements of `tensors` as one vector, as a new float32 scalar.
 * @param fn - public function name, for error messages
 */
export function normOf(fn: string, tensors: readonly Tensor[], p: number, fused: FusedOption): Scalar {
  const viaKernel = useFused(fn, fusedNormAvailable(), fused);
  if (tensors.length === 0) return scalar(0);
  if (viaKernel) {
    return engine().runKernel(GRADCLIP_GLOBAL_NORM, tensors as unknown as NamedTensorMap, { normType: p }) as Scalar;
  }
  return globalNormComposite(tensors, p);
}

/**
 * `t_i · coef` for every tensor (float32, bit-identical to `tf.mul(t_i, coef)`),
 * as new tensors in the same order: one `GradclipScale` kernel call where the
 * backend has it, else one `tf.mul` per tensor (on the device, no host sync).
 *
 * With `consume: true` the caller hands over ownership of `tensors`: the
 * kernel may write the product into a tensor's own buffer (only where no other
 * tensor shares it) and return an alias, so the clip needs no extra memory.
 * The caller must then dispose `tensors` and use only the result. Without
 * `consume` the inputs are never modified (peak extra memory: 1× the inputs).
 *
 * @param fn - public function name, for error messages
 * @param coef - float32 scalar
 */
export function scaleBy(fn: string, tensors: readonly Tensor[], coef: Scalar, fused: FusedOption, consume = false): Tensor[] {
  const viaKernel = useFused(fn, fusedScaleAvailable(), fused);
  if (tensors.length === 0) return [];
  if (viaKernel) {
    const inputs = [...tensors, coef] as unknown as NamedTensorMap;
    return engine().runKernel(GRADCLIP_SCALE, inputs, { inPlace: consume ? 1 : 0 }) as unknown as Tensor[];
  }
  return tensors.map((t) => tf.mul(t, coef));
}

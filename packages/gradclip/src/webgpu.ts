/**
 * `gradclip/webgpu`: importing this entry registers gradclip's WebGPU kernels
 * (`GradclipGlobalNorm`, `GradclipScale`: WGSL programs binding as many
 * tensors per dispatch as the device allows, overflow-safe float32
 * accumulation within 1e-6 of float64, a scale bit-identical to `tf.mul`).
 * Without it, norms and clips on the `webgpu` backend use a composition of
 * TF.js ops (correct, slower; a one-time console warning says so).
 *
 * ```ts
 * import '@tensorflow/tfjs-backend-webgpu';
 * import 'gradclip/webgpu';
 * ```
 *
 * @packageDocumentation
 * @module gradclip/webgpu
 */
import { registerKernelConfigs } from './kernels/register.js';
import { globalNormWebGPUConfig } from './kernels/webgpu/global-norm.js';
import { scaleWebGPUConfig } from './kernels/webgpu/scale.js';

/** Registers gradclip's WebGPU kernels with TF.js (idempotent; importing `gradclip/webgpu` already did). */
export function registerWebGPUKernels(): void {
  registerKernelConfigs([globalNormWebGPUConfig, scaleWebGPUConfig]);
}

registerWebGPUKernels();

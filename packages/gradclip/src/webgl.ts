/**
 * `gradclip/webgl`: importing this entry registers gradclip's WebGL kernels
 * (`GradclipGlobalNorm`, `GradclipScale`: shader programs that read many
 * tensors per program, overflow-safe float32 accumulation within 1e-6 of
 * float64, a scale bit-identical to `tf.mul`). Without it, norms and clips on
 * the `webgl` backend use a composition of TF.js ops (correct, slower; a
 * one-time console warning says so).
 *
 * ```ts
 * import '@tensorflow/tfjs-backend-webgl';
 * import 'gradclip/webgl';
 * ```
 *
 * @packageDocumentation
 * @module gradclip/webgl
 */
import { registerKernelConfigs } from './kernels/register.js';
import { globalNormWebGLConfig } from './kernels/webgl/global-norm.js';
import { scaleWebGLConfig } from './kernels/webgl/scale.js';

/** Registers gradclip's WebGL kernels with TF.js (idempotent; importing `gradclip/webgl` already did). */
export function registerWebGLKernels(): void {
  registerKernelConfigs([globalNormWebGLConfig, scaleWebGLConfig]);
}

registerWebGLKernels();

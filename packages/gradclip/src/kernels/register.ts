/**
 * Registers gradclip's kernels with TF.js (idempotent) and answers which
 * backends have them. The norm engine (`src/clip/norm-engine.ts`) calls
 * {@link registerGradclipKernels} the first time a norm or clip runs.
 */
import { getKernel, registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { globalNormCpuConfig } from './cpu/global-norm.js';
import { scaleCpuConfig } from './cpu/scale.js';
import { globalNormWasmConfig } from './wasm/global-norm.js';
import { scaleWasmConfig } from './wasm/scale.js';
import { globalNormWebGLConfig } from './webgl/global-norm.js';
import { scaleWebGLConfig } from './webgl/scale.js';
import { globalNormWebGPUConfig } from './webgpu/global-norm.js';
import { scaleWebGPUConfig } from './webgpu/scale.js';

const CONFIGS: readonly KernelConfig[] = [
  globalNormCpuConfig,
  globalNormWasmConfig,
  scaleCpuConfig,
  scaleWasmConfig,
  globalNormWebGLConfig,
  scaleWebGLConfig,
  globalNormWebGPUConfig,
  scaleWebGPUConfig,
];

/** Registers every gradclip kernel that is not registered yet. */
export function registerGradclipKernels(): void {
  for (const c of CONFIGS) {
    if (getKernel(c.kernelName, c.backendName) === undefined) registerKernel(c);
  }
}

/** True when `kernelName` has an implementation for `backendName`. */
export function hasKernel(kernelName: string, backendName: string): boolean {
  return getKernel(kernelName, backendName) !== undefined;
}

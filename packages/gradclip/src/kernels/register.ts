/**
 * Registers gradclip's kernels with TF.js (idempotent) and answers which
 * backends have them. The kernel dispatch (`./dispatch.ts`) calls
 * {@link registerGradclipKernels} the first time a norm or clip runs.
 */
import { getKernel, registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { globalNormCpuConfig } from './cpu/global-norm.js';
import { scaleCpuConfig } from './cpu/scale.js';
import { globalNormWasmConfig } from './wasm/global-norm.js';
import { scaleWasmConfig } from './wasm/scale.js';

/**
 * The kernels every bundle of a norm or clip carries (cpu, wasm). The WebGL and
 * WebGPU shader kernels are in their own entries, `gradclip/webgl` and
 * `gradclip/webgpu` (9 KB gzip together), registered by importing them.
 */
const CONFIGS: readonly KernelConfig[] = [globalNormCpuConfig, globalNormWasmConfig, scaleCpuConfig, scaleWasmConfig];

/** Registers each of `configs` that is not registered yet (idempotent). */
export function registerKernelConfigs(configs: readonly KernelConfig[]): void {
  for (const c of configs) {
    if (getKernel(c.kernelName, c.backendName) === undefined) registerKernel(c);
  }
}

/** Registers every built-in cpu/wasm gradclip kernel that is not registered yet. */
export function registerGradclipKernels(): void {
  registerKernelConfigs(CONFIGS);
}

/** True when `kernelName` has an implementation for `backendName`. */
export function hasKernel(kernelName: string, backendName: string): boolean {
  return getKernel(kernelName, backendName) !== undefined;
}

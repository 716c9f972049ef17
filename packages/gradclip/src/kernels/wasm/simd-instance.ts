/**
 * The SIMD kernels bound to the wasm backend's own memory, instantiated once
 * per `WebAssembly.Memory` (the module imports that memory, so it works on
 * tensors in place). The plain and SIMD tfjs wasm builds export an ordinary
 * memory (`wasm.asm.memory`); the threaded SIMD build, which tfjs picks under
 * cross-origin isolation, uses a shared one (`wasm.wasmMemory`), which gets
 * the module's shared-memory variant (see `instantiateSimd` for why that is
 * safe with tfjs's worker threads).
 *
 * The kernels fall back to plain JS loops over heap views only when this
 * runtime has no WebAssembly SIMD or SIMD was turned off; any other reason
 * (the memory was not found, or could not be imported) is a bug that is
 * reported once with `console.warn` and by {@link wasmKernelPath}.
 */
import { findBackend } from '@tensorflow/tfjs-core';
import { isSharedMemory, simdSupported, tryInstantiateSimd, type SimdKernels } from './simd/index.js';
import { wasmMemoryOf, type WasmBackendLike } from './heap.js';

let enabled = true;
/** Why instantiating on a memory failed (so it is tried once per memory). */
const failed = new WeakMap<WebAssembly.Memory, string>();
let warnedNoMemory = false;

/**
 * Turns the SIMD path of the wasm kernels on or off (on by default). Off, the
 * wasm kernels use their plain JS loops: for tests of that fallback and for
 * benchmarks.
 * @internal
 */
export function setWasmSimdEnabled(on: boolean): void {
  enabled = on;
}

function warn(message: string): void {
  if (typeof console !== 'undefined') console.warn(`gradclip: ${message}; the wasm kernels use their slower JS loops`);
}

/** The SIMD kernels for `backend`'s memory, or null when they cannot be used. */
export function simdFor(backend: WasmBackendLike): SimdKernels | null {
  if (!enabled) return null;
  const mem = wasmMemoryOf(backend);
  if (!mem) {
    if (!warnedNoMemory && simdSupported()) {
      warnedNoMemory = true;
      warn('WebAssembly SIMD is available but the tfjs wasm backend exposes no WebAssembly.Memory (neither wasm.asm.memory nor wasm.wasmMemory)');
    }
    return null;
  }
  if (failed.has(mem)) return null;
  try {
    const k = tryInstantiateSimd(mem);
    if (k === null) failed.set(mem, 'no-simd');
    return k;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    failed.set(mem, reason);
    warn(`could not instantiate the SIMD kernels on the backend's ${isSharedMemory(mem) ? 'shared ' : ''}memory (${reason})`);
    return null;
  }
}

/** Which code the wasm kernels run, from {@link wasmKernelPath}. */
export interface WasmKernelPath {
  /** `'simd'`: gradclip's WebAssembly SIMD module; `'js'`: plain JS loops over heap views. */
  path: 'simd' | 'js';
  /**
   * The backend's memory: `'plain'` (tfjs-backend-wasm's plain and SIMD builds), `'shared'`
   * (its threaded SIMD build) or `'none'` (no memory found: a bug).
   */
  memory: 'plain' | 'shared' | 'none';
  /**
   * Why the path is `'js'`: `'disabled'` (turned off for tests or benchmarks), `'no-simd'`
   * (this runtime has no WebAssembly SIMD), `'no-memory'` or the instantiation error. Absent
   * for `'simd'`.
   */
  reason?: string;
}

/**
 * Reports which code gradclip's wasm kernels (global norm, scale, fused optimizer updates)
 * run on `backend`, instantiating the SIMD module if that has not happened yet. With
 * WebAssembly SIMD (every current browser and Node) this is `'simd'` on both the plain and
 * the threaded tfjs wasm builds.
 *
 * @param backend a tfjs-backend-wasm backend; by default the registered `'wasm'` backend.
 * @throws Error when no wasm backend is registered and none is given.
 * @example
 * await tf.setBackend('wasm');
 * console.log(wasmKernelPath()); // { path: 'simd', memory: 'shared' } under cross-origin isolation
 */
export function wasmKernelPath(backend?: unknown): WasmKernelPath {
  const b = (backend ?? findBackend('wasm')) as WasmBackendLike | null | undefined;
  if (!b || typeof b !== 'object' || !('wasm' in b)) {
    throw new Error('wasmKernelPath: no tfjs wasm backend; import @tensorflow/tfjs-backend-wasm and await tf.setBackend("wasm") first, or pass the backend');
  }
  const mem = wasmMemoryOf(b);
  const memory = mem === undefined ? 'none' : isSharedMemory(mem) ? 'shared' : 'plain';
  if (!enabled) return { path: 'js', memory, reason: 'disabled' };
  if (simdFor(b) !== null) return { path: 'simd', memory };
  return { path: 'js', memory, reason: mem === undefined ? (simdSupported() ? 'no-memory' : 'no-simd') : (failed.get(mem) ?? 'no-simd') };
}

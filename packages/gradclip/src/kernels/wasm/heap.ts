/**
 * In-place access to the tfjs-backend-wasm heap. The backend keeps every
 * tensor in one WebAssembly memory; `dataIdMap.get(dataId).memoryOffset` is the
 * tensor's byte offset. Views are built fresh on every call because the memory
 * can grow (which detaches old views).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of the wasm backend gradclip touches. */
export interface WasmBackendLike {
  wasm: {
    HEAPU8: Uint8Array;
    /** The exported memory of the plain and SIMD builds (emscripten `Module.asm`). */
    asm?: { memory?: WebAssembly.Memory };
    /**
     * The threaded SIMD build's memory: emscripten's pthreads output creates a shared
     * `WebAssembly.Memory` in JS, imports it into the module (so `asm.memory` is absent)
     * and keeps it as `Module.wasmMemory` (tfjs-backend-wasm 4.22,
     * wasm-out/tfjs-backend-wasm-threaded-simd.js).
     */
    wasmMemory?: WebAssembly.Memory;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): TensorInfo;
  /** Number of tensors sharing the buffer of `dataId`. */
  refCount(dataId: object): number;
  /** Adds a reference to the buffer of `dataId` (an output aliasing an input). */
  incRef(dataId: object): void;
}

/** Number of elements of a tensor. */
export function sizeOf(t: TensorInfo): number {
  let size = 1;
  for (const d of t.shape) size *= d;
  return size;
}

/**
 * The backend's `WebAssembly.Memory` (`asm.memory` in the plain and SIMD builds, the shared
 * `wasmMemory` in the threaded one), or undefined when neither is there.
 */
export function wasmMemoryOf(backend: WasmBackendLike): WebAssembly.Memory | undefined {
  return backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
}

/**
 * The backend's WebAssembly memory buffer, read now (an ArrayBuffer, or the
 * SharedArrayBuffer of the threaded build; reading `buffer` of a shared memory gives its
 * current length, while a `HEAPU8` view made before a grow keeps the old one).
 */
export function heapBuffer(backend: WasmBackendLike): ArrayBuffer {
  const mem = wasmMemoryOf(backend);
  return (mem ? mem.buffer : backend.wasm.HEAPU8.buffer) as ArrayBuffer;
}

/** Byte offset of a tensor's data in the heap. */
export function memoryOffset(backend: WasmBackendLike, t: TensorInfo): number {
  const entry = backend.dataIdMap.get(t.dataId);
  if (!entry) throw new Error('gradclip wasm kernel: tensor data not found on the wasm backend');
  return entry.memoryOffset;
}

/** A Float32Array view of a tensor's data, aliasing the heap (no copy). */
export function float32View(backend: WasmBackendLike, t: TensorInfo, buffer = heapBuffer(backend)): Float32Array {
  return new Float32Array(buffer, memoryOffset(backend, t), sizeOf(t));
}

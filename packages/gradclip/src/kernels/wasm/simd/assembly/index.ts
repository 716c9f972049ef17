// @ts-nocheck -- AssemblyScript source (compiled by scripts/build-wasm.mjs, not by tsc).
/**
 * Entry point of the gradclip WebAssembly SIMD kernels. Compiled by
 * `node scripts/build-wasm.mjs` with `--enable simd -O3 --runtime stub --importMemory`;
 * the module imports `env.memory` (the tfjs wasm backend's memory) and has no data segments,
 * so instantiating it never writes to that memory.
 */
export { sumSquares, sumAbs, maxAbs } from './reduce';
export { scale, clampValue, copy, sumF32 } from './elementwise';
export { sgdUpdate, adamUpdate } from './optim';

/**
 * Loader and typed wrappers of gradclip's WebAssembly SIMD kernels.
 *
 * The module (built from `./assembly/*.ts` by `node scripts/build-wasm.mjs`, shipped as
 * base64 in `./module.generated.ts`) imports a `WebAssembly.Memory` as `env.memory` and works
 * in place on float32 data in it: with tfjs-backend-wasm that is the backend's own memory
 * (`tf.backend().wasm.asm.memory`; in the threaded build the shared `tf.backend().wasm.wasmMemory`,
 * which gets the module's shared-memory variant), and a tensor's data starts at byte offset
 * `backend.dataIdMap.get(t.dataId).memoryOffset` (DESIGN.md section 5). The module has no
 * data segments and no start function, so instantiating it never writes to that memory.
 *
 * Pointers are byte offsets (multiples of 4; 16-byte alignment is not needed) and lengths
 * are element counts. Every wrapper checks its arguments against the memory's current size
 * and throws an `Error` naming the argument; `raw` exposes the unchecked exports for hot
 * loops that have already validated their input.
 *
 * This file does not import TF.js.
 */
import { SIMD_WASM_BASE64 } from './module.generated.js';
import { SIMD_WASM_SHARED_BASE64 } from './module-shared.generated.js';

/** The module's exports exactly as WebAssembly gives them (no argument checks). */
export interface SimdRawExports {
  sumSquares(ptr: number, len: number): number;
  sumAbs(ptr: number, len: number): number;
  maxAbs(ptr: number, len: number): number;
  scale(src: number, dst: number, len: number, c: number): void;
  clampValue(src: number, dst: number, len: number, lo: number, hi: number): void;
  copy(src: number, dst: number, len: number): void;
  sumF32(ptr: number, len: number): number;
  sgdUpdate(wIn: number, wOut: number, g: number, len: number, lr: number, c: number): void;
  adamUpdate(
    wIn: number, wOut: number, mIn: number, mOut: number, vIn: number, vOut: number, g: number, len: number,
    lr: number, beta1: number, beta2: number, eps: number, c: number,
    bc1: number, bc2: number, weightDecay: number,
  ): void;
}

/**
 * SIMD kernels bound to one `WebAssembly.Memory`. All data is float32 at byte offsets in
 * that memory; results of reductions are float64 numbers.
 */
export interface SimdKernels {
  /** The memory the kernels read and write. */
  readonly memory: WebAssembly.Memory;
  /** Unchecked exports (same semantics as the wrappers, no validation). */
  readonly raw: SimdRawExports;
  /**
   * `sum_i x_i^2` (float64). float32 SIMD partials, runs of at most 16 terms per lane,
   * promoted to float64 per run and combined per block of 4096 elements in float64; a block
   * whose partial overflows (values above ~1.8e19) or underflows (|x| < ~1e-19) is
   * recomputed exactly in float64. Relative error < 1e-6 vs float64 for any finite input
   * (DESIGN.md section 2); Inf input → Inf, NaN input → NaN. 2-norm = `sqrt(sumSquares)`.
   */
  sumSquares(ptr: number, len: number): number;
  /** `sum_i |x_i|` (1-norm), float64, same block scheme as {@link SimdKernels.sumSquares}. */
  sumAbs(ptr: number, len: number): number;
  /** `max_i |x_i|` (Inf-norm), exact; any NaN → NaN; empty → 0. */
  maxAbs(ptr: number, len: number): number;
  /**
   * `sum_i (|x_i| / scale)^p` in float64 (scalar JS loop over a fresh view: the rare path for
   * p not in {1, 2, Infinity}). With `scale = maxAbs(...)` every term is in [0, 1] and the
   * p-norm is `scale * sumAbsPow(...)^(1/p)` without overflow (the scaled form of
   * `torch.linalg.vector_norm`). `p` finite and > 0, `scale` finite and > 0. NaN → NaN.
   */
  sumAbsPow(ptr: number, len: number, p: number, scale: number): number;
  /**
   * `dst[i] = src[i] * c` (float32 multiply, `c` rounded to float32). In place when
   * `src === dst`; otherwise the ranges must not overlap.
   */
  scale(src: number, dst: number, len: number, c: number): void;
  /**
   * `dst[i] = min(max(src[i], lo), hi)` (clip-by-value; NaN stays NaN). `lo <= hi`.
   * In place when `src === dst`; otherwise the ranges must not overlap.
   */
  clampValue(src: number, dst: number, len: number, lo: number, hi: number): void;
  /** `dst[i] = src[i]` (SIMD copy; bandwidth reference). Ranges must not overlap. */
  copy(src: number, dst: number, len: number): void;
  /** float32-lane sum `sum_i x_i` with no accuracy guarantee (read-bandwidth reference). */
  sumF32(ptr: number, len: number): number;
  /**
   * Fused clip + SGD: `wOut = wIn - lr * (c * g)`, float32 ops in TF.js order
   * (`g' = g * c; w = (-lr) * g' + w`, tfjs-core `SGDOptimizer`). `wOut` is either `wIn`
   * (in place) or disjoint from it; `g` overlaps neither. The optimizer path writes new
   * weights into a fresh buffer (DESIGN.md section 7: tfjs-backend-wasm caches packed
   * matMul/conv2d weights by tensor id).
   */
  sgdUpdate(wIn: number, wOut: number, g: number, len: number, lr: number, c: number): void;
  /**
   * Fused clip + Adam/AdamW step (float32, tfjs-core `AdamOptimizer` term for term, Kingma &
   * Ba arXiv 1412.6980; decoupled decay of Loshchilov & Hutter arXiv 1711.05101):
   * ```
   * g' = g * c
   * w  = w * (1 - lr * weightDecay)
   * m  = m * beta1 + g' * (1 - beta1)
   * v  = v * beta2 + (g' * g') * (1 - beta2)
   * w  = (m / bc1) / (sqrt(v / bc2) + eps) * (-lr) + w
   * ```
   * with `bc1 = 1 - beta1^t`, `bc2 = 1 - beta2^t` at step t >= 1 (TF.js:
   * `1 - accBeta1`). Hyperparameters are rounded to float32 where TF.js makes float32
   * scalars (`1 - beta1` is computed in float64 first). Reads `w`, `m`, `v` at `wIn`, `mIn`,
   * `vIn` and writes them to `wOut`, `mOut`, `vOut`; each out pointer is its in pointer (in
   * place) or disjoint from every other range, and `g` overlaps nothing.
   */
  adamUpdate(
    wIn: number, wOut: number, mIn: number, mOut: number, vIn: number, vOut: number, g: number, len: number,
    lr: number, beta1: number, beta2: number, eps: number, c: number,
    bc1: number, bc2: number, weightDecay: number,
  ): void;
}

/** Compiled modules by variant; null when this runtime cannot validate that variant. */
const moduleCache = new Map<'plain' | 'shared', WebAssembly.Module | null>();
const instances = new WeakMap<WebAssembly.Memory, SimdKernels>();

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The compiled kernel module, or null when this runtime cannot validate it (no SIMD; for
 * `shared`, no threads proposal either). `plain` imports an ordinary memory; `shared` imports
 * `env.memory` declared `shared` with a maximum of 65536 pages, for a memory whose buffer is a
 * SharedArrayBuffer (the threaded SIMD build of tfjs-backend-wasm).
 */
function compiled(variant: 'plain' | 'shared'): WebAssembly.Module | null {
  const cached = moduleCache.get(variant);
  if (cached !== undefined) return cached;
  let mod: WebAssembly.Module | null = null;
  if (typeof WebAssembly !== 'undefined') {
    const bytes = decodeBase64(variant === 'plain' ? SIMD_WASM_BASE64 : SIMD_WASM_SHARED_BASE64);
    mod = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  moduleCache.set(variant, mod);
  return mod;
}

/** True when `memory` is a shared WebAssembly memory (its buffer is a SharedArrayBuffer). */
export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/**
 * True when this JavaScript runtime supports WebAssembly with fixed-width SIMD (the kernel
 * module validates). Cached after the first call.
 */
export function simdSupported(): boolean {
  return compiled('plain') !== null;
}

function checkLen(fn: string, len: number): void {
  if (!Number.isInteger(len) || len < 0 || len > 0x7fffffff) {
    throw new Error(`${fn}: len must be an integer in [0, 2^31 - 1], got ${len}`);
  }
}

function checkPtr(fn: string, name: string, ptr: number, len: number, memory: WebAssembly.Memory): void {
  if (!Number.isInteger(ptr) || ptr < 0 || ptr % 4 !== 0) {
    throw new Error(`${fn}: ${name} must be a non-negative byte offset that is a multiple of 4, got ${ptr}`);
  }
  const size = memory.buffer.byteLength;
  if (ptr + 4 * len > size) {
    throw new Error(
      `${fn}: ${name} range [${ptr}, ${ptr + 4 * len}) exceeds the memory size ${size} bytes; ` +
        'pass an offset and length inside the memory',
    );
  }
}

function overlaps(a: number, b: number, len: number): boolean {
  return a !== b && a < b + 4 * len && b < a + 4 * len;
}

function checkDisjoint(fn: string, names: string[], ptrs: number[], len: number, allowEqual: boolean): void {
  for (let i = 0; i < ptrs.length; i++) {
    for (let j = i + 1; j < ptrs.length; j++) {
      const a = ptrs[i];
      const b = ptrs[j];
      if (len > 0 && (overlaps(a, b, len) || (!allowEqual && a === b))) {
        throw new Error(
          `${fn}: ${names[i]} and ${names[j]} overlap ([${a}, ${a + 4 * len}) and [${b}, ${b + 4 * len}))` +
            (allowEqual ? '; pass the same offset for in place, or disjoint ranges' : '; pass disjoint ranges'),
        );
      }
    }
  }
}

/**
 * In/out buffer pairs of an update: each pair's out is its in (in place) or disjoint from
 * it, and every range of one pair (and every read-only range) is disjoint from the others.
 */
function checkInOut(fn: string, pairs: Array<[string, number, string, number]>, readOnly: Array<[string, number]>, len: number): void {
  for (const [inName, inPtr, outName, outPtr] of pairs) {
    if (inPtr !== outPtr) checkDisjoint(fn, [inName, outName], [inPtr, outPtr], len, false);
  }
  const groups: Array<{ names: string[]; ptrs: number[] }> = [
    ...pairs.map(([a, pa, b, pb]) => (pa === pb ? { names: [a], ptrs: [pa] } : { names: [a, b], ptrs: [pa, pb] })),
    ...readOnly.map(([n, p]) => ({ names: [n], ptrs: [p] })),
  ];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      for (let a = 0; a < groups[i].ptrs.length; a++) {
        for (let b = 0; b < groups[j].ptrs.length; b++) {
          checkDisjoint(fn, [groups[i].names[a], groups[j].names[b]], [groups[i].ptrs[a], groups[j].ptrs[b]], len, false);
        }
      }
    }
  }
}

function checkFinite(fn: string, name: string, x: number): void {
  if (!Number.isFinite(x)) throw new Error(`${fn}: ${name} must be a finite number, got ${x}`);
}

function bind(memory: WebAssembly.Memory, instance: WebAssembly.Instance): SimdKernels {
  const raw = instance.exports as unknown as SimdRawExports;
  return {
    memory,
    raw,
    sumSquares(ptr, len) {
      checkLen('sumSquares', len);
      checkPtr('sumSquares', 'ptr', ptr, len, memory);
      return raw.sumSquares(ptr, len);
    },
    sumAbs(ptr, len) {
      checkLen('sumAbs', len);
      checkPtr('sumAbs', 'ptr', ptr, len, memory);
      return raw.sumAbs(ptr, len);
    },
    maxAbs(ptr, len) {
      checkLen('maxAbs', len);
      checkPtr('maxAbs', 'ptr', ptr, len, memory);
      return raw.maxAbs(ptr, len);
    },
    sumAbsPow(ptr, len, p, scale) {
      checkLen('sumAbsPow', len);
      checkPtr('sumAbsPow', 'ptr', ptr, len, memory);
      if (!Number.isFinite(p) || p <= 0) {
        throw new Error(`sumAbsPow: p must be a finite number > 0, got ${p} (use maxAbs for Infinity)`);
      }
      if (!Number.isFinite(scale) || scale <= 0) {
        throw new Error(`sumAbsPow: scale must be a finite number > 0, got ${scale} (pass maxAbs of the data)`);
      }
      const x = new Float32Array(memory.buffer, ptr, len);
      let s = 0;
      for (let i = 0; i < len; i++) {
        const a = Math.abs(x[i]) / scale;
        s += a === 0 ? 0 : Math.pow(a, p);
      }
      return s;
    },
    scale(src, dst, len, c) {
      checkLen('scale', len);
      checkPtr('scale', 'src', src, len, memory);
      checkPtr('scale', 'dst', dst, len, memory);
      checkDisjoint('scale', ['src', 'dst'], [src, dst], len, true);
      if (Number.isNaN(c)) throw new Error('scale: c must be a number, got NaN');
      raw.scale(src, dst, len, c);
    },
    clampValue(src, dst, len, lo, hi) {
      checkLen('clampValue', len);
      checkPtr('clampValue', 'src', src, len, memory);
      checkPtr('clampValue', 'dst', dst, len, memory);
      checkDisjoint('clampValue', ['src', 'dst'], [src, dst], len, true);
      if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
        throw new Error(`clampValue: lo must be <= hi (both numbers), got lo=${lo}, hi=${hi}`);
      }
      raw.clampValue(src, dst, len, lo, hi);
    },
    copy(src, dst, len) {
      checkLen('copy', len);
      checkPtr('copy', 'src', src, len, memory);
      checkPtr('copy', 'dst', dst, len, memory);
      checkDisjoint('copy', ['src', 'dst'], [src, dst], len, false);
      raw.copy(src, dst, len);
    },
    sumF32(ptr, len) {
      checkLen('sumF32', len);
      checkPtr('sumF32', 'ptr', ptr, len, memory);
      return raw.sumF32(ptr, len);
    },
    sgdUpdate(wIn, wOut, g, len, lr, c) {
      const fn = 'sgdUpdate';
      checkLen(fn, len);
      checkPtr(fn, 'wIn', wIn, len, memory);
      checkPtr(fn, 'wOut', wOut, len, memory);
      checkPtr(fn, 'g', g, len, memory);
      checkInOut(fn, [['wIn', wIn, 'wOut', wOut]], [['g', g]], len);
      checkFinite(fn, 'lr', lr);
      checkFinite(fn, 'c', c);
      raw.sgdUpdate(wIn, wOut, g, len, lr, c);
    },
    adamUpdate(wIn, wOut, mIn, mOut, vIn, vOut, g, len, lr, beta1, beta2, eps, c, bc1, bc2, weightDecay) {
      const fn = 'adamUpdate';
      checkLen(fn, len);
      const named: Array<[string, number]> = [['wIn', wIn], ['wOut', wOut], ['mIn', mIn], ['mOut', mOut], ['vIn', vIn], ['vOut', vOut], ['g', g]];
      for (const [name, ptr] of named) checkPtr(fn, name, ptr, len, memory);
      checkInOut(fn, [['wIn', wIn, 'wOut', wOut], ['mIn', mIn, 'mOut', mOut], ['vIn', vIn, 'vOut', vOut]], [['g', g]], len);
      checkFinite(fn, 'lr', lr);
      checkFinite(fn, 'eps', eps);
      checkFinite(fn, 'c', c);
      checkFinite(fn, 'weightDecay', weightDecay);
      if (!(beta1 >= 0 && beta1 < 1)) throw new Error(`${fn}: beta1 must be in [0, 1), got ${beta1}`);
      if (!(beta2 >= 0 && beta2 < 1)) throw new Error(`${fn}: beta2 must be in [0, 1), got ${beta2}`);
      if (!(bc1 > 0 && bc1 <= 1)) {
        throw new Error(`${fn}: bc1 must be in (0, 1] (bc1 = 1 - beta1^t, t >= 1), got ${bc1}`);
      }
      if (!(bc2 > 0 && bc2 <= 1)) {
        throw new Error(`${fn}: bc2 must be in (0, 1] (bc2 = 1 - beta2^t, t >= 1), got ${bc2}`);
      }
      raw.adamUpdate(wIn, wOut, mIn, mOut, vIn, vOut, g, len, lr, beta1, beta2, eps, c, bc1, bc2, weightDecay);
    },
  };
}

/**
 * Instantiates the SIMD kernels on `memory` (synchronously; the module is ~4 KB) and caches
 * the result per memory object, so repeated calls are cheap. A shared memory (the threaded
 * tfjs wasm build: its buffer is a SharedArrayBuffer) gets the module's shared-memory
 * variant, any other memory the plain one. Throws when WebAssembly SIMD is unsupported
 * (check {@link simdSupported} or use {@link tryInstantiateSimd}) or when the memory cannot
 * be imported (e.g. a shared memory whose maximum exceeds 65536 pages).
 *
 * On a shared memory the kernels are plain (non-atomic) loads and stores, which is safe as
 * long as no other thread touches the same bytes while a kernel runs. With tfjs-backend-wasm
 * that holds: its worker threads belong to the XNNPACK threadpool created in
 * `init_with_threads_count` (tfjs-backend-wasm/src/cc/backend.cc), and every use of that
 * pool is `xnn_run_operator(op, tfjs::backend::threadpool)` inside a kernel's C++ function
 * (e.g. batch_mat_mul_impl.cc, conv2d_impl.cc, binary.cc, unary.cc), which TF.js calls
 * synchronously from its JS kernel; pthreadpool's parallelize calls return only once every
 * work item is done, so the workers are idle whenever JS code (such as a gradclip kernel)
 * runs.
 */
export function instantiateSimd(memory: WebAssembly.Memory): SimdKernels {
  if (typeof WebAssembly === 'undefined' || !(memory instanceof WebAssembly.Memory)) {
    throw new Error('instantiateSimd: memory must be a WebAssembly.Memory (e.g. tf.backend().wasm.asm.memory)');
  }
  const cached = instances.get(memory);
  if (cached) return cached;
  const shared = isSharedMemory(memory);
  const mod = shared ? compiled('shared') : compiled('plain');
  if (mod === null) {
    throw new Error(
      'instantiateSimd: this runtime does not support WebAssembly SIMD; use the JS kernels ' +
        '(check simdSupported() or call tryInstantiateSimd(), which returns null)',
    );
  }
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(mod, { env: { memory } });
  } catch (e) {
    throw new Error(`instantiateSimd: could not import the ${shared ? 'shared ' : ''}memory: ${String(e)}`);
  }
  const kernels = bind(memory, instance);
  instances.set(memory, kernels);
  return kernels;
}

/**
 * Like {@link instantiateSimd} but returns null instead of throwing when SIMD is unsupported
 * (for a shared memory: when the shared-memory variant does not validate).
 */
export function tryInstantiateSimd(memory: WebAssembly.Memory): SimdKernels | null {
  const supported = isSharedMemory(memory) ? compiled('shared') !== null : simdSupported();
  return supported ? instantiateSimd(memory) : null;
}

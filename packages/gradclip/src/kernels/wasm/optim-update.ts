/**
 * Fused "clip inside the update" steps on the `wasm` backend: SGD and
 * Adam/AdamW updates that take the clip coefficient `c` and run gradclip's
 * SIMD `sgdUpdate` / `adamUpdate` on TF.js's own WebAssembly memory. The
 * gradients are read once, multiplied by `c` in a register: the separate
 * scale pass of a clip (and the optimizer's own temporaries) disappear.
 *
 * The float32 operations are those of tfjs-core 4.22's `SGDOptimizer` and
 * `AdamOptimizer` in the same order, so results equal clip-then-`applyGradients`
 * up to float32 rounding (bit-identical in practice; see the SIMD module's
 * header in `./simd/assembly/optim.ts`).
 *
 * Every new value (weights and Adam moments) is written into a fresh buffer
 * that becomes the variable's new tensor (`Variable.assign`), exactly as TF.js's
 * own optimizers do; nothing is written in place. tfjs-backend-wasm caches
 * XNNPACK operators holding packed copies of a matMul's weights and bias, a
 * conv2d's filter and bias and a prelu's alpha, keyed by the tensor id and
 * dropped only when that tensor is disposed (`batch_mat_mul_impl.cc`,
 * `conv2d_impl.cc`, `prelu_impl.cc`): a weight updated in place would keep
 * feeding the old values to every later forward pass (DESIGN.md section 7).
 * Writing into a new buffer costs the same memory traffic as in place; the
 * old buffer is freed by the assign.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, TensorInfo, Variable } from '@tensorflow/tfjs-core';
import { memoryOffset, sizeOf, type WasmBackendLike } from './heap.js';
import { simdFor } from './simd-instance.js';
import type { SimdKernels } from './simd/index.js';

/** The wasm backend and its SIMD kernels, when the active backend is wasm with SIMD. */
export interface WasmSimdContext {
  readonly backend: WasmBackendLike;
  readonly kernels: SimdKernels;
}

/** The active backend's SIMD context, or null (not wasm, or no WebAssembly SIMD). */
export function activeWasmSimd(): WasmSimdContext | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmBackendLike;
  const kernels = simdFor(backend);
  return kernels === null ? null : { backend, kernels };
}

/** A fresh float32 buffer shaped like `v` on the wasm heap, and its byte offset. */
function freshBuffer(ctx: WasmSimdContext, v: Variable): { info: TensorInfo; offset: number } {
  const info = ctx.backend.makeOutput(v.shape, 'float32');
  return { info, offset: memoryOffset(ctx.backend, info) };
}

/** Points `v` at the buffer `info` (the old buffer is released, which drops tfjs-wasm's cached operators for it). */
function adopt(v: Variable, info: TensorInfo): void {
  const t = tf.engine().makeTensorFromTensorInfo(info);
  v.assign(t);
  t.dispose();
}

/** One parameter of a fused update: the variable and its gradient (same size). */
export interface FusedParam {
  readonly variable: Variable;
  readonly gradient: Tensor;
}

/**
 * `w ← w − lr · (c · g)` for every parameter (tfjs-core `SGDOptimizer` with the
 * clipped gradient `g · c`); each variable gets a new buffer.
 */
export function fusedSgdStep(ctx: WasmSimdContext, params: readonly FusedParam[], lr: number, c: number): void {
  for (const { variable, gradient } of params) {
    const n = sizeOf(variable);
    if (n === 0) continue;
    const out = freshBuffer(ctx, variable);
    // Offsets are read after the allocation (it may grow the memory; offsets stay valid).
    ctx.kernels.raw.sgdUpdate(memoryOffset(ctx.backend, variable), out.offset, memoryOffset(ctx.backend, gradient), n, lr, c);
    adopt(variable, out.info);
  }
}

/** One parameter of a fused Adam step: variable, gradient, moment variables and decay. */
export interface FusedAdamParam extends FusedParam {
  readonly m: Variable;
  readonly v: Variable;
  /** Decoupled weight decay λ for this variable (0: none). */
  readonly weightDecay: number;
}

/** Adam hyperparameters for one fused step. */
export interface FusedAdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Clip coefficient c. */
  c: number;
  /** `1 − beta1^t` as TF.js computes it (float32 `1 − accBeta1`). */
  bc1: number;
  /** `1 − beta2^t` as TF.js computes it. */
  bc2: number;
}

/**
 * One Adam/AdamW step with clip coefficient `c` for every parameter, each
 * variable and moment into a new buffer (Kingma & Ba, arXiv 1412.6980; decoupled decay: Loshchilov & Hutter,
 * arXiv 1711.05101):
 * `g' = c·g; w ← w·(1 − lr·λ); m ← β₁m + (1−β₁)g'; v ← β₂v + (1−β₂)g'²;
 * w ← w − lr · (m/bc1) / (sqrt(v/bc2) + ε)`.
 */
export function fusedAdamStep(ctx: WasmSimdContext, params: readonly FusedAdamParam[], h: FusedAdamHyper): void {
  for (const p of params) {
    const n = sizeOf(p.variable);
    if (n === 0) continue;
    const w = freshBuffer(ctx, p.variable);
    const m = freshBuffer(ctx, p.m);
    const v = freshBuffer(ctx, p.v);
    const off = (t: TensorInfo): number => memoryOffset(ctx.backend, t);
    ctx.kernels.raw.adamUpdate(
      off(p.variable), w.offset, off(p.m), m.offset, off(p.v), v.offset, off(p.gradient), n,
      h.lr, h.beta1, h.beta2, h.eps, h.c, h.bc1, h.bc2, p.weightDecay,
    );
    adopt(p.variable, w.info);
    adopt(p.m, m.info);
    adopt(p.v, v.info);
  }
}

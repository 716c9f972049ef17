/**
 * The helpers every transform shares, in one place: norms of a
 * NamedTensorMap, the global-norm clip coefficient, scaling every gradient by
 * one coefficient, and the `info` a global-norm clip reports. Internal: not
 * part of the public API (the public surface is `./public.ts`). Argument
 * checks live in `../core/errors.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor } from '@tensorflow/tfjs-core';
import { TORCH_CLIP_EPS } from '../core/constants.js';
import { requireFloatTensor } from '../core/errors.js';
import { normOf, scaleBy, type FusedOption } from '../kernels/dispatch.js';
import type { GlobalNormRule, TransformInfo } from './types.js';

/** The live (non-null) entries of a NamedTensorMap, in key order. */
export function entriesOf(updates: NamedTensorMap): Array<[string, Tensor]> {
  const out: Array<[string, Tensor]> = [];
  for (const k of Object.keys(updates)) {
    const t = updates[k];
    if (t !== null && t !== undefined) out.push([k, t]);
  }
  return out;
}

/**
 * Per-variable L2 norms `||g_i||_2` and the global norm `sqrt(Σ_i ||g_i||²)`
 * (`tf.linalg.global_norm`), as new scalars owned by the caller. Uses the
 * fused float64 norm kernels where the backend has them (see
 * `../kernels/dispatch.ts`); no host sync.
 */
export function layerAndGlobalNorms(fn: string, updates: NamedTensorMap): { layers: NamedTensorMap; global: Scalar } {
  const entries = entriesOf(updates);
  const layers: NamedTensorMap = {};
  for (const [k, t] of entries) layers[k] = normOf(fn, [t], 2, undefined);
  if (entries.length === 0) return { layers, global: tf.scalar(0) };
  // norm of the vector of layer norms = global norm (no float32 overflow of the squares)
  const global = tf.tidy(() => normOf(fn, [tf.stack(Object.values(layers))], 2, undefined));
  return { layers, global };
}

/** Global L2 norm of all entries as a new scalar (device side, float64 accumulation where fused). */
export function globalNormOf(fn: string, updates: NamedTensorMap): Scalar {
  return normOf(fn, entriesOf(updates).map(([, t]) => t), 2, undefined);
}

/**
 * Reads the global norm of the gradients to the host: one scalar read per call
 * (a device sync on GPU backends). Returns the norm as a number.
 */
export function readGlobalNorm(fn: string, updates: NamedTensorMap): number {
  const n = globalNormOf(fn, updates);
  const v = n.dataSync()[0];
  n.dispose();
  return v;
}

/**
 * The clip coefficient for global norm `n` and threshold `c` under `rule`
 * (a new scalar; see {@link GlobalNormRule}):
 * `'optax'`: 1 if n < c else c / n; `'tf'`: c · min(1/n, 1/c) + (n − n);
 * `'torch'`: min(1, c / (n + 1e-6)).
 */
export function globalClipCoef(n: Scalar, c: number, rule: GlobalNormRule): Scalar {
  return tf.tidy(() => {
    if (rule === 'torch') return tf.minimum(tf.div(c, tf.add(n, TORCH_CLIP_EPS)), 1) as Scalar;
    if (rule === 'tf') return tf.add(tf.mul(c, tf.minimum(tf.div(1, n), 1 / c)), tf.sub(n, n)) as Scalar;
    return tf.where(tf.less(n, c), tf.onesLike(n), tf.div(c, n)) as Scalar;
  });
}

/** Options of {@link scaleAll}. */
export interface ScaleAllOptions {
  /** Kernel choice (see `FusedOption`). @default undefined (automatic) */
  fused?: FusedOption;
  /**
   * The caller hands the updates over: they may be scaled in place (see
   * `scaleBy`), and the caller must dispose the inputs and use only the result.
   * @default false
   */
  consume?: boolean;
}

/**
 * `g_i · coef` for every entry (new tensors, bit-identical to `tf.mul(g_i, coef)`;
 * one fused multi-tensor kernel call on cpu/wasm). `null`/`undefined` entries
 * are kept as they are. A number `coef` is made a float32 scalar first.
 */
export function scaleAll(fn: string, updates: NamedTensorMap, coef: Scalar | number, options: ScaleAllOptions = {}): NamedTensorMap {
  const keys = Object.keys(updates);
  const live = keys.filter((k) => updates[k] !== null && updates[k] !== undefined);
  const c = typeof coef === 'number' ? tf.scalar(coef) : coef;
  try {
    const scaled = scaleBy(fn, live.map((k) => updates[k]), c, options.fused, options.consume ?? false);
    const out: NamedTensorMap = {};
    for (const k of keys) out[k] = updates[k];
    live.forEach((k, i) => (out[k] = scaled[i]));
    return out;
  } finally {
    if (c !== coef) c.dispose();
  }
}

/** The measurements of a global-norm clip, every field present; `C` is how `clipped` is reported. */
export interface ClipInfo<C extends Scalar | boolean> extends TransformInfo {
  preClipNorm: Scalar;
  postClipNorm: Scalar;
  clipCoef: Scalar;
  clipped: C;
}

/**
 * The `info` a global-norm clip reports: `preClipNorm = n`,
 * `postClipNorm = n · coef`, `clipCoef = coef` and `clipped`. Given device
 * scalars it takes ownership of them and reports `clipped = coef < 1` as a
 * 0/1 scalar (no host sync); given host numbers (a clip decided on the host,
 * as autoClip and zClip do) it makes fresh scalars and reports
 * `clipped = coef !== 1` as a host boolean.
 */
export function clipInfo(n: number, coef: number): ClipInfo<boolean>;
export function clipInfo(n: Scalar, coef: Scalar): ClipInfo<Scalar>;
export function clipInfo(n: Scalar | number, coef: Scalar | number): ClipInfo<boolean> | ClipInfo<Scalar> {
  if (typeof n === 'number' && typeof coef === 'number') {
    return {
      preClipNorm: tf.scalar(n),
      postClipNorm: tf.scalar(coef === 1 ? n : n * coef),
      clipCoef: tf.scalar(coef),
      clipped: coef !== 1,
    };
  }
  const nt = typeof n === 'number' ? tf.scalar(n) : n;
  const ct = typeof coef === 'number' ? tf.scalar(coef) : coef;
  const post = tf.mul(nt, ct) as Scalar;
  const clipped = tf.tidy(() => tf.cast(tf.less(ct, 1), 'float32')) as Scalar;
  return { preClipNorm: nt, postClipNorm: post, clipCoef: ct, clipped };
}

/**
 * Throws unless every gradient in `updates` is a live float32 tensor (an
 * int32 gradient would be read as float32 bits by the fused kernels).
 */
export function requireFloatUpdates(fn: string, updates: NamedTensorMap): void {
  for (const [k, t] of entriesOf(updates)) requireFloatTensor<Tensor>(fn, `the gradient of "${k}"`, t);
}

/**
 * Small shared helpers for the adaptive, guard and monitor transforms:
 * argument validation with exact messages, norms of a NamedTensorMap, and
 * scaling every gradient by one coefficient. Internal: not part of the public
 * API (the public surface is in `./index.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor } from '@tensorflow/tfjs-core';
import { GradclipArgumentError } from '../../clip/errors.js';
import { normOf } from '../../clip/norm-engine.js';

/** Epsilon added to the norm in the clip coefficient, as in `torch.nn.utils.clip_grad_norm_`. */
export const CLIP_EPS = 1e-6;

function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  return typeof v;
}

/** Throws unless `v` is a finite number; returns it typed. */
export function requireFinite(fn: string, name: string, v: unknown, hint: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new GradclipArgumentError(`${fn}: ${name} must be a finite number, got ${show(v)}; ${hint}`);
  }
  return v;
}

/** Throws unless `v` is a finite number `> 0`. */
export function requirePositive(fn: string, name: string, v: unknown, hint: string): number {
  const x = requireFinite(fn, name, v, hint);
  if (!(x > 0)) throw new GradclipArgumentError(`${fn}: ${name} must be > 0, got ${x}; ${hint}`);
  return x;
}

/** Throws unless `v` is an integer `>= min`. */
export function requireInteger(fn: string, name: string, v: unknown, min: number, hint: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new GradclipArgumentError(`${fn}: ${name} must be an integer >= ${min}, got ${show(v)}; ${hint}`);
  }
  if (v < min) throw new GradclipArgumentError(`${fn}: ${name} must be an integer >= ${min}, got ${v}; ${hint}`);
  return v;
}

/** Throws when a state record does not look like the one `init` returns. */
export function requireState(fn: string, ok: boolean): void {
  if (!ok) {
    throw new GradclipArgumentError(
      `${fn}: state is not a state of ${fn}; pass the state returned by this transform's init() or a previous update() (or its JSON round-trip)`,
    );
  }
}

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
 * `src/clip/norm-engine.ts`); no host sync.
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

/** Every entry multiplied by `coef` (new tensors); `null`/`undefined` entries kept as they are. */
export function scaleAll(updates: NamedTensorMap, coef: number): NamedTensorMap {
  const out: NamedTensorMap = {};
  for (const k of Object.keys(updates)) {
    const t = updates[k];
    out[k] = t === null || t === undefined ? t : tf.tidy(() => tf.mul(t, tf.scalar(coef)));
  }
  return out;
}

/**
 * The `info` of a global-norm clip decided on the host: pre/post norms and the
 * coefficient as fresh scalars, `clipped` as a host boolean.
 */
export function clipInfo(norm: number, coef: number): {
  preClipNorm: Scalar;
  postClipNorm: Scalar;
  clipCoef: Scalar;
  clipped: boolean;
} {
  return {
    preClipNorm: tf.scalar(norm),
    postClipNorm: tf.scalar(coef === 1 ? norm : norm * coef),
    clipCoef: tf.scalar(coef),
    clipped: coef !== 1,
  };
}

/** A new ascending array with `x` inserted (binary search; input untouched). */
export function insertSorted(sorted: readonly number[], x: number): number[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  const out = sorted.slice(0, lo);
  out.push(x);
  for (let i = lo; i < sorted.length; i++) out.push(sorted[i]);
  return out;
}

/** A new ascending array with one occurrence of `x` removed (input untouched). */
export function removeSorted(sorted: readonly number[], x: number): number[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  const out = sorted.slice();
  if (lo < out.length && out[lo] === x) out.splice(lo, 1);
  return out;
}

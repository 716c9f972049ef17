/**
 * Norms of a gradient split across workers: each shard reports a small JSON
 * record of sufficient statistics ({@link partialNorm}), any all-reduce
 * gathers them, and {@link combineNorms} turns them into the global norm,
 * so the clip runs after aggregation as in PyTorch FSDP
 * (`FullyShardedDataParallel.clip_grad_norm_`) and DeepSpeed ZeRO (see
 * docs/distributed.md).
 */
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { flattenGrads, type GradContainer } from './containers.js';
import { GradclipArgumentError, describeValue, requireArray, requireNormType, requireRecord } from '../core/errors.js';
import { binaryExponent, maxAbs, normOfScaledSums, scaledPowerSum, type ScaledPowerSum } from '../core/norms.js';
import { decodeNumber, encodeNumber, type JsonNumber } from '../core/step-stats.js';
import { checkOptions } from '../core/options.js';
import { normOf, type FusedOption } from '../kernels/dispatch.js';

/** Options of {@link partialNorm}. */
export interface PartialNormOptions {
  /**
   * Order p of the norm: any p > 0, or `Infinity` for the largest magnitude.
   * Every shard of one global norm must use the same p.
   * @default 2
   */
  normType?: number;
  /** Kernel choice (see {@link FusedOption}). @default undefined (automatic) */
  fused?: FusedOption;
}

/**
 * One shard's contribution to a global p-norm: a small JSON-safe record of
 * host numbers (float64), to be sent through any all-reduce or gather and
 * combined with {@link combineNorms}.
 *
 * For finite p the shard's power sum is `Σ |g_i|^p = sum · 2^(p · exponent)`:
 * the values are scaled by a power of two near their largest magnitude, so a
 * shard of values whose squares overflow float32 (1e20, 3e38) is still
 * described exactly, and combining shards only multiplies by powers of two.
 * For p = ∞, `sum` is the largest magnitude and `exponent` is 0.
 *
 * Non-finite numbers are written as strings (`"NaN"`, `"Infinity"`), so
 * `JSON.stringify` keeps them (it would write `null`).
 */
export interface PartialNorm {
  /** The order p of the norm (`"Infinity"` for the max norm). */
  readonly normType: number | 'Infinity';
  /** The integer e of the shard's scale 2^e (0 for an empty or all-zero shard, and for p = ∞). */
  readonly exponent: number;
  /**
   * `Σ (|g_i| / 2^e)^p` for finite p, `max |g_i|` for p = ∞; 0 for an empty
   * shard; `"NaN"` or `"Infinity"` when the shard holds such values.
   */
  readonly sum: JsonNumber;
}

const FLOAT32_MIN_NORMAL = Math.pow(2, -126);

/**
 * The sufficient statistics of one shard's part of a global p-norm, for
 * sharded or data-parallel training (FSDP / ZeRO-style parameter shards,
 * federated or worker-based TF.js setups): every worker calls
 * `partialNorm(itsGrads)`, the records are gathered by any all-reduce
 * (Web Workers, WebRTC, a server), and {@link combineNorms} gives the norm of
 * all shards taken as one vector, exactly what {@link getTotalNorm} returns
 * over the concatenated gradients:
 *
 *   ||g||_p = (Σ_shards Σ_i |g_i|^p)^(1/p),   ||g||_∞ = max_shards max_i |g_i|
 *
 * The record is `{normType, exponent, sum}` with `Σ_i |g_i|^p = sum · 2^(p·exponent)`
 * (see {@link PartialNorm}). The shard's norm is computed on the device by
 * the same float64-accumulating kernels as `getTotalNorm` and read once (a
 * host sync); only when it leaves float32's range (a shard norm above 3.4e38,
 * or below 1.2e-38) are the gradients read to the host and summed there in
 * float64. PyTorch's FSDP `clip_grad_norm_` all-reduces `norm^p` per shard
 * in the gradients' dtype, which overflows for such shards.
 *
 * @example
 * ```ts
 * // two workers, each holding part of the gradient
 * const a = partialNorm([tf.tensor1d([3, 0])]);
 * const b = partialNorm([tf.tensor1d([0, 4])]);
 * const wire = JSON.stringify([a, b]);            // what an all-gather would carry
 * const norm = combineNorms(JSON.parse(wire));    // 5, as getTotalNorm of [3, 0, 0, 4]
 * ```
 * @param grads - this shard's gradients (any accepted container; `null` entries are skipped)
 * @returns a new JSON-safe record (no tensors)
 */
export function partialNorm(grads: GradContainer, options: PartialNormOptions = {}): PartialNorm {
  const fn = 'partialNorm';
  checkOptions<PartialNormOptions>(fn, options, { normType: 'checked', fused: 'boolean' });
  const p = requireNormType(fn, options.normType ?? 2);
  const { tensors } = flattenGrads(fn, 'grads', grads);
  const normType = encodeNormType(p);
  if (tensors.length === 0) return { normType, exponent: 0, sum: 0 };
  const n = readScalar(normOf(fn, tensors, p, options.fused));
  if (p === Number.POSITIVE_INFINITY) return { normType, exponent: 0, sum: encodeNumber(n) };
  if (n !== n) return { normType, exponent: 0, sum: 'NaN' };
  if (n === 0) return { normType, exponent: 0, sum: 0 };
  if (n === Number.POSITIVE_INFINITY) {
    // an infinite element, or finite elements whose norm overflows float32
    const m = readScalar(normOf(fn, tensors, Number.POSITIVE_INFINITY, options.fused));
    if (m === Number.POSITIVE_INFINITY) return { normType, exponent: 0, sum: 'Infinity' };
    return onHost(normType, tensors, p);
  }
  if (n < FLOAT32_MIN_NORMAL) return onHost(normType, tensors, p);
  const e = binaryExponent(n);
  const scaled = n / Math.pow(2, e);
  return { normType, exponent: e, sum: p === 2 ? scaled * scaled : p === 1 ? scaled : Math.pow(scaled, p) };
}

/** The shard's power sum from its values on the host, in float64 (the out-of-float32-range case). */
function onHost(normType: number | 'Infinity', tensors: readonly Tensor[], p: number): PartialNorm {
  const buffers = tensors.map((t) => t.dataSync() as Float32Array);
  const m = maxAbs(buffers);
  if (m !== m) return { normType, exponent: 0, sum: 'NaN' };
  if (m === 0) return { normType, exponent: 0, sum: 0 };
  const e = binaryExponent(m);
  return { normType, exponent: e, sum: encodeNumber(scaledPowerSum(buffers, p, e)) };
}

function readScalar(s: Scalar): number {
  const v = s.dataSync()[0];
  s.dispose();
  return v;
}

function encodeNormType(p: number): number | 'Infinity' {
  return p === Number.POSITIVE_INFINITY ? 'Infinity' : p;
}

/**
 * The global p-norm from the {@link partialNorm} records of every shard (in
 * any order, straight from the wire: JSON-parsed records are accepted),
 * as a float64 number:
 *
 *   ||g||_p = 2^E · (Σ_s sum_s · 2^(p (e_s − E)))^(1/p),   E = max_s e_s
 *   ||g||_∞ = max_s sum_s
 *
 * It equals {@link getTotalNorm} over all shards' gradients taken together
 * (relative difference below 1e-6; both accumulate in float64). Being a
 * float64 number, a global norm above float32's range (3.4e38) stays finite
 * here where `getTotalNorm`'s float32 scalar is `Infinity`. NaN in any shard
 * gives NaN; otherwise an infinite value gives `Infinity`; no records, or only
 * empty shards, give 0.
 *
 * Clip after aggregation with the result: `clipGradsWithNorm(shardGrads, maxNorm, norm)`
 * on every worker (the same coefficient everywhere, so the summed gradient
 * keeps its direction; docs/distributed.md shows why clipping each shard
 * separately does not).
 *
 * @example
 * ```ts
 * const shards = [[tf.tensor1d([1e20, 2])], [], [tf.tensor1d([3e20])]];
 * const norm = combineNorms(shards.map((g) => partialNorm(g)));   // ≈ 3.1623e20, no float32 overflow
 * const clipped = clipGradsWithNorm(shards[0], 1, norm);   // the global clip, applied to this shard
 * ```
 * @param partials - one record per shard, all with the same `normType`
 * @throws GradclipArgumentError when a record is malformed or the records' `normType`s differ
 */
export function combineNorms(partials: readonly PartialNorm[]): number {
  const fn = 'combineNorms';
  const list = requireArray<unknown>(fn, 'partials', partials, 'PartialNorm records (one partialNorm(grads) per shard)');
  if (list.length === 0) return 0;
  let p: number | undefined;
  const parts: ScaledPowerSum[] = [];
  list.forEach((x, i) => {
    const r = requireRecord(fn, `partials[${i}]`, x, 'a PartialNorm record {normType, exponent, sum} from partialNorm(grads)');
    const q = decodeNormType(fn, i, r.normType);
    if (p === undefined) p = q;
    else if (q !== p) {
      throw new GradclipArgumentError(
        `${fn}: partials[${i}].normType is ${q} but partials[0].normType is ${p}; compute every shard's partialNorm with the same normType`,
      );
    }
    const e = r.exponent;
    if (typeof e !== 'number' || !Number.isInteger(e) || Math.abs(e) > 2000) {
      throw new GradclipArgumentError(`${fn}: partials[${i}].exponent must be an integer, got ${describeValue(e)}; pass the records partialNorm returns`);
    }
    let sum: number | null;
    try {
      sum = decodeNumber(r.sum);
    } catch {
      sum = null;
    }
    if (sum === null || sum < 0) {
      throw new GradclipArgumentError(
        `${fn}: partials[${i}].sum must be a number >= 0, "NaN" or "Infinity", got ${describeValue(r.sum)}; pass the records partialNorm returns`,
      );
    }
    parts.push({ exponent: e, sum });
  });
  const order = p as number;
  if (order === Number.POSITIVE_INFINITY) {
    let m = 0;
    for (const s of parts) {
      if (s.sum !== s.sum) return Number.NaN;
      if (s.sum > m) m = s.sum;
    }
    return m;
  }
  return normOfScaledSums(parts, order);
}

function decodeNormType(fn: string, i: number, v: unknown): number {
  const q = v === 'Infinity' ? Number.POSITIVE_INFINITY : v;
  if (typeof q !== 'number' || !(q > 0)) {
    throw new GradclipArgumentError(
      `${fn}: partials[${i}].normType must be a number > 0 or "Infinity", got ${describeValue(v)}; pass the records partialNorm returns`,
    );
  }
  return q;
}

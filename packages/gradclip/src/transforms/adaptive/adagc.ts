/**
 * AdaGC: per-tensor clipping against an EMA of each tensor's own clipped norm.
 * Wang, Li, Chen, Zeng, Yang, Yu, Ma, Shen, "AdaGC: Enhancing LLM Pretraining
 * Stability via Adaptive Gradient Clipping", ICML 2026, arXiv:2502.11034
 * (reference code: github.com/lishuai-97/AdaGC, Megatron `clip_grads.py`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar } from '@tensorflow/tfjs-core';
import { registerTransform } from '../registry.js';
import type { GradientTransformation, TransformInfo, TransformResult } from '../types.js';
import { GradclipArgumentError, isCount, requireFinite, requireInteger, requirePositive, requireState } from '../../core/errors.js';
import { TORCH_CLIP_EPS } from '../../core/constants.js';
import { checkOptions } from '../../core/options.js';
import { normOf } from '../../kernels/dispatch.js';
import { entriesOf, requireFloatUpdates, scaleAll } from '../internal.js';

/** Options of {@link adaGC}. */
export interface AdaGCOptions {
  /** EMA decay `β` of each tensor's clipped norm, in `[0, 1)` (the paper's default). @default 0.98 */
  beta?: number;
  /** Global-norm threshold `λ_abs` of the warm-up steps (GlobalGC), `> 0`. @default 1.0 */
  lambdaAbs?: number;
  /** Relative threshold `λ_rel`, `> 0`: tensor i is clipped when `||g_i|| > λ_rel · γ_i`. @default 1.05 */
  lambdaRel?: number;
  /** Number of warm-up steps `T_start` with global clipping at `λ_abs` (integer `>= 0`). @default 100 */
  warmupSteps?: number;
}

/** State of {@link adaGC}: an immutable, JSON-serialisable record. */
export interface AdaGCState {
  /** Steps taken so far (steps with a non-finite norm are not counted). */
  readonly step: number;
  /**
   * `γ_i` per variable, keyed like the gradients: during warm-up the smallest
   * clipped norm seen, afterwards the EMA of the clipped norm. A variable gets
   * its entry at its first (live) gradient. The keys are the gradients' keys
   * (variable names): a model loaded with `tf.loadLayersModel` names its
   * variables anew (tfjs-layers appends `_1`, ...), so rename the keys of a
   * saved state (from `model.weights[i].originalName` to `.name`) before
   * restoring it there.
   */
  readonly gamma: Readonly<Record<string, number>>;
}

/** `info` of {@link adaGC}: the usual fields (host-decided: `clipped` is a boolean) plus the phase of the step. */
export interface AdaGCInfo extends TransformInfo {
  /** Global L2 norm of the incoming gradients. */
  preClipNorm: Scalar;
  /** Global L2 norm of the returned gradients, `sqrt(Σ (h_i ||g_i||)²)`. */
  postClipNorm: Scalar;
  /** `postClipNorm / preClipNorm` (1 when the norm is 0): the global effect of the per-tensor factors. */
  clipCoef: Scalar;
  /** Whether any tensor was scaled. */
  clipped: boolean;
  /** True on a warm-up step (global clipping at `λ_abs`). */
  warmup: boolean;
}

/** {@link adaGC}'s transformation: its `update` reports {@link AdaGCInfo}. */
export interface AdaGCTransformation extends GradientTransformation<AdaGCState> {
  update(
    updates: NamedTensorMap,
    state: AdaGCState,
    params?: NamedTensorMap,
  ): TransformResult<AdaGCState> & {
    /** The step's info, with the phase. */
    info: AdaGCInfo;
  };
}

const FN = 'transforms.adaGC';

function isAdaGCState(s: unknown): s is AdaGCState {
  if (typeof s !== 'object' || s === null) return false;
  const r = s as Record<string, unknown>;
  if (!isCount(r.step)) return false;
  const g = r.gamma;
  if (typeof g !== 'object' || g === null || Array.isArray(g)) return false;
  return Object.values(g).every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
}

/** Sets an own enumerable property (a variable may be called anything, `__proto__` included). */
function setOwn(rec: Record<string, number>, key: string, value: number): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * AdaGC (Wang et al. 2025, arXiv:2502.11034): each tensor `i` is clipped
 * against `γ_i`, an exponential moving average of its own **clipped** norm,
 * with a global clip during the first `warmupSteps` steps. At step `t`
 * (1-based), with `n_i = ||g_i||_2` and `N = sqrt(Σ_i n_i²)`:
 *
 * - warm-up, `t <= warmupSteps` (GlobalGC): `h = min(1, λ_abs / (N + 1e-6))`,
 *   every `g_i ← h · g_i`, and `γ_i ← min(γ_i, h · n_i)` (`γ_i = h · n_i` at its
 *   first step);
 * - afterwards, per tensor: if `n_i > λ_rel · γ_{i}` then
 *   `g_i ← g_i · λ_rel γ_i / (n_i + 1e-6)` and the EMA is fed the clipped norm
 *   `λ_rel γ_i`, else `g_i` is unchanged and the EMA is fed `n_i`:
 *   `γ_i ← β γ_i + (1 − β) · min(n_i, λ_rel γ_i)`. A tensor first seen after
 *   warm-up starts from `γ_i = n_i` (not clipped on that step).
 *
 * This is the update order and epsilon of the authors' released code (the
 * EMA uses the previous `γ` for the threshold and is fed the clipped norm;
 * the warm-up covers steps 1..`warmupSteps`; `1e-6` is added to the norm in
 * both coefficients, as `torch.nn.utils.clip_grad_norm_` does). Defaults are
 * the paper's (`β = 0.98`, `λ_abs = 1`, `λ_rel = 1.05`, `T_start = 100`); the
 * released GPT-2/Llama scripts use `β = 0.99`, `λ_rel = 1.04`.
 *
 * Zero gradients: a tensor whose gradient is exactly zero on a warm-up step
 * gets `γ_i = 0`, and from then on every nonzero gradient of it is scaled to
 * zero (`λ_rel · 0`), as in the reference code; `γ_i` of a variable without a
 * gradient (`null`) is left as it is. A step whose norm is not finite leaves
 * the gradients and the state unchanged and is not counted (chain
 * {@link skipNonFinite} before it to skip such steps).
 *
 * Cost: one host read per step (a device sync on GPU backends): the vector of
 * per-tensor norms, from which `N`, the coefficients and the state are
 * computed in float64 on the host (the per-tensor thresholds live in the
 * JSON state). The gradients are scaled on the device, only the tensors
 * whose factor is not 1. The state holds one number per variable.
 *
 * @example
 * ```ts
 * const opt = withTransforms(adamw({ learningRate: 3e-4 }), transforms.adaGC({ lambdaRel: 1.05, warmupSteps: 100 }));
 * ```
 * @throws when `beta` is outside `[0, 1)`, `lambdaAbs` or `lambdaRel` is not `> 0`,
 *   or `warmupSteps` is not an integer `>= 0`.
 */
export function adaGC(opts: AdaGCOptions = {}): AdaGCTransformation {
  const options = checkOptions<AdaGCOptions>(FN, opts, { beta: 'checked', lambdaAbs: 'checked', lambdaRel: 'checked', warmupSteps: 'checked' });
  const beta = requireFinite(FN, 'beta', options.beta ?? 0.98, 'pass an EMA decay in [0, 1), e.g. 0.98');
  if (!(beta >= 0 && beta < 1)) {
    throw new GradclipArgumentError(`${FN}: beta must be in [0, 1), got ${beta}; it is the EMA decay of each tensor's clipped norm, e.g. 0.98`);
  }
  const lambdaAbs = requirePositive(FN, 'lambdaAbs', options.lambdaAbs ?? 1.0, 'pass the global-norm threshold of the warm-up, e.g. 1.0');
  const lambdaRel = requirePositive(FN, 'lambdaRel', options.lambdaRel ?? 1.05, 'pass the relative threshold, e.g. 1.05');
  const warmupSteps = requireInteger(FN, 'warmupSteps', options.warmupSteps ?? 100, 0, 'pass the number of warm-up steps, e.g. 100');

  return {
    name: `adaGC(${lambdaRel})`,
    spec: { type: 'adaGC', args: [{ beta, lambdaAbs, lambdaRel, warmupSteps }] },
    init(): AdaGCState {
      return { step: 0, gamma: {} };
    },
    update(updates, state) {
      requireFloatUpdates(FN, updates);
      requireState(FN, isAdaGCState(state));
      const entries = entriesOf(updates);
      const norms = tensorNorms(entries.map(([, g]) => g));
      let sumSq = 0;
      for (const n of norms) sumSq += n * n;
      const total = Math.sqrt(sumSq);
      const step = state.step + 1;
      const warmup = step <= warmupSteps;
      if (!Number.isFinite(total)) {
        return { updates: { ...updates }, state, info: infoOf(total, total, false, warmup) };
      }
      const gamma: Record<string, number> = {};
      for (const k of Object.keys(state.gamma)) setOwn(gamma, k, state.gamma[k]);
      const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(gamma, k);
      // h_i per live entry, computed in float64 on the host
      const coefs = entries.map(([k], i) => {
        const n = norms[i];
        if (warmup) {
          const h = Math.min(1, lambdaAbs / (total + TORCH_CLIP_EPS));
          setOwn(gamma, k, Math.min(has(k) ? gamma[k] : Number.POSITIVE_INFINITY, h * n));
          return h;
        }
        const prev = has(k) ? gamma[k] : n;
        const threshold = lambdaRel * prev;
        const over = n > threshold;
        setOwn(gamma, k, beta * prev + (1 - beta) * (over ? threshold : n));
        return over ? threshold / (n + TORCH_CLIP_EPS) : 1;
      });
      const clipped = coefs.some((c) => c !== 1);
      let out: NamedTensorMap = { ...updates };
      if (warmup && clipped) {
        out = scaleAll(FN, updates, coefs[0]);
      } else if (clipped) {
        try {
          entries.forEach(([k, g], i) => {
            if (coefs[i] !== 1) out[k] = scaleAll(FN, { g }, coefs[i]).g;
          });
        } catch (e) {
          for (const [k, g] of entries) if (out[k] !== g) out[k]?.dispose();
          throw e;
        }
      }
      let postSq = 0;
      coefs.forEach((c, i) => {
        postSq += (c * norms[i]) ** 2;
      });
      return {
        updates: out,
        state: { step, gamma },
        info: infoOf(total, clipped ? Math.sqrt(postSq) : total, clipped, warmup),
      };
    },
  };
}

/** The L2 norm of each tensor, read to the host in one transfer (fused float64-accumulated kernels where the backend has them). */
function tensorNorms(tensors: readonly tf.Tensor[]): number[] {
  if (tensors.length === 0) return [];
  const stacked = tf.tidy(() => tf.stack(tensors.map((g) => normOf(FN, [g], 2, undefined))));
  try {
    return Array.from(stacked.dataSync(), Number);
  } finally {
    stacked.dispose();
  }
}

/** The step's info as fresh scalars (`clipCoef = post / pre`, 1 for a zero norm). */
function infoOf(pre: number, post: number, clipped: boolean, warmup: boolean): AdaGCInfo {
  return {
    preClipNorm: tf.scalar(pre),
    postClipNorm: tf.scalar(post),
    clipCoef: tf.scalar(pre > 0 ? post / pre : 1),
    clipped,
    warmup,
  };
}

registerTransform('adaGC', adaGC);

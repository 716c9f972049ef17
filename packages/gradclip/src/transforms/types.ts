import type { NamedTensorMap, Scalar } from '@tensorflow/tfjs-core';
import type { FusedOption } from '../kernels/dispatch.js';

/**
 * Measurements a transform reports about the step it just processed. Tensor
 * fields are fresh tensors owned by the caller (dispose them or hand them on);
 * they stay on the device, so reporting costs no host sync.
 */
export interface TransformInfo {
  /** Global L2 norm of the gradients as this transform received them. */
  preClipNorm?: Scalar;
  /** Global L2 norm of the gradients this transform returned. */
  postClipNorm?: Scalar;
  /** Scale applied by a norm-based clip (`min(1, c / ||g||)`-style), 1 when it did not fire. */
  clipCoef?: Scalar;
  /** Whether the transform changed the gradients (0/1 scalar, or a host boolean). */
  clipped?: Scalar | boolean;
  /** When true the optimizer must skip the update: weights and its state stay untouched. */
  skip?: boolean;
  /**
   * Set (with `skip`) by `transforms.accumulate` on the steps that only add
   * the gradients to its running sum: no update is emitted, but the step is
   * not a rejection. `chain` then keeps the states of the members before the
   * accumulator (a guard's skip reverts them), and `withTransforms` reports
   * the step as `StepStats.accumulated` rather than as a guard's skip.
   */
  accumulating?: boolean;
  /** Per-variable L2 norms (scalars), keyed like the gradients. */
  layerNorms?: NamedTensorMap;
}

/** What {@link GradientTransformation.update} returns. */
export interface TransformResult<S> {
  /** Transformed gradients. Entries may be the very input tensors when unchanged. */
  updates: NamedTensorMap;
  /** The next state: a new immutable record (never a mutated input). */
  state: S;
  /** Measurements of this step. */
  info: TransformInfo;
}

/**
 * An Optax-style gradient transformation: a pair of pure functions closing over
 * hyperparameters (Optax `GradientTransformation`, `optax/_src/base.py`).
 *
 * Contract:
 * - `update` never disposes or mutates its inputs; returned tensors are either
 *   inputs passed through unchanged or new tensors owned by the caller.
 * - `state` is an immutable, JSON-serialisable record (numbers, arrays,
 *   plain objects), so a run can be saved and resumed exactly. One
 *   exception: `accumulate`'s state holds its running sum as device tensors
 *   (reading them every step would sync the device); it serialises through
 *   `toJSON` (one device read, when `JSON.stringify` asks) and its JSON
 *   form is accepted back. Whoever drops a state that holds tensors disposes
 *   those the kept state does not hold: `withTransforms` and `chain` do.
 * - `params` are the current variable values keyed like `updates` (used by
 *   parameter-aware methods such as AGC); transforms must not keep them.
 */
export interface GradientTransformation<S = unknown> {
  /** Short identifier used in logs and errors, e.g. `"clipByGlobalNorm(1)"`. */
  readonly name: string;
  /**
   * How to rebuild this transform: `{type, args}` where `type` is registered
   * with `registerTransform` (see `src/transforms/registry.ts`) and `args` is
   * JSON. Built-in transforms set it, which lets optimizers wrapping them be
   * saved with `model.save` and loaded back. Omit it for ad-hoc transforms.
   */
  readonly spec?: TransformSpec;
  /**
   * Set when this transform is exactly a global-norm clip (what
   * `clipByGlobalNorm` makes, or a `chain` of one such clip after members that
   * only measure): `update` scales every gradient by `coef(n, maxNorm)` under
   * `rule`, returns its state unchanged and reports the clip's standard info.
   * An optimizer wrapper (`withTransforms`, `withClipping`) may then run the
   * clip itself: fold the coefficient into a fused optimizer update, or scale
   * gradients it owns in place. Ad-hoc transforms leave it unset.
   */
  readonly fusableClip?: FusableGlobalClip;
  /**
   * Set when this transform only measures (`monitor()`): `update` returns its
   * inputs and its state unchanged and reports only measurements of its input
   * (`preClipNorm`, `layerNorms`). `chain` uses it to forward a member's
   * {@link fusableClip}.
   */
  readonly measuresOnly?: boolean;
  /**
   * Set by `transforms.accumulate(k)` (to k), and by a `chain` holding such a
   * member: the transform emits one update every k steps and reports
   * `info.accumulating` on the others. `chain` uses it to warn when a clip
   * runs before the accumulator, and keeps an accumulator's state when a
   * later member skips the step (the accumulated window is dropped with it).
   */
  readonly accumulateSteps?: number;
  /** Creates the initial state for the given parameters. */
  init(params: NamedTensorMap): S;
  /** Transforms one step's gradients. */
  update(updates: NamedTensorMap, state: S, params?: NamedTensorMap): TransformResult<S>;
}

/** JSON description of a transform: a registered factory name and its arguments. */
export interface TransformSpec {
  /** Registered factory name, e.g. `"clipByGlobalNorm"` or `"chain"`. */
  type: string;
  /** JSON arguments for the factory (nested specs for combinators). */
  args: unknown[];
}

/**
 * Which coefficient rule a global-norm clip uses (they differ only at the
 * boundary and for non-finite norms):
 * - `'optax'`: `coef = 1 if n < c else c / n` (Optax `clip_by_global_norm`, Pascanu et al. Algorithm 1: clip at `>=`, no epsilon)
 * - `'tf'`: `coef = c · min(1/n, 1/c) + (n − n)` (`tf.clip_by_global_norm`, Keras `global_clipnorm`: NaN everywhere when n is not finite)
 * - `'torch'`: `coef = min(1, c / (n + 1e-6))` (`torch.nn.utils.clip_grad_norm_`)
 */
export type GlobalNormRule = 'optax' | 'tf' | 'torch';

/**
 * What an optimizer wrapper needs to run a global-norm clip itself (see
 * {@link GradientTransformation.fusableClip}).
 */
export interface FusableGlobalClip {
  /** The threshold c. */
  readonly maxNorm: number;
  /** The coefficient rule. */
  readonly rule: GlobalNormRule;
  /** The kernel choice the clip was made with (`false`: the wrapper must not fuse). */
  readonly fused: FusedOption;
  /**
   * Runs the members before the clip that only measure (a `chain` sets it)
   * on the raw gradients and returns their merged info; the wrapper merges
   * the clip's info into it as `chain` would.
   */
  readonly measure?: (updates: NamedTensorMap, params?: NamedTensorMap) => TransformInfo;
}

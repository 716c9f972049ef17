import type { NamedTensorMap, Scalar } from '@tensorflow/tfjs-core';

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
 *   plain objects), so a run can be saved and resumed exactly.
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

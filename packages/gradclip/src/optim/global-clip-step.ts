/**
 * The wrapper's own run of a fusable global-norm clip (a transform that
 * declares `fusableClip`): the coefficient folded into a fused SGD/Adam/AdamW
 * update on wasm with SIMD, or the gradients the wrapper owns scaled in
 * place. Either way the result equals running the transform and then
 * `applyGradients` (same float32 operations, same optimizer state); the
 * training-equivalence suite (test/equivalence) checks it on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Optimizer } from '@tensorflow/tfjs-core';
import { GradclipArgumentError } from '../core/errors.js';
import { normOf } from '../kernels/dispatch.js';
import { disposeInfo, disposeUnlessKept, mergeInfo } from '../transforms/info.js';
import { clipInfo, globalClipCoef, scaleAll } from '../transforms/internal.js';
import type { GradientTransformation, TransformInfo } from '../transforms/types.js';
import { applyClippedUpdate, fusedUpdateAvailable } from './fused-update.js';

/** What decides whether the wrapper may run the clip itself this step. */
export interface GlobalClipStepContext {
  /** The wrapped optimizer. */
  inner: Optimizer;
  /** `WithTransformsOptions.fusedUpdate`. */
  fusedUpdate: boolean | undefined;
  /** Whether the wrapper owns `grads` (computed by its `minimize`): they may be scaled in place. */
  ownsGradients: boolean;
  /** Whether per-variable norms of the unclipped gradients are recorded after the step. */
  recordLayerNorms: boolean;
}

/**
 * Runs `transform`'s clip and the optimizer update in one, when the
 * transform is fusable and either a fused update is available or the
 * gradients may be scaled in place. Returns the updates handed on and the
 * step's info, or null when neither applies (the caller then runs the
 * transform as usual). With `fusedUpdate: true` and no fused update
 * available it throws.
 */
export function globalClipStep(
  transform: GradientTransformation,
  grads: NamedTensorMap,
  params: NamedTensorMap,
  ctx: GlobalClipStepContext,
): { updates: NamedTensorMap; info: TransformInfo } | null {
  const clip = transform.fusableClip;
  if (clip === undefined || clip.fused === false) return null;
  const fuseUpdate = ctx.fusedUpdate !== false && fusedUpdateAvailable(ctx.inner);
  if (ctx.fusedUpdate === true && !fuseUpdate) {
    throw new GradclipArgumentError(
      `withTransforms: fusedUpdate: true needs tf.train.sgd, tf.train.adam or adamw() on the wasm backend with WebAssembly SIMD, and adamw without updateClipping ` +
        `(got ${ctx.inner.getClassName()} on "${tf.getBackend()}"); use fusedUpdate: undefined (automatic) or false`,
    );
  }
  // In place only when the per-layer norms (of the unclipped gradients) are not needed afterwards.
  const inPlace = !fuseUpdate && ctx.ownsGradients && !ctx.recordLayerNorms;
  if (!fuseUpdate && !inPlace) return null;
  const fn = 'withTransforms';
  const info: TransformInfo = clip.measure ? clip.measure(grads, params) : {};
  const n = normOf(fn, Object.values(grads), 2, clip.fused);
  const coef = globalClipCoef(n, clip.maxNorm, clip.rule);
  mergeInfo(info, clipInfo(n, coef));
  let updates = grads;
  try {
    if (fuseUpdate) {
      applyClippedUpdate(ctx.inner, grads, coef);
    } else {
      updates = scaleAll(fn, grads, coef, { fused: clip.fused, consume: true });
      ctx.inner.applyGradients(updates);
    }
  } catch (e) {
    disposeUnlessKept(updates, grads);
    disposeInfo(info);
    throw e;
  }
  return { updates, info };
}

/**
 * Clipping inside the optimizer update: when a {@link TransformingOptimizer}
 * wraps `tf.train.sgd`, `tf.train.adam` or gradclip's {@link adamw} with a plain
 * global-norm clip on the wasm backend (WebAssembly SIMD), the clip
 * coefficient is handed to a fused SGD/Adam/AdamW update
 * (`src/kernels/wasm/optim-update.ts`) instead of scaling the gradients
 * first. Clipping then costs one read of the gradients (the norm): the scale
 * pass and its 1× gradient-sized output disappear, and the optimizer's own
 * per-variable temporaries too.
 *
 * The update reproduces the TF.js optimizer exactly: the same float32
 * operations in the same order (tfjs-core 4.22 `SGDOptimizer`,
 * `AdamOptimizer`; AdamW's decoupled decay `w·(1 − lr·λ)` first), the same
 * moment variables (created the same way, indexed by position as TF.js does,
 * so `getWeights`/`setWeights` and later unfused steps see the same state),
 * the same `accBeta1`/`accBeta2` bookkeeping and iteration count.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamOptimizer, SGDOptimizer } from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Optimizer, Scalar, Variable } from '@tensorflow/tfjs-core';
import {
  activeWasmSimd,
  fusedAdamStep,
  fusedSgdStep,
  type FusedAdamParam,
  type FusedParam,
} from '../kernels/wasm/optim-update.js';
import { registeredVariable } from './variables.js';
import { AdamW } from './adamw.js';
import { GradclipArgumentError, describeValue } from '../core/errors.js';

/** Which optimizers have a fused clipped update. */
export type FusableOptimizerKind = 'sgd' | 'adam' | 'adamw';

/** The TF.js `AdamOptimizer` fields the fused step reads and updates (private in TF.js's types). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: Variable } | undefined>;
}

interface IterationsInternals {
  incrementIterations(): void;
}

/**
 * The kind of fused update `opt` supports, or null. Only the exact classes
 * qualify (a subclass may change the update): `tf.SGDOptimizer`,
 * `tf.AdamOptimizer`, gradclip's `AdamW` without `updateClipping` (StableAdamW's
 * per-tensor learning rate needs each tensor's RMS before its update: it has no
 * fused kernel, so such an optimizer always takes the unfused path).
 */
export function fusableOptimizerKind(opt: Optimizer): FusableOptimizerKind | null {
  const ctor = (opt as object).constructor;
  if (ctor === AdamW) return (opt as AdamW).updateClipping ? null : 'adamw';
  if (ctor === AdamOptimizer) return 'adam';
  if (ctor === SGDOptimizer) return 'sgd';
  return null;
}

/** True when `opt` can take a fused clipped update on the active backend now. */
export function fusedUpdateAvailable(opt: Optimizer): boolean {
  if (typeof opt !== 'object' || opt === null) {
    throw new GradclipArgumentError(`fusedUpdateAvailable: optimizer must be a tf.Optimizer, got ${describeValue(opt)}`);
  }
  return fusableOptimizerKind(opt) !== null && activeWasmSimd() !== null;
}

function variableFor(name: string, grad: tf.Tensor): Variable {
  const v = registeredVariable(name);
  if (!v) throw new GradclipArgumentError(`fused update: no variable named "${name}" is registered; pass gradients keyed by variable name`);
  if (v.dtype !== 'float32' || grad.dtype !== 'float32') {
    throw new GradclipArgumentError(`fused update: variable "${name}" and its gradient must be float32, got ${v.dtype} and ${grad.dtype}`);
  }
  if (v.size !== grad.size) {
    throw new GradclipArgumentError(`fused update: the gradient of "${name}" has ${grad.size} elements but the variable has ${v.size}`);
  }
  return v;
}

/**
 * The rate TF.js's SGD applies: `SGDOptimizer.applyGradients` multiplies by
 * its scalar `c = −learningRate`, which only `setLearningRate` replaces; an
 * assignment to the `learningRate` field changes nothing there. Reading `c`
 * keeps the fused step exactly the plain optimizer's, whatever the caller did;
 * each scalar is read from the device once.
 */
function sgdRate(opt: Optimizer): number {
  const c = (opt as unknown as { c?: unknown }).c;
  if (!(c instanceof tf.Tensor) || c.isDisposed) return (opt as unknown as { learningRate: number }).learningRate;
  // one read per scalar: setLearningRate makes a new one, so a step reuses the value read before
  let rate = SGD_RATES.get(c);
  if (rate === undefined) {
    rate = -c.dataSync()[0];
    SGD_RATES.set(c, rate);
  }
  return rate;
}

/** The rate of each SGD scalar `c` read so far (keyed by the tensor, which TF.js never changes in place). */
const SGD_RATES = new WeakMap<tf.Tensor, number>();

/**
 * Applies one update of `opt` with the gradients `grads` multiplied by the
 * clip coefficient `coef`, as `opt.applyGradients(grads · coef)` would, in a
 * single fused pass per variable (wasm SIMD). `grads` are only read.
 * @throws when {@link fusedUpdateAvailable} is false
 */
export function applyClippedUpdate(opt: Optimizer, grads: NamedTensorMap, coef: Scalar): void {
  const kind = fusableOptimizerKind(opt);
  const ctx = activeWasmSimd();
  if (kind === null || ctx === null) {
    throw new GradclipArgumentError(
      'applyClippedUpdate: needs tf.train.sgd, tf.train.adam or adamw() on the wasm backend with WebAssembly SIMD, and adamw without updateClipping; ' +
        'check fusedUpdateAvailable(optimizer) first',
    );
  }
  const names = Object.keys(grads);
  const vars = names.map((n) => variableFor(n, grads[n])); // validate everything before writing
  const c = coef.dataSync()[0];
  if (kind === 'sgd') {
    const params: FusedParam[] = names.map((n, i) => ({ variable: vars[i], gradient: grads[n] }));
    fusedSgdStep(ctx, params, sgdRate(opt), c);
  } else {
    const a = opt as unknown as AdamInternals;
    const decay = kind === 'adamw' ? (opt as AdamW).weightDecay : 0;
    const params: FusedAdamParam[] = names.map((n, i) => {
      const value = vars[i];
      // The moment slots exactly as AdamOptimizer.applyGradients creates them (by position).
      if (a.accumulatedFirstMoment[i] == null) {
        a.accumulatedFirstMoment[i] = { originalName: `${n}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      if (a.accumulatedSecondMoment[i] == null) {
        a.accumulatedSecondMoment[i] = { originalName: `${n}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      const wd = decay !== 0 && value.trainable && (opt as AdamW).decaysVariable(n) ? decay : 0;
      return {
        variable: value,
        gradient: grads[n],
        m: (a.accumulatedFirstMoment[i] as { variable: Variable }).variable,
        v: (a.accumulatedSecondMoment[i] as { variable: Variable }).variable,
        weightDecay: wd,
      };
    });
    // TF.js: oneMinusAccBeta = sub(1, accBeta) in float32.
    const bc1 = Math.fround(1 - a.accBeta1.dataSync()[0]);
    const bc2 = Math.fround(1 - a.accBeta2.dataSync()[0]);
    fusedAdamStep(ctx, params, { lr: a.learningRate, beta1: a.beta1, beta2: a.beta2, eps: a.epsilon, c, bc1, bc2 });
    tf.tidy(() => {
      a.accBeta1.assign(tf.mul(a.accBeta1, a.beta1));
      a.accBeta2.assign(tf.mul(a.accBeta2, a.beta2));
    });
  }
  (opt as unknown as IterationsInternals).incrementIterations();
}

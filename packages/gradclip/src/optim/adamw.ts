import * as tf from '@tensorflow/tfjs-core';
import { AdamOptimizer, serialization } from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { decodeConfigJson, encodeConfigJson } from '../core/config-codec.js';
import { normOf } from '../kernels/dispatch.js';
import { registeredVariable } from './variables.js';
import { GradclipArgumentError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link adamw}. */
export interface AdamWOptions {
  /** Step size α. @default 1e-3 */
  learningRate?: number;
  /** Decay of the first moment. @default 0.9 */
  beta1?: number;
  /** Decay of the second moment. @default 0.999 */
  beta2?: number;
  /** Added to `sqrt(v̂)`. @default 1e-8 (PyTorch's; TF.js Adam uses 1e-7) */
  epsilon?: number;
  /** Decoupled weight-decay factor λ. @default 0.01 (PyTorch's default) */
  weightDecay?: number;
  /**
   * Variables whose name matches are not decayed (biases and normalisation
   * gains usually). Strings match as substrings.
   * @default [] (decay every variable, as PyTorch)
   */
  excludeFromWeightDecay?: Array<string | RegExp>;
  /**
   * StableAdamW's update clipping (Wortsman et al. 2023, "Stable and
   * low-precision training for large-scale vision-language models",
   * arXiv 2304.13013, Algorithm 2; Adafactor's update clipping, Shazeer &
   * Stern 2018, arXiv 1804.04235, applied per tensor as a learning-rate
   * factor): for each variable, every step,
   *
   *   RMS = sqrt(mean(g² / max(v̂, ε²)))       (v̂: the bias-corrected second moment, this step's g included)
   *   η = α / max(1, RMS)
   *
   * and η replaces α in that variable's update and its decoupled decay.
   * With it, gradient clipping is usually unnecessary (the paper's claim).
   * No host sync (RMS and η stay on the device). This optimizer then has no
   * fused wasm update: `fusedUpdateAvailable` is false and
   * `withClipping`/`withTransforms` take the unfused path.
   * @default false
   */
  updateClipping?: boolean;
}

/** The TF.js `AdamOptimizer` fields the update-clipping step reads and updates (private in TF.js's types). */
interface AdamInternals {
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: Variable } | undefined>;
  incrementIterations(): void;
}

function requireIn(name: string, v: number, lo: number, hi: number, loOpen: boolean, hiOpen: boolean): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok) {
    throw new GradclipArgumentError(
      `adamw: ${name} must be in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${String(v)}`,
    );
  }
  return v;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter 2019, "Decoupled
 * Weight Decay Regularization", arXiv 1711.05101), as `torch.optim.AdamW`:
 *
 *   θ ← θ · (1 − α·λ)                                   (decay, not through the gradient)
 *   m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²
 *   θ ← θ − α · (m / (1−β₁ᵗ)) / (sqrt(v / (1−β₂ᵗ)) + ε)
 *
 * The Adam part is TF.js's own `AdamOptimizer` (same bias correction);
 * `getWeights`/`setWeights` and serialisation work as for Adam, with the
 * class registered as `AdamW`.
 *
 * With {@link AdamW.updateClipping} (StableAdamW, arXiv 2304.13013) the step
 * is computed here, with the same moment variables and bookkeeping as TF.js's
 * Adam, and per variable `η = α / max(1, sqrt(mean(g² / max(v̂, ε²))))`
 * replaces α in the decay and the update (see {@link AdamWOptions.updateClipping}).
 */
export class AdamW extends AdamOptimizer {
  /** Registered class name. */
  static override className = 'AdamW';
  /** Decoupled weight-decay factor λ. */
  readonly weightDecay: number;
  /** Name patterns excluded from decay. */
  readonly excludeFromWeightDecay: Array<string | RegExp>;
  /** StableAdamW's per-tensor update clipping (see {@link AdamWOptions.updateClipping}). */
  readonly updateClipping: boolean;

  constructor(
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    weightDecay: number,
    exclude: Array<string | RegExp> = [],
    updateClipping = false,
  ) {
    super(
      requireIn('learningRate', learningRate, 0, Infinity, true, true),
      requireIn('beta1', beta1, 0, 1, false, true),
      requireIn('beta2', beta2, 0, 1, false, true),
      requireIn('epsilon', epsilon, 0, Infinity, true, true),
    );
    requireIn('weightDecay', weightDecay, 0, Infinity, false, true);
    if (!Array.isArray(exclude)) throw new GradclipArgumentError(`adamw: excludeFromWeightDecay must be an array of names or RegExps, got ${typeof exclude}`);
    if (typeof updateClipping !== 'boolean') throw new GradclipArgumentError(`adamw: updateClipping must be a boolean, got ${typeof updateClipping}`);
    this.weightDecay = weightDecay;
    this.excludeFromWeightDecay = exclude;
    this.updateClipping = updateClipping;
  }

  /**
   * Whether the variable called `name` is decayed: true unless it matches one
   * of {@link AdamW.excludeFromWeightDecay} (the fused update asks this too).
   */
  decaysVariable(name: string): boolean {
    return this.decays(name);
  }

  private decays(name: string): boolean {
    return !this.excludeFromWeightDecay.some((p) => (typeof p === 'string' ? name.includes(p) : p.test(name)));
  }

  /**
   * One AdamW step: decays every trainable variable in `variableGradients`
   * that {@link AdamW.decaysVariable} accepts by `1 − α·λ`, then applies
   * TF.js's Adam update to the gradients.
   */
  override applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    if (this.updateClipping) {
      this.applyClippedUpdates(variableGradients);
      return;
    }
    if (this.weightDecay !== 0) {
      const names = Array.isArray(variableGradients)
        ? variableGradients.filter((e) => e.tensor != null).map((e) => e.name)
        : Object.keys(variableGradients).filter((k) => variableGradients[k] != null);
      const factor = 1 - this.learningRate * this.weightDecay;
      tf.tidy(() => {
        for (const n of names) {
          const v = registeredVariable(n);
          if (v && v.trainable && this.decays(n)) v.assign(tf.mul(v, factor));
        }
      });
    }
    super.applyGradients(variableGradients as Parameters<AdamOptimizer['applyGradients']>[0]);
  }

  /**
   * The StableAdamW step: TF.js's Adam (the same float32 operations, the
   * moment variables created and indexed the same way, the same
   * `accBeta1`/`accBeta2` and iteration bookkeeping), with per variable
   * `η = α / max(1, RMS)`, `RMS = ||g / sqrt(max(v̂, ε²))||₂ / sqrt(size)`
   * (= `sqrt(mean(g² / max(v̂, ε²)))`, accumulated in float64 by the fused
   * norm kernels where the backend has them), replacing α in the decay
   * `θ·(1 − η·λ)` and in the update `θ − η·m̂/(sqrt(v̂) + ε)`.
   */
  private applyClippedUpdates(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const a = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients) ? variableGradients.map((e) => e.name) : Object.keys(variableGradients);
    const eps2 = this.epsilon * this.epsilon;
    tf.tidy(() => {
      const oneMinusAccBeta1 = tf.sub(1, a.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, a.accBeta2);
      names.forEach((name, i) => {
        const value = registeredVariable(name) as Variable;
        if (a.accumulatedFirstMoment[i] == null) {
          a.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        if (a.accumulatedSecondMoment[i] == null) {
          a.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        const gradient: Tensor | null | undefined = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (gradient == null) return;
        const m = (a.accumulatedFirstMoment[i] as { variable: Variable }).variable;
        const v = (a.accumulatedSecondMoment[i] as { variable: Variable }).variable;
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
        const mHat = tf.div(newM, oneMinusAccBeta1);
        const vHat = tf.div(newV, oneMinusAccBeta2);
        m.assign(newM);
        v.assign(newV);
        // RMS of g / sqrt(max(v̂, ε²)); η = α / max(1, RMS)
        const ratio = tf.div(gradient, tf.sqrt(tf.maximum(vHat, eps2)));
        const rms = tf.div(normOf('adamw', [ratio], 2, undefined), Math.sqrt(Math.max(1, gradient.size)));
        const eta = tf.div(this.learningRate, tf.maximum(rms, 1)) as Scalar;
        const decayed = this.weightDecay !== 0 && value.trainable && this.decays(name) ? tf.mul(value, tf.sub(1, tf.mul(eta, this.weightDecay))) : value;
        value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), tf.neg(eta)), decayed));
      });
      a.accBeta1.assign(tf.mul(a.accBeta1, this.beta1));
      a.accBeta2.assign(tf.mul(a.accBeta2, this.beta2));
    });
    a.incrementIterations();
  }

  /** Adam's config plus `weightDecay`, `excludeFromWeightDecay` (RegExps as `/source/flags` strings) and `updateClipping`, for `tf.serialization`. */
  override getConfig(): serialization.ConfigDict {
    const excl = this.excludeFromWeightDecay.map((p) => (typeof p === 'string' ? p : `/${p.source}/${p.flags}`));
    return {
      ...super.getConfig(),
      weightDecay: this.weightDecay,
      excludeFromWeightDecay: excl,
      // The same list as base64 JSON: tfjs-layers camel-cases every string of a loaded
      // training config ("head_out" → "headOut"), which would break the patterns.
      excludeFromWeightDecayB64: encodeConfigJson(excl),
      updateClipping: this.updateClipping,
    };
  }

  static override fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: serialization.ConfigDict,
  ): T {
    const encoded = config.excludeFromWeightDecayB64;
    const list =
      typeof encoded === 'string'
        ? (decodeConfigJson(encoded) as string[])
        : ((config.excludeFromWeightDecay as string[] | undefined) ?? []);
    const excl = list.map((s) => {
      const m = /^\/(.*)\/([a-z]*)$/.exec(s);
      return m ? new RegExp(m[1], m[2]) : s;
    });
    return new cls(
      config.learningRate,
      config.beta1,
      config.beta2,
      config.epsilon,
      config.weightDecay ?? 0.01,
      excl,
      config.updateClipping === true,
    ) as T;
  }
}

serialization.registerClass(AdamW);

/**
 * Creates an {@link AdamW} optimizer (TF.js has no AdamW); with
 * `updateClipping: true` it is StableAdamW (Wortsman et al. 2023,
 * arXiv 2304.13013): per tensor `α / max(1, sqrt(mean(g² / max(v̂, ε²))))`.
 * @example
 * ```ts
 * const opt = withClipping(adamw({learningRate: 3e-4, weightDecay: 0.1}), {globalClipnorm: 1});
 * const stable = adamw({learningRate: 3e-4, weightDecay: 0.1, updateClipping: true}); // StableAdamW
 * ```
 */
export function adamw(opts: AdamWOptions = {}): AdamW {
  const options = checkOptions<AdamWOptions>('adamw', opts, {
    learningRate: 'checked',
    beta1: 'checked',
    beta2: 'checked',
    epsilon: 'checked',
    weightDecay: 'checked',
    excludeFromWeightDecay: 'array',
    updateClipping: 'boolean',
  });
  const lr = requireIn('learningRate', options.learningRate ?? 1e-3, 0, Infinity, true, true);
  const b1 = requireIn('beta1', options.beta1 ?? 0.9, 0, 1, false, true);
  const b2 = requireIn('beta2', options.beta2 ?? 0.999, 0, 1, false, true);
  const eps = requireIn('epsilon', options.epsilon ?? 1e-8, 0, Infinity, true, true);
  const wd = requireIn('weightDecay', options.weightDecay ?? 0.01, 0, Infinity, false, true);
  return new AdamW(lr, b1, b2, eps, wd, options.excludeFromWeightDecay ?? [], options.updateClipping ?? false);
}

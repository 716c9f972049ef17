import * as tf from '@tensorflow/tfjs-core';
import { AdamOptimizer, serialization } from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Variable } from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { decodeConfigJson, encodeConfigJson } from '../core/config-codec.js';
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
 */
export class AdamW extends AdamOptimizer {
  /** Registered class name. */
  static override className = 'AdamW';
  /** Decoupled weight-decay factor λ. */
  readonly weightDecay: number;
  /** Name patterns excluded from decay. */
  readonly excludeFromWeightDecay: Array<string | RegExp>;

  constructor(learningRate: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, exclude: Array<string | RegExp> = []) {
    super(
      requireIn('learningRate', learningRate, 0, Infinity, true, true),
      requireIn('beta1', beta1, 0, 1, false, true),
      requireIn('beta2', beta2, 0, 1, false, true),
      requireIn('epsilon', epsilon, 0, Infinity, true, true),
    );
    requireIn('weightDecay', weightDecay, 0, Infinity, false, true);
    if (!Array.isArray(exclude)) throw new GradclipArgumentError(`adamw: excludeFromWeightDecay must be an array of names or RegExps, got ${typeof exclude}`);
    this.weightDecay = weightDecay;
    this.excludeFromWeightDecay = exclude;
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

  /** Adam's config plus `weightDecay` and `excludeFromWeightDecay` (RegExps as `/source/flags` strings), for `tf.serialization`. */
  override getConfig(): serialization.ConfigDict {
    const excl = this.excludeFromWeightDecay.map((p) => (typeof p === 'string' ? p : `/${p.source}/${p.flags}`));
    return {
      ...super.getConfig(),
      weightDecay: this.weightDecay,
      excludeFromWeightDecay: excl,
      // The same list as base64 JSON: tfjs-layers camel-cases every string of a loaded
      // training config ("head_out" → "headOut"), which would break the patterns.
      excludeFromWeightDecayB64: encodeConfigJson(excl),
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
    ) as T;
  }
}

serialization.registerClass(AdamW);

/**
 * Creates an {@link AdamW} optimizer (TF.js has no AdamW).
 * @example
 * ```ts
 * const opt = withClipping(adamw({learningRate: 3e-4, weightDecay: 0.1}), {globalClipnorm: 1});
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
  });
  const lr = requireIn('learningRate', options.learningRate ?? 1e-3, 0, Infinity, true, true);
  const b1 = requireIn('beta1', options.beta1 ?? 0.9, 0, 1, false, true);
  const b2 = requireIn('beta2', options.beta2 ?? 0.999, 0, 1, false, true);
  const eps = requireIn('epsilon', options.epsilon ?? 1e-8, 0, Infinity, true, true);
  const wd = requireIn('weightDecay', options.weightDecay ?? 0.01, 0, Infinity, false, true);
  return new AdamW(lr, b1, b2, eps, wd, options.excludeFromWeightDecay ?? []);
}

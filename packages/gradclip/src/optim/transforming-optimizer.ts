import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, serialization } from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { decodeConfigJson, encodeConfigJson } from '../core/config-codec.js';
import { GradclipArgumentError, requireFloatTensor, requireInteger, requireRecord } from '../core/errors.js';
import type { StepStats } from '../core/step-stats.js';
import { disposeDroppedState, disposeInfo, disposeUnlessKept } from '../transforms/info.js';
import { transformFromSpec } from '../transforms/registry.js';
import type { GradientTransformation, TransformInfo, TransformSpec } from '../transforms/types.js';
import { globalClipStep } from './global-clip-step.js';
import { innerOptimizerFromConfig, resolveOptimizer, type OptimizerName } from './optimizer-names.js';
import { StatsBuffer } from './stats-buffer.js';
import { registeredVariables } from './variables.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link withTransforms}. */
export interface WithTransformsOptions {
  /**
   * Measure the pre- and post-transform global norms when the transform does
   * not report them itself (one fused norm pass each), so every step has
   * complete {@link StepStats}. Set false to save those passes.
   * @default true
   */
  measure?: boolean;
  /**
   * Also record per-variable gradient norms in the step statistics
   * (`StepStats.layerNorms`), when the transform does not report them.
   * @default false
   */
  layerNorms?: boolean;
  /**
   * How many steps of statistics to keep on the device for
   * {@link TransformingOptimizer.drainStats} before the oldest are dropped.
   * Statistics stay as tensors until read, so a GPU backend is not synced
   * every step; read them in batches.
   * @default 1
   */
  statsBuffer?: number;
  /**
   * Clipping inside the update. When the transform is a plain
   * `transforms.clipByGlobalNorm` (what `withClipping(opt, {globalClipnorm})`
   * makes) and the wrapped optimizer is `tf.train.sgd`, `tf.train.adam` or
   * gradclip's `adamw` on the wasm backend with WebAssembly SIMD, the clip
   * coefficient goes straight into a fused SGD/Adam/AdamW update: the
   * gradients are read once for the norm and once by the update, with no
   * scale pass and no gradient-sized temporaries; the result equals
   * clip-then-`applyGradients` (same float32 operations, same optimizer state).
   * `undefined`: fuse when possible; `true`: require it (the step throws
   * otherwise); `false`: never (the gradients are scaled, then handed over).
   *
   * Independently of this option, gradients the wrapper owns (those computed
   * by its `minimize`, which `model.fit` uses) are scaled in place by the
   * global-norm clip, so clipping needs no extra memory.
   * @default undefined (automatic)
   */
  fusedUpdate?: boolean;
}

function toNamedMap(vg: NamedTensorMap | NamedTensor[]): NamedTensorMap {
  if (Array.isArray(vg)) {
    const m: NamedTensorMap = {};
    for (const e of vg) if (e && e.tensor != null) m[e.name] = e.tensor;
    return m;
  }
  const m: NamedTensorMap = {};
  for (const [k, t] of Object.entries(vg)) if (t != null) m[k] = t;
  return m;
}

/**
 * A `tf.Optimizer` that runs a {@link GradientTransformation} on every step's
 * gradients before handing them to a wrapped optimizer. Because it *is* a
 * `tf.Optimizer` it works unchanged in `model.compile({optimizer})` +
 * `model.fit`, in `optimizer.minimize(f)` and with `applyGradients`.
 *
 * Per step (`applyGradients`):
 * 1. `updates, state, info = transform.update(grads, state, variables)`
 * 2. unless `info.skip`, `inner.applyGradients(updates)`; when skipped, the
 *    variables **and** the inner optimizer's state (moments, iteration count)
 *    are untouched;
 * 3. the step's statistics (pre/post norm, coefficient, clipped, skipped,
 *    loss when called through `minimize`) are kept as device tensors and read
 *    only on request ({@link lastStats}, {@link drainStats}).
 *
 * Gradient accumulation (`transforms.accumulate(k)` first in the chain): the
 * k − 1 micro-steps of every window are skipped steps too (weights and inner
 * state untouched, `iterations` counts the k-th steps only), counted by
 * {@link accumulatedSteps} rather than {@link skippedSteps}, and recorded as
 * `StepStats` with `skipped: true, accumulated: true` and null norms. The
 * accumulator's running sum lives in the transform state as tensors: the
 * wrapper disposes each replaced state's tensors, and those of the last
 * state on {@link dispose}.
 *
 * Serialisation: `getConfig`/`fromConfig` carry the inner optimizer and the
 * transform's spec, and the class is registered with `tf.serialization`, so a
 * model saved with `model.save` and loaded with `tf.loadLayersModel` trains
 * with the same clipping. `getWeights`/`setWeights` delegate to the inner
 * optimizer; the transform's own state is saved with {@link getTransformState}.
 */
export class TransformingOptimizer extends Optimizer {
  /** Class name under which the optimizer is registered for (de)serialisation. */
  static className = 'GradclipOptimizer';

  /** The wrapped optimizer that applies the (transformed) updates. */
  readonly inner: Optimizer;
  /** The transform run on every step. */
  readonly transform: GradientTransformation;
  private readonly measure: boolean;
  private readonly recordLayerNorms: boolean;
  private readonly bufferSize: number;
  private readonly fusedUpdate: boolean | undefined;
  /** True while `minimize` hands its own gradients to `applyGradients` (they may be scaled in place). */
  private ownsGradients = false;
  private state: unknown = undefined;
  private stepCount = 0;
  private skippedCount = 0;
  private accumulatedCount = 0;
  private pendingLoss: Scalar | null = null;
  private readonly stats: StatsBuffer;
  private readonly fn: string;

  /**
   * @param fn - the public function named in error messages (`withClipping` passes its own name)
   */
  constructor(inner: Optimizer, transform: GradientTransformation, opts: WithTransformsOptions = {}, fn = 'withTransforms') {
    super();
    this.fn = fn;
    const options = checkOptions<WithTransformsOptions>(fn, opts, {
      measure: 'boolean',
      layerNorms: 'boolean',
      statsBuffer: 'checked',
      fusedUpdate: 'checked',
    });
    if (typeof inner !== 'object' || inner === null || !(inner instanceof Optimizer)) {
      throw new GradclipArgumentError(`${fn}: optimizer must be a tf.Optimizer (for example tf.train.adam(1e-3))`);
    }
    if (!transform || typeof transform.update !== 'function' || typeof transform.init !== 'function') {
      throw new GradclipArgumentError(`${fn}: transform must be a GradientTransformation such as transforms.clipByGlobalNorm(1)`);
    }
    const size = options.statsBuffer ?? 1;
    if (!Number.isInteger(size) || size < 1) {
      throw new GradclipArgumentError(`${fn}: statsBuffer must be an integer >= 1, got ${size}`);
    }
    this.inner = inner;
    this.transform = transform;
    this.measure = options.measure ?? true;
    this.recordLayerNorms = options.layerNorms ?? false;
    this.bufferSize = size;
    const fu = options.fusedUpdate;
    if (fu !== undefined && typeof fu !== 'boolean') {
      throw new GradclipArgumentError(`${fn}: fusedUpdate must be true, false or undefined, got ${JSON.stringify(fu)}`);
    }
    this.fusedUpdate = fu;
    this.stats = new StatsBuffer({ size, measure: this.measure, layerNorms: this.recordLayerNorms });
  }

  /** Number of steps (calls of `applyGradients`) so far, skipped ones included. */
  get steps(): number {
    return this.stepCount;
  }

  /** Number of steps whose update was skipped by a guard (accumulation micro-steps are not counted here). */
  get skippedSteps(): number {
    return this.skippedCount;
  }

  /**
   * Number of gradient-accumulation micro-steps so far: steps on which
   * `transforms.accumulate` added the gradients to its sum and no update was
   * applied (k − 1 of every k steps).
   */
  get accumulatedSteps(): number {
    return this.accumulatedCount;
  }

  override get iterations(): number {
    return this.inner.iterations;
  }

  override minimize(f: () => Scalar, returnCost = false, varList?: Variable[]): Scalar | null {
    const { value, grads } = this.computeGradients(f, varList);
    this.pendingLoss = tf.clone(value);
    this.ownsGradients = true;
    try {
      if (varList != null) this.applyGradients(varList.map((v) => ({ name: v.name, tensor: grads[v.name] })));
      else this.applyGradients(grads);
    } catch (e) {
      value.dispose();
      throw e;
    } finally {
      this.ownsGradients = false;
      this.pendingLoss?.dispose();
      this.pendingLoss = null;
      tf.dispose(grads);
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  override applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const grads = toNamedMap(variableGradients);
    const names = Object.keys(grads);
    for (const n of names) requireFloatTensor<Tensor>(this.fn, `the gradient of "${n}"`, grads[n]);
    const params = registeredVariables(names);
    if (this.state === undefined) this.state = this.transform.init(params);
    const fast = globalClipStep(this.transform, grads, params, {
      inner: this.inner,
      fusedUpdate: this.fusedUpdate,
      ownsGradients: this.ownsGradients,
      recordLayerNorms: this.recordLayerNorms,
    });
    if (fast !== null) {
      this.stepCount += 1;
      this.record(grads, fast.updates, fast.info, false);
      disposeUnlessKept(fast.updates, grads);
      return;
    }
    const { updates, state, info } = this.transform.update(grads, this.state, params);
    const accumulated = info.accumulating === true;
    const skipped = info.skip === true || accumulated;
    try {
      if (!skipped) this.inner.applyGradients(updates);
    } catch (e) {
      disposeUnlessKept(updates, grads);
      disposeInfo(info);
      disposeDroppedState(state, this.state);
      throw e;
    }
    const previous = this.state;
    this.state = state;
    disposeDroppedState(previous, state);
    this.stepCount += 1;
    if (accumulated) this.accumulatedCount += 1;
    else if (skipped) this.skippedCount += 1;
    this.record(grads, updates, info, skipped, accumulated);
    disposeUnlessKept(updates, grads);
  }

  private record(grads: NamedTensorMap, updates: NamedTensorMap, info: TransformInfo, skipped: boolean, accumulated = false): void {
    this.stats.record({ step: this.stepCount, grads, updates, info, skipped, accumulated, loss: this.pendingLoss });
  }

  /**
   * Statistics of the most recent step, read now (a host sync on GPU
   * backends; free on cpu/wasm). `null` before the first step. Does not
   * consume the buffer.
   */
  lastStats(): StepStats | null {
    return this.stats.last();
  }

  /**
   * Reads and removes every buffered step's statistics with a single
   * asynchronous device read (one transfer for all steps).
   */
  async drainStats(): Promise<StepStats[]> {
    return this.stats.drain();
  }

  /** Synchronous variant of {@link drainStats} (one host sync for all buffered steps). */
  drainStatsSync(): StepStats[] {
    return this.stats.drainSync();
  }

  /**
   * The transform's current state (JSON-serialisable: `JSON.stringify` it to
   * save), or undefined before the first step. A state holding tensors
   * (`transforms.accumulate`'s running sum) is valid until the next step,
   * which disposes them: serialise it before training on.
   */
  getTransformState(): unknown {
    return this.state;
  }

  /**
   * Restores a state saved with {@link getTransformState} (or its JSON
   * round trip); the next step continues from it exactly. Tensors the
   * current state holds and the new one does not are disposed.
   */
  setTransformState(state: unknown): void {
    const previous = this.state;
    this.state = state;
    disposeDroppedState(previous, state);
  }

  /**
   * Sets the step counters ({@link steps}, {@link skippedSteps},
   * {@link accumulatedSteps}), as a restored run continues them
   * (`loadOptimizerState` calls it). Each must be an integer >= 0, and
   * skipped + accumulated <= steps.
   */
  setStepCounts(counts: { steps: number; skippedSteps: number; accumulatedSteps: number }): void {
    const fn = 'TransformingOptimizer.setStepCounts';
    const c = requireRecord(fn, 'counts', counts, 'a record {steps, skippedSteps, accumulatedSteps}');
    const steps = requireInteger(fn, 'counts.steps', c.steps, 0, 'pass the saved step count');
    const skipped = requireInteger(fn, 'counts.skippedSteps', c.skippedSteps, 0, 'pass the saved count of skipped steps');
    const accumulated = requireInteger(fn, 'counts.accumulatedSteps', c.accumulatedSteps, 0, 'pass the saved count of accumulation micro-steps');
    if (skipped + accumulated > steps) {
      throw new GradclipArgumentError(`${fn}: skippedSteps + accumulatedSteps (${skipped + accumulated}) exceed steps (${steps}); pass the counts of one saved optimizer`);
    }
    this.stepCount = steps;
    this.skippedCount = skipped;
    this.accumulatedCount = accumulated;
  }

  /** The inner optimizer's weights (its slot variables), as `tf.Optimizer.getWeights`; the transform's state is {@link getTransformState}. */
  override async getWeights(): Promise<NamedTensor[]> {
    return this.inner.getWeights();
  }

  /** Restores the inner optimizer's weights saved with {@link getWeights}, as `tf.Optimizer.setWeights`. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    return this.inner.setWeights(weightValues);
  }

  override dispose(): void {
    this.inner.dispose();
    this.stats.dispose();
    disposeDroppedState(this.state, undefined);
    this.state = undefined;
  }

  override getConfig(): serialization.ConfigDict {
    return {
      optimizer: { className: this.inner.getClassName(), config: this.inner.getConfig() },
      // base64 JSON: tfjs-layers camel-cases every string in a loaded training config.
      transform: this.transform.spec ? encodeConfigJson(this.transform.spec) : null,
      transformName: this.transform.name.replace(/_/g, ' '),
      measure: this.measure,
      layerNorms: this.recordLayerNorms,
      statsBuffer: this.bufferSize,
      ...(this.fusedUpdate === undefined ? {} : { fusedUpdate: this.fusedUpdate }),
      // the step counters at save time (model.save), so a loaded model continues the count
      steps: this.stepCount,
      skippedSteps: this.skippedCount,
      ...(this.accumulatedCount === 0 ? {} : { accumulatedSteps: this.accumulatedCount }),
    };
  }

  static override fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: serialization.ConfigDict,
  ): T {
    const innerOpt = innerOptimizerFromConfig('GradclipOptimizer', config);
    if (typeof config.transform !== 'string') {
      throw new GradclipArgumentError(
        `GradclipOptimizer.fromConfig: the saved optimizer used a transform without a spec (${String(config.transformName)}); ` +
          'give custom transforms a spec and register their factory with registerTransform, or compile the loaded model with a new optimizer',
      );
    }
    const spec = decodeConfigJson(config.transform) as TransformSpec;
    const Ctor = cls as unknown as new (...args: ConstructorParameters<typeof TransformingOptimizer>) => TransformingOptimizer;
    const opt = new Ctor(innerOpt, transformFromSpec(spec), {
      measure: config.measure !== false,
      layerNorms: config.layerNorms === true,
      statsBuffer: typeof config.statsBuffer === 'number' ? config.statsBuffer : 1,
      fusedUpdate: typeof config.fusedUpdate === 'boolean' ? config.fusedUpdate : undefined,
    } satisfies WithTransformsOptions);
    const count = (x: unknown): number => (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : 0);
    opt.stepCount = count(config.steps);
    opt.skippedCount = Math.min(count(config.skippedSteps), opt.stepCount);
    opt.accumulatedCount = Math.min(count(config.accumulatedSteps), opt.stepCount - opt.skippedCount);
    return opt as unknown as T;
  }
}

// tf.Optimizer's Symbol.hasInstance accepts any object with minimize/applyGradients,
// which subclasses inherit; give the wrapper an exact check of its own.
Object.defineProperty(TransformingOptimizer, Symbol.hasInstance, {
  value: (x: unknown): boolean =>
    typeof x === 'object' && x !== null && Object.prototype.isPrototypeOf.call(TransformingOptimizer.prototype, x),
});

serialization.registerClass(TransformingOptimizer);

/**
 * Wraps `optimizer` so that `transform` runs on every step's gradients (the
 * variables are passed as `params`, for parameter-aware methods such as AGC),
 * and the update is skipped when the transform says so. The general form of
 * {@link withClipping}. `optimizer` is a `tf.Optimizer` or a name that
 * `model.compile` accepts (`'adam'`, `'rmsprop'`, ...; see
 * {@link OptimizerName}), built with tfjs-layers' defaults.
 *
 * @example
 * ```ts
 * const opt = withTransforms(tf.train.adam(1e-3),
 *   transforms.chain(transforms.skipNonFinite(), transforms.clipByGlobalNorm(1)));
 * model.compile({optimizer: opt, loss: 'meanSquaredError'});
 * await model.fit(xs, ys);
 * console.log(opt.lastStats()); // {preClipNorm, postClipNorm, clipCoef, clipped, skipped, ...}
 * ```
 */
export function withTransforms(
  optimizer: Optimizer | OptimizerName,
  transform: GradientTransformation,
  options: WithTransformsOptions = {},
): TransformingOptimizer {
  return wrapResolved('withTransforms', optimizer, (opt) => new TransformingOptimizer(opt, transform, options));
}

/**
 * Runs `wrap` on `optimizer`, resolved from a name when it is one; an
 * optimizer built from a name is disposed again when `wrap` throws.
 * @internal
 */
export function wrapResolved(
  fn: string,
  optimizer: Optimizer | OptimizerName,
  wrap: (opt: Optimizer) => TransformingOptimizer,
): TransformingOptimizer {
  const opt = resolveOptimizer(fn, optimizer);
  try {
    return wrap(opt);
  } catch (e) {
    if (opt !== optimizer) opt.dispose();
    throw e;
  }
}

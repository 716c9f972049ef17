import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, serialization } from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { normOf } from '../clip/norm-engine.js';
import type { StepStats } from '../core/step-stats.js';
import { disposeInfo, disposeUnlessKept } from '../transforms/dispose.js';
import { transformFromSpec } from '../transforms/registry.js';
import { fusableGlobalClipOf, globalClipCoef, globalClipInfo, scaleAll } from '../transforms/clip.js';
import { applyClippedUpdate, fusedUpdateAvailable } from './fused-update.js';
import { resolveOptimizer, type OptimizerName } from './optimizer-names.js';
import type { GradientTransformation, TransformInfo, TransformSpec } from '../transforms/types.js';

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

/** One step's statistics, still on the device. */
interface PendingStats {
  step: number;
  skipped: boolean;
  /** [preClipNorm, postClipNorm, clipCoef, clipped, loss, ...layerNorms] */
  packed: Tensor;
  layerNames: string[];
  /** Whether pre/post norms and the coefficient were measured (else reported as null). */
  measured: boolean;
  /** Whether the loss was captured (through `minimize`); else reported as null. */
  hasLoss: boolean;
}

const NAN = Number.NaN;

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

function lookupParams(names: readonly string[]): NamedTensorMap {
  const registry = tf.engine().registeredVariables as Record<string, Variable>;
  const params: NamedTensorMap = {};
  for (const n of names) {
    const v = registry[n];
    if (v) params[n] = v;
  }
  return params;
}

function base64Encode(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function base64Decode(s: string): string {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
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
  private pendingLoss: Scalar | null = null;
  private buffer: PendingStats[] = [];

  constructor(inner: Optimizer, transform: GradientTransformation, options: WithTransformsOptions = {}) {
    super();
    if (!(inner instanceof Optimizer)) {
      throw new Error('withTransforms: optimizer must be a tf.Optimizer (for example tf.train.adam(1e-3))');
    }
    if (!transform || typeof transform.update !== 'function' || typeof transform.init !== 'function') {
      throw new Error('withTransforms: transform must be a GradientTransformation such as transforms.clipByGlobalNorm(1)');
    }
    const size = options.statsBuffer ?? 1;
    if (!Number.isInteger(size) || size < 1) {
      throw new Error(`withTransforms: statsBuffer must be an integer >= 1, got ${size}`);
    }
    this.inner = inner;
    this.transform = transform;
    this.measure = options.measure ?? true;
    this.recordLayerNorms = options.layerNorms ?? false;
    this.bufferSize = size;
    const fu = options.fusedUpdate;
    if (fu !== undefined && typeof fu !== 'boolean') {
      throw new Error(`withTransforms: fusedUpdate must be true, false or undefined, got ${JSON.stringify(fu)}`);
    }
    this.fusedUpdate = fu;
  }

  /** Number of steps (calls of `applyGradients`) so far, skipped ones included. */
  get steps(): number {
    return this.stepCount;
  }

  /** Number of steps whose update was skipped by a guard. */
  get skippedSteps(): number {
    return this.skippedCount;
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
    const params = lookupParams(names);
    if (this.state === undefined) this.state = this.transform.init(params);
    const fast = this.globalClipStep(grads);
    if (fast !== null) {
      this.stepCount += 1;
      this.record(grads, fast.updates, fast.info, false);
      disposeUnlessKept(fast.updates, grads);
      return;
    }
    const { updates, state, info } = this.transform.update(grads, this.state, params);
    const skipped = info.skip === true;
    try {
      if (!skipped) this.inner.applyGradients(updates);
    } catch (e) {
      disposeUnlessKept(updates, grads);
      disposeInfo(info);
      throw e;
    }
    this.state = state;
    this.stepCount += 1;
    if (skipped) this.skippedCount += 1;
    this.record(grads, updates, info, skipped);
    disposeUnlessKept(updates, grads);
  }

  /**
   * A plain global-norm clip run by the wrapper itself (see
   * {@link WithTransformsOptions.fusedUpdate}): the coefficient folded into a
   * fused optimizer update, or the owned gradients scaled in place. Returns
   * null when neither applies (the transform then runs as usual).
   */
  private globalClipStep(grads: NamedTensorMap): { updates: NamedTensorMap; info: TransformInfo } | null {
    const clip = fusableGlobalClipOf(this.transform);
    if (clip === undefined || clip.fused === false) return null;
    const fuseUpdate = this.fusedUpdate !== false && fusedUpdateAvailable(this.inner);
    if (this.fusedUpdate === true && !fuseUpdate) {
      throw new Error(
        `withTransforms: fusedUpdate: true needs tf.train.sgd, tf.train.adam or adamw() on the wasm backend with WebAssembly SIMD ` +
          `(got ${this.inner.getClassName()} on "${tf.getBackend()}"); use fusedUpdate: undefined (automatic) or false`,
      );
    }
    // In place only when the per-layer norms (of the unclipped gradients) are not needed afterwards.
    const inPlace = !fuseUpdate && this.ownsGradients && !this.recordLayerNorms;
    if (!fuseUpdate && !inPlace) return null;
    const fn = 'withTransforms';
    const n = normOf(fn, Object.values(grads), 2, clip.fused);
    const coef = globalClipCoef(n, clip.maxNorm, clip.rule);
    const info = globalClipInfo(n, coef);
    let updates = grads;
    try {
      if (fuseUpdate) {
        applyClippedUpdate(this.inner, grads, coef);
      } else {
        updates = scaleAll(fn, grads, coef, clip.fused, true);
        this.inner.applyGradients(updates);
      }
    } catch (e) {
      disposeUnlessKept(updates, grads);
      disposeInfo(info);
      throw e;
    }
    return { updates, info };
  }

  private record(grads: NamedTensorMap, updates: NamedTensorMap, info: TransformInfo, skipped: boolean): void {
    const layerNames = info.layerNorms ? Object.keys(info.layerNorms) : this.recordLayerNorms ? Object.keys(grads) : [];
    const packed = tf.tidy(() => {
      const nan = tf.scalar(NAN);
      const pre = info.preClipNorm ?? (this.measure ? normOf('withTransforms', Object.values(grads), 2, undefined) : nan);
      const post =
        info.postClipNorm ??
        (this.measure ? (updates === grads ? pre : normOf('withTransforms', Object.values(updates), 2, undefined)) : nan);
      const coef = info.clipCoef ?? tf.where(tf.greater(pre, 0), tf.div(post, pre), tf.onesLike(pre));
      const clipped =
        info.clipped === undefined
          ? tf.cast(tf.less(coef, 1), 'float32')
          : typeof info.clipped === 'boolean'
            ? tf.scalar(info.clipped ? 1 : 0)
            : info.clipped;
      const loss = this.pendingLoss ?? nan;
      const parts: Tensor[] = [pre, post, coef, clipped, loss].map((t) => tf.reshape(tf.cast(t, 'float32'), [1]));
      if (layerNames.length > 0) {
        const ln = info.layerNorms ?? {};
        parts.push(
          tf.stack(layerNames.map((n) => ln[n] ?? normOf('withTransforms', [grads[n]], 2, undefined))) as Tensor,
        );
      }
      return tf.concat(parts);
    });
    const measured = this.measure || info.preClipNorm !== undefined;
    disposeInfo(info);
    // keep: model.fit runs each step inside a tf.tidy; the record must outlive it.
    const hasLoss = this.pendingLoss !== null;
    this.buffer.push({ step: this.stepCount, skipped, packed: tf.keep(packed), layerNames, measured, hasLoss });
    while (this.buffer.length > this.bufferSize) this.buffer.shift()?.packed.dispose();
  }

  private static decode(p: PendingStats, v: ArrayLike<number>, offset: number): StepStats {
    const num = (x: number): number | null => (p.measured ? x : null);
    const s: StepStats = {
      step: p.step,
      preClipNorm: num(v[offset]),
      postClipNorm: num(v[offset + 1]),
      clipCoef: num(v[offset + 2]),
      clipped: v[offset + 3] > 0.5 && !p.skipped,
      skipped: p.skipped,
      loss: p.hasLoss ? v[offset + 4] : null,
    };
    if (p.layerNames.length > 0) {
      const ln: Record<string, number> = {};
      p.layerNames.forEach((n, i) => (ln[n] = v[offset + 5 + i]));
      s.layerNorms = ln;
    }
    return s;
  }

  /**
   * Statistics of the most recent step, read now (a host sync on GPU
   * backends; free on cpu/wasm). `null` before the first step. Does not
   * consume the buffer.
   */
  lastStats(): StepStats | null {
    const p = this.buffer[this.buffer.length - 1];
    if (!p) return null;
    return TransformingOptimizer.decode(p, p.packed.dataSync(), 0);
  }

  /**
   * Reads and removes every buffered step's statistics with a single
   * asynchronous device read (one transfer for all steps).
   */
  async drainStats(): Promise<StepStats[]> {
    const pending = this.takeBuffer();
    if (pending.length === 0) return [];
    const all = tf.concat(pending.map((p) => p.packed));
    const values = await all.data();
    all.dispose();
    return TransformingOptimizer.decodeAll(pending, values);
  }

  /** Synchronous variant of {@link drainStats} (one host sync for all buffered steps). */
  drainStatsSync(): StepStats[] {
    const pending = this.takeBuffer();
    if (pending.length === 0) return [];
    const all = tf.concat(pending.map((p) => p.packed));
    const values = all.dataSync();
    all.dispose();
    return TransformingOptimizer.decodeAll(pending, values);
  }

  private takeBuffer(): PendingStats[] {
    const pending = this.buffer;
    this.buffer = [];
    return pending;
  }

  /** Decodes the concatenated values of `pending` and frees their tensors. */
  private static decodeAll(pending: readonly PendingStats[], values: ArrayLike<number>): StepStats[] {
    const out: StepStats[] = [];
    let off = 0;
    for (const p of pending) {
      out.push(TransformingOptimizer.decode(p, values, off));
      off += p.packed.size;
      p.packed.dispose();
    }
    return out;
  }

  /** The transform's current state (JSON-serialisable), or undefined before the first step. */
  getTransformState(): unknown {
    return this.state;
  }

  /** Restores a state saved with {@link getTransformState}; the next step continues from it exactly. */
  setTransformState(state: unknown): void {
    this.state = state;
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
    for (const p of this.buffer) p.packed.dispose();
    this.buffer = [];
  }

  override getConfig(): serialization.ConfigDict {
    return {
      optimizer: { className: this.inner.getClassName(), config: this.inner.getConfig() },
      // base64 JSON: tfjs-layers camel-cases every string in a loaded training config.
      transform: this.transform.spec ? base64Encode(JSON.stringify(this.transform.spec)) : null,
      transformName: this.transform.name.replace(/_/g, ' '),
      measure: this.measure,
      layerNorms: this.recordLayerNorms,
      statsBuffer: this.bufferSize,
      ...(this.fusedUpdate === undefined ? {} : { fusedUpdate: this.fusedUpdate }),
    };
  }

  static override fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: serialization.ConfigDict,
  ): T {
    const inner = config.optimizer as { className: string; config: serialization.ConfigDict } | undefined;
    if (!inner || typeof inner.className !== 'string') {
      throw new Error('GradclipOptimizer.fromConfig: config.optimizer {className, config} is missing');
    }
    const entry = serialization.SerializationMap.getMap().classNameMap[inner.className];
    if (!entry) {
      throw new Error(
        `GradclipOptimizer.fromConfig: the inner optimizer class "${inner.className}" is not registered; register it with tf.serialization.registerClass before loading`,
      );
    }
    const [innerCls, innerFromConfig] = entry;
    const innerOpt = innerFromConfig(innerCls, inner.config) as unknown as Optimizer;
    if (typeof config.transform !== 'string') {
      throw new Error(
        `GradclipOptimizer.fromConfig: the saved optimizer used a transform without a spec (${String(config.transformName)}); ` +
          'give custom transforms a spec and register their factory with registerTransform, or compile the loaded model with a new optimizer',
      );
    }
    const spec = JSON.parse(base64Decode(config.transform)) as TransformSpec;
    return new cls(innerOpt, transformFromSpec(spec), {
      measure: config.measure !== false,
      layerNorms: config.layerNorms === true,
      statsBuffer: typeof config.statsBuffer === 'number' ? config.statsBuffer : 1,
      fusedUpdate: typeof config.fusedUpdate === 'boolean' ? config.fusedUpdate : undefined,
    } satisfies WithTransformsOptions) as T;
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

/**
 * Gradient accumulation, Optax's `MultiSteps` (`optax/transforms/_accumulation.py`)
 * as a member of a chain: k micro-batch gradients are summed, and one update
 * is emitted every k steps, so the clip after it sees the accumulated gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';
import { GradclipArgumentError, describeValue, isCount, requireInteger, requireState } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { decodeNumber, encodeNumber, type JsonNumber } from '../core/step-stats.js';
import { entriesOf, layerAndGlobalNorms, requireFloatUpdates } from './internal.js';
import { registerTransform } from './registry.js';
import type { GradientTransformation, TransformResult } from './types.js';

/** Options of {@link accumulate}. */
export interface AccumulateOptions {
  /**
   * `'mean'`: the emitted update is `(Σ_j g_j) / k` (Optax `MultiSteps`'
   * default `use_grad_mean=True`): with a loss that is a mean over the batch,
   * k micro-batches of size B give the gradient of one batch of size k·B.
   * `'sum'`: the update is `Σ_j g_j` (for a loss summed over the batch).
   * @default 'mean'
   */
  mode?: 'mean' | 'sum';
}

/** A tensor of {@link AccumulateStateJson}: its shape and values (non-finite values as strings). */
export interface AccumulatedTensorJson {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** Its values in row-major order (`"NaN"`, `"Infinity"`, `"-Infinity"` for non-finite ones). */
  readonly values: readonly JsonNumber[];
}

/**
 * The JSON form of an {@link AccumulateState} (what `JSON.stringify(state)`
 * writes, through its `toJSON`); `accumulate`'s `update` accepts it back, so
 * a window interrupted by a save resumes exactly.
 */
export interface AccumulateStateJson {
  /** Micro-batches in the current window. */
  readonly count: number;
  /** The running sums, keyed like the gradients, or null when `count` is 0. */
  readonly sums: Readonly<Record<string, AccumulatedTensorJson>> | null;
}

/**
 * State of {@link accumulate}: an immutable record, frozen.
 *
 * Unlike the other transforms' states it holds tensors: the running sum stays
 * on the device (reading it to the host every step would sync a GPU
 * backend). Consequences, all handled by `withTransforms`:
 * - it is JSON-serialisable through `toJSON` only (one device read of the
 *   sums, when `JSON.stringify` calls it), and the JSON form is accepted back;
 * - every `update` returns new sum tensors and leaves the given state intact,
 *   so whoever drops a state disposes its `sums` (the wrapper does it after
 *   each step, on `setTransformState` and on `dispose`). Driving `update`
 *   yourself, dispose the previous state's sums after each step:
 *   `tf.dispose(Object.values(old.sums ?? {}))`;
 * - a state read with `getTransformState()` is valid until the next step:
 *   serialise it before training on.
 */
export interface AccumulateState {
  /** Micro-batches in the current window, `0 <= count < k`. */
  readonly count: number;
  /** `Σ_j g_j` of the window so far, keyed like the gradients (device tensors), or null when `count` is 0. */
  readonly sums: Readonly<Record<string, Tensor>> | null;
  /** The JSON form (reads the sums from the device); called by `JSON.stringify`. */
  toJSON(): AccumulateStateJson;
}

const FN = 'transforms.accumulate';

function makeState(count: number, sums: Readonly<Record<string, Tensor>> | null): AccumulateState {
  const state = { count, sums: sums === null ? null : Object.freeze({ ...sums }) };
  Object.defineProperty(state, 'toJSON', {
    enumerable: false,
    value: (): AccumulateStateJson => ({ count: state.count, sums: state.sums === null ? null : sumsToJson(state.sums) }),
  });
  return Object.freeze(state) as AccumulateState;
}

function sumsToJson(sums: Readonly<Record<string, Tensor>>): Record<string, AccumulatedTensorJson> {
  return Object.fromEntries(
    Object.entries(sums).map(([k, t]) => {
      if (t.isDisposed) {
        throw new GradclipArgumentError(
          `${FN}: this state's sum for "${k}" has been disposed (a later step replaced the state); serialise the state returned by the latest step (opt.getTransformState()) before training on`,
        );
      }
      return [k, { shape: [...t.shape], values: Array.from(t.dataSync(), encodeNumber) }];
    }),
  );
}

function isJsonTensor(v: unknown): v is AccumulatedTensorJson {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { shape?: unknown; values?: unknown };
  if (!Array.isArray(r.shape) || !r.shape.every(isCount) || !Array.isArray(r.values)) return false;
  return r.values.length === r.shape.reduce((a: number, b: number) => a * b, 1);
}

function isLiveTensor(v: unknown): v is Tensor {
  const t = v as Partial<Tensor> | null;
  return typeof t === 'object' && t !== null && typeof t.dataId === 'object' && Array.isArray(t.shape) && t.isDisposed === false && t.dtype === 'float32';
}

/** The state's sums as live tensors; `made` collects the ones built here from a JSON state (the caller disposes them). */
function readSums(state: unknown, k: number, made: Tensor[]): { count: number; sums: Record<string, Tensor> } {
  const r = state as { count?: unknown; sums?: unknown } | null;
  requireState(FN, typeof r === 'object' && r !== null && isCount(r.count) && r.count < k);
  const count = (r as { count: number }).count;
  const raw = (r as { sums?: unknown }).sums;
  if (count === 0) {
    requireState(FN, raw === null || raw === undefined);
    return { count, sums: {} };
  }
  requireState(FN, typeof raw === 'object' && raw !== null && !Array.isArray(raw));
  const entries = Object.entries(raw as Record<string, unknown>);
  for (const [key, v] of entries) {
    if (typeof v === 'object' && v !== null && 'dataId' in v && (v as Tensor).isDisposed) {
      throw new GradclipArgumentError(
        `${FN}: the state's sum for "${key}" has been disposed; pass the state returned by the latest update() (the sums of the states before it are freed)`,
      );
    }
  }
  requireState(FN, entries.every(([, v]) => isLiveTensor(v) || isJsonTensor(v)));
  const sums: Record<string, Tensor> = {};
  for (const [key, v] of entries) {
    if (isLiveTensor(v)) sums[key] = v;
    else {
      const j = v as AccumulatedTensorJson;
      let values: number[];
      try {
        values = j.values.map((x) => decodeNumber(x) ?? Number.NaN);
      } catch {
        requireState(FN, false);
        values = [];
      }
      const t = tf.tensor(values, [...j.shape], 'float32');
      made.push(t);
      sums[key] = t;
    }
  }
  return { count, sums };
}

/**
 * Gradient accumulation (Optax `MultiSteps`; PyTorch's accumulate-then-step
 * loop): sums the gradients of k consecutive micro-batches and emits one
 * update every k steps,
 *
 *   S ← S + g_t;   on every k-th step emit S / k ('mean') or S ('sum') and reset S ← 0,
 *
 * so a chain that starts with it clips the accumulated gradient, as a batch
 * k times larger would be clipped:
 * `chain(accumulate(4), clipByGlobalNorm(1))` with micro-batches of size B
 * trains like `clipByGlobalNorm(1)` with batches of 4B (for a loss that is a
 * mean over the batch; test/equivalence checks it to 1e-6 over many steps).
 * Put it first: a clip before it clips each micro-batch instead (`chain`
 * warns). A guard before it (`skipNonFinite()`) drops a bad micro-batch, as
 * Optax's `should_skip_update_fn`; a guard after it drops a whole window.
 *
 * On the k − 1 steps that only accumulate it reports `info.skip` and
 * `info.accumulating`: `withTransforms` then leaves the weights and the inner
 * optimizer's state (moments, iteration count) untouched, and records the step
 * with `skipped: true` and `accumulated: true` and null norms, so the clip
 * rate (clipped / applied steps) counts only the emitted updates and the
 * skipped-step counts keep meaning a guard's skip. On the k-th step it
 * reports `preClipNorm` and `layerNorms` of the accumulated update (put
 * `monitor()` after it, not before, to measure what the clip sees).
 *
 * The sum is kept in float32 on the device, in the state (see
 * {@link AccumulateState}: it holds tensors, serialises through `toJSON`, and
 * the wrapper disposes replaced sums). A variable missing from some
 * micro-batches counts as a zero gradient there; the mean still divides by k.
 * Its spec is registered, so an optimizer wrapping it survives `model.save` /
 * `tf.loadLayersModel`; the open window is not part of the saved model (a
 * loaded optimizer starts an empty one): save at a window boundary, or keep
 * `JSON.stringify(opt.getTransformState())` beside the model and restore it
 * with `setTransformState`.
 *
 * Differences from Optax's `MultiSteps`: the mean is the float32 sum divided
 * once by k (Optax keeps a running mean, `acc + (g − acc) / (n + 1)`), the
 * micro-steps skip the update instead of returning zeros, and k is a constant
 * (no schedule).
 *
 * @example
 * ```ts
 * const opt = withTransforms(tf.train.adam(1e-3),
 *   transforms.chain(transforms.accumulate(4), transforms.clipByGlobalNorm(1)));
 * model.compile({optimizer: opt, loss: 'meanSquaredError'});
 * await model.fit(xs, ys, {batchSize: 16, epochs: 1, verbose: 0});   // 4 steps, 1 update
 * console.log(opt.iterations, opt.accumulatedSteps);                   // 1 3
 * ```
 * @param k - micro-batches per update, an integer >= 1 (1 passes every gradient through, as a copy)
 */
export function accumulate(k: number, opts: AccumulateOptions = {}): GradientTransformation<AccumulateState> {
  requireInteger(FN, 'k', k, 1, 'pass how many micro-batches to accumulate per update, e.g. 4');
  const options = checkOptions<AccumulateOptions>(FN, opts, { mode: 'checked' });
  const mode = options.mode ?? 'mean';
  if (mode !== 'mean' && mode !== 'sum') {
    throw new GradclipArgumentError(`${FN}: mode must be 'mean' or 'sum', got ${describeValue(mode)}; 'mean' averages the k micro-batch gradients`);
  }
  return {
    name: mode === 'mean' ? `accumulate(${k})` : `accumulate(${k}, sum)`,
    spec: { type: 'accumulate', args: [k, { mode }] },
    accumulateSteps: k,
    init(): AccumulateState {
      return makeState(0, null);
    },
    update(updates: NamedTensorMap, state: AccumulateState): TransformResult<AccumulateState> {
      requireFloatUpdates(FN, updates);
      const made: Tensor[] = [];
      try {
        const prev = readSums(state, k, made);
        const live = entriesOf(updates);
        for (const [key, g] of live) {
          const s = prev.sums[key];
          if (s !== undefined && !sameShape(s.shape, g.shape)) {
            throw new GradclipArgumentError(
              `${FN}: the gradient of "${key}" has shape [${g.shape.join(', ')}] but the accumulated sum has [${s.shape.join(', ')}]; every micro-batch must have the same variables`,
            );
          }
        }
        // kept: model.fit runs each step in a tf.tidy, and the sums must outlive it (the state's owner frees them)
        const sums: Record<string, Tensor> = {};
        for (const [key, g] of live) {
          const s = prev.sums[key];
          sums[key] = tf.keep(s === undefined ? tf.clone(g) : tf.add(s, g));
        }
        for (const [key, s] of Object.entries(prev.sums)) if (!(key in sums)) sums[key] = tf.keep(tf.clone(s));
        const count = prev.count + 1;
        if (count < k) {
          return { updates: { ...updates }, state: makeState(count, sums), info: { skip: true, accumulating: true } };
        }
        // the k-th micro-batch: emit the window and reset
        const out: NamedTensorMap = { ...updates };
        const emitted: NamedTensorMap = {};
        for (const [key, s] of Object.entries(sums)) {
          if (mode === 'mean' && k > 1) {
            emitted[key] = tf.tidy(() => tf.div(s, k));
            s.dispose();
          } else emitted[key] = s;
          out[key] = emitted[key];
        }
        const { layers, global } = layerAndGlobalNorms(FN, emitted);
        return { updates: out, state: makeState(0, null), info: { preClipNorm: global, layerNorms: layers } };
      } finally {
        for (const t of made) t.dispose();
      }
    },
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

registerTransform('accumulate', accumulate);

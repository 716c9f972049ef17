/**
 * Saving and restoring a gradclip optimizer's whole training state, browser
 * safe: {@link saveOptimizerState} / {@link loadOptimizerState}. The Node
 * file helpers (`saveOptimizer` / `loadOptimizer` in `gradclip/node`) write
 * the same pair to a folder.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Tensor } from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { GradclipArgumentError, describeValue } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { copySnapshot, disposeSnapshot, restoreOptimizer, snapshotOptimizer, snapshotTensors, type OptimizerSnapshot } from './optimizer-slots.js';
import { RecoveringOptimizer, type RecoveryRuntime, type RecoveryState, type Snapshot } from './recovery.js';
import { TransformingOptimizer } from './transforming-optimizer.js';

/** Options of {@link loadOptimizerState}. */
export interface LoadOptimizerStateOptions {
  /**
   * Saved variable name → variable name now, for a model whose variables are
   * named differently from the saved one's (a second copy of a model in the
   * same process gets new unique names; a fresh process building the model
   * the same way gets the same names and needs none). Keys of the transform
   * state's records (such as `transforms.accumulate`'s sums) are renamed;
   * the optimizer's slots are positional and need no renaming.
   * @default {} (names unchanged)
   */
  variableNames?: Readonly<Record<string, string>>;
}

/** What {@link saveOptimizerState} returns. */
export interface SavedOptimizerState {
  /**
   * JSON text (format `gradclip-optimizer-state`, version 1): the optimizer
   * classes, step counters, the transform state with its tensors as
   * references `{"$tensor": name}`, and the layout of the inner optimizer's
   * slots.
   */
  json: string;
  /** The tensors `json` refers to, by name: copies owned by the caller (`tf.dispose(saved.tensors.map((t) => t.tensor))`). */
  tensors: NamedTensor[];
}

const FORMAT = 'gradclip-optimizer-state';

interface EncodedSlots {
  className: string;
  iterations: number;
  fields: Record<string, string>;
  lists: Record<string, Array<{ originalName: string; tensor: string } | null>>;
  wrapper?: { state: unknown; inner: EncodedSlots; counts: { steps: number; skippedSteps: number; accumulatedSteps: number } };
}

interface EncodedSnapshot {
  step: number;
  variables: Record<string, string>;
  optimizer: EncodedSlots;
  lossHistory: number[];
  gradHistory: number[];
}

interface EncodedFile {
  format: typeof FORMAT;
  version: 1;
  optimizer: EncodedSlots;
  recovery?: RecoveryState;
  /** withRecovery's snapshots and cycle position (absent in files written before they were saved: the wrapper then takes a new first snapshot). */
  recoveryRuntime?: { snapshots: EncodedSnapshot[]; sinceSnapshot: number; justRestored: number | null; tracked: string[]; learningRate: number | null };
}

function stackOf(fn: string, opt: unknown): { core: TransformingOptimizer; recovery: RecoveringOptimizer | null } {
  if (typeof opt !== 'object' || opt === null) {
    throw new GradclipArgumentError(`${fn}: optimizer must be a gradclip optimizer (withTransforms, withClipping or withRecovery), got ${describeValue(opt)}`);
  }
  if (opt instanceof RecoveringOptimizer) return { core: opt.core, recovery: opt };
  if (opt instanceof TransformingOptimizer) return { core: opt, recovery: null };
  throw new GradclipArgumentError(
    `${fn}: optimizer must be a gradclip optimizer (withTransforms, withClipping or withRecovery), got ${opt instanceof tf.Optimizer ? (opt as Optimizer).getClassName() : describeValue(opt)}; wrap a plain optimizer with withTransforms(opt, transforms.monitor()) to save its state`,
  );
}

/**
 * The whole training state of a gradclip optimizer, as JSON plus tensors,
 * so that training continues bit-identically after
 * {@link loadOptimizerState} into a fresh optimizer of the same configuration
 * (around a model with the same weights):
 *
 * - the inner TF.js optimizer's slot variables and iteration count, read
 *   directly (not through `getWeights`, whose `setWeights` recomputes Adam's
 *   `accBeta = β^(t+1)` with `pow` and so is not bit-exact);
 * - the transform state (AutoClip's history, ZClip's moments, the open
 *   window of `transforms.accumulate`, with its sums as tensors);
 * - the step counters (`steps`, `skippedSteps`, `accumulatedSteps`);
 * - for `withRecovery`: its counters and spike statistics, its kept
 *   snapshots (weights, slots and transform state of each: `keep` × the
 *   weights and slots more tensors), where it is in its snapshot cycle, and
 *   the learning rate its `lrFactor` has reached, so the restored wrapper
 *   rolls back exactly as the saved one would have.
 *
 * Browser-safe; no host read (the tensors are device copies). For `model.fit`
 * users: `model.save` keeps the weights and the optimizer's configuration,
 * this keeps the rest. `gradclip/node` writes it to a folder (`saveOptimizer`).
 *
 * @example
 * ```ts
 * const opt = withTransforms(tf.train.adam(1e-3), transforms.clipByGlobalNorm(1));
 * model.compile({optimizer: opt, loss: 'meanSquaredError'});
 * await model.fit(xs, ys, {epochs: 1, verbose: 0});
 * const saved = saveOptimizerState(opt);            // {json, tensors}: keep them beside the weights
 * const fresh = withTransforms(tf.train.adam(1e-3), transforms.clipByGlobalNorm(1));
 * loadOptimizerState(fresh, saved);                 // continues where opt stopped
 * tf.dispose(saved.tensors.map((t) => t.tensor));
 * ```
 * @param optimizer - made by `withTransforms`, `withClipping` or `withRecovery`
 */
export function saveOptimizerState(optimizer: TransformingOptimizer | RecoveringOptimizer): SavedOptimizerState {
  const { core, recovery } = stackOf('saveOptimizerState', optimizer);
  const snap = snapshotOptimizer(core);
  const tensors: NamedTensor[] = [];
  const names = new Map<Tensor, string>();
  const ref = (t: Tensor): string => {
    let n = names.get(t);
    if (n === undefined) {
      n = `t${tensors.length}`;
      names.set(t, n);
      tensors.push({ name: n, tensor: t });
    }
    return n;
  };
  const encode = (opt: Optimizer, s: OptimizerSnapshot): EncodedSlots => {
    const out: EncodedSlots = {
      className: opt.getClassName(),
      iterations: s.iterations,
      fields: Object.fromEntries([...s.fields].map(([k, t]) => [k, ref(t)])),
      lists: Object.fromEntries([...s.lists].map(([k, l]) => [k, l.map((e) => (e === null ? null : { originalName: e.originalName, tensor: ref(e.value) }))])),
    };
    if (s.wrapper !== undefined && opt instanceof TransformingOptimizer) {
      out.wrapper = {
        state: s.wrapper.state,
        inner: encode(opt.inner, s.wrapper.inner),
        counts: { steps: opt.steps, skippedSteps: opt.skippedSteps, accumulatedSteps: opt.accumulatedSteps },
      };
    }
    return out;
  };
  const file: EncodedFile = { format: FORMAT, version: 1, optimizer: encode(core, snap) };
  if (recovery !== null) {
    file.recovery = recovery.getRecoveryState();
    const rt = recovery.exportRuntime();
    file.recoveryRuntime = {
      snapshots: rt.snapshots.map((sn) => ({
        step: sn.step,
        variables: Object.fromEntries([...sn.variables].map(([k, t]) => [k, ref(tf.keep(tf.clone(t)))])),
        optimizer: encode(core, copySnapshot(sn.optimizer)),
        lossHistory: [...sn.lossHistory],
        gradHistory: [...sn.gradHistory],
      })),
      sinceSnapshot: rt.sinceSnapshot,
      justRestored: rt.justRestored,
      tracked: rt.tracked,
      learningRate: rt.learningRate,
    };
  }
  const json = JSON.stringify(file, (_key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
    if (value instanceof tf.Tensor) return { $tensor: ref(value) };
    return value;
  });
  return { json, tensors };
}

function bad(why: string): never {
  throw new GradclipArgumentError(`loadOptimizerState: saved is not a state written by saveOptimizerState (${why}); pass the {json, tensors} pair it returned`);
}

/**
 * Restores a state saved with {@link saveOptimizerState} into `optimizer`
 * (a fresh one of the same configuration, or the one it was saved from):
 * the inner optimizer's slots and iteration count, the transform state, the
 * step counters and, for `withRecovery`, its counters. The tensors of
 * `saved` are copied, not taken: dispose them afterwards.
 *
 * @param optimizer - a gradclip optimizer built like the saved one
 * @param saved - what `saveOptimizerState` returned (or its JSON with the tensors rebuilt, as `gradclip/node`'s `loadOptimizer` does)
 * @param options - `variableNames` when the model's variables are named differently from the saved one's
 * @throws GradclipArgumentError when `saved` is malformed or was saved from a differently built optimizer
 */
export function loadOptimizerState(
  optimizer: TransformingOptimizer | RecoveringOptimizer,
  saved: SavedOptimizerState,
  options: LoadOptimizerStateOptions = {},
): void {
  const fn = 'loadOptimizerState';
  const { core, recovery } = stackOf(fn, optimizer);
  const opts = checkOptions<LoadOptimizerStateOptions>(fn, options, { variableNames: 'object' });
  const renames = new Map<string, string>();
  for (const [k, v] of Object.entries(opts.variableNames ?? {})) {
    if (typeof v !== 'string') throw new GradclipArgumentError(`${fn}: options.variableNames["${k}"] must be a variable name (a string), got ${describeValue(v)}`);
    renames.set(k, v);
  }
  if (typeof saved !== 'object' || saved === null || typeof saved.json !== 'string' || !Array.isArray(saved.tensors)) {
    throw new GradclipArgumentError(`${fn}: saved must be the {json, tensors} pair returned by saveOptimizerState, got ${describeValue(saved)}`);
  }
  const byName = new Map<string, Tensor>();
  for (const e of saved.tensors) {
    if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || !(e.tensor instanceof tf.Tensor) || e.tensor.isDisposed) bad('tensors must be live {name, tensor} entries');
    byName.set(e.name, e.tensor);
  }
  const made: Tensor[] = [];
  /** Tensors handed over to the restored wrapper (recovery snapshots): not freed at the end. */
  const owned = new Set<Tensor>();
  const tensorRef = (name: unknown): Tensor => {
    const t = typeof name === 'string' ? byName.get(name) : undefined;
    if (t === undefined) bad(`no tensor named ${describeValue(name)}`);
    const c = tf.keep(tf.clone(t));
    made.push(c);
    return c;
  };
  let file: EncodedFile;
  try {
    file = JSON.parse(saved.json, (_key, value: unknown) => {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const r = value as Record<string, unknown>;
        const keys = Object.keys(r);
        if (keys.length === 1 && keys[0] === '$number' && typeof r.$number === 'string') return Number(r.$number);
        if (keys.length === 1 && keys[0] === '$tensor') return tensorRef(r.$tensor);
      }
      return value;
    }) as EncodedFile;
  } catch (e) {
    for (const t of made) t.dispose();
    if (e instanceof GradclipArgumentError) throw e;
    bad('json does not parse');
  }
  try {
    if (typeof file !== 'object' || file === null || file.format !== FORMAT || file.version !== 1) bad(`format must be "${FORMAT}" version 1`);
    const decode = (opt: Optimizer, e: EncodedSlots, path: string): { snap: OptimizerSnapshot; counts: Array<[TransformingOptimizer, NonNullable<EncodedSlots['wrapper']>['counts']]> } => {
      if (typeof e !== 'object' || e === null || typeof e.className !== 'string') bad(`${path} is missing`);
      if (e.className !== opt.getClassName()) {
        throw new GradclipArgumentError(
          `${fn}: the state was saved from ${e.className} at ${path} but the optimizer has ${opt.getClassName()} there; build the optimizer as the saved one was built`,
        );
      }
      const counts: Array<[TransformingOptimizer, NonNullable<EncodedSlots['wrapper']>['counts']]> = [];
      if (opt instanceof TransformingOptimizer) {
        if (e.wrapper === undefined) bad(`${path}.wrapper is missing`);
        const inner = decode(opt.inner, e.wrapper.inner, `${path}.inner`);
        counts.push([opt, e.wrapper.counts], ...inner.counts);
        const state = renames.size === 0 ? e.wrapper.state : renameKeys(e.wrapper.state, renames);
        return { snap: { iterations: 0, fields: new Map(), lists: new Map(), wrapper: { state, inner: inner.snap } }, counts };
      }
      const fields = new Map<string, Tensor>();
      for (const [k, v] of Object.entries(e.fields ?? {}) as Array<[string, unknown]>) fields.set(k, tensorRef(v));
      const lists = new Map<string, Array<{ originalName: string; value: Tensor } | null>>();
      for (const [k, l] of Object.entries(e.lists ?? {})) {
        if (!Array.isArray(l)) bad(`${path}.lists.${k} is not an array`);
        lists.set(
          k,
          l.map((x) => {
            if (x === null) return null;
            if (typeof x !== 'object' || typeof x.originalName !== 'string') bad(`${path}.lists.${k} holds a malformed slot`);
            return { originalName: x.originalName, value: tensorRef(x.tensor) };
          }),
        );
      }
      if (typeof e.iterations !== 'number' || !Number.isInteger(e.iterations) || e.iterations < 0) bad(`${path}.iterations must be an integer >= 0`);
      return { snap: { iterations: e.iterations, fields, lists }, counts };
    };
    const { snap, counts } = decode(core, file.optimizer, 'optimizer');
    if (recovery !== null && file.recovery === undefined) bad('it was saved without withRecovery, and the optimizer has it');
    for (const [o, c] of counts) o.setStepCounts(c);
    restoreOptimizer(core, snap);
    let runtime: RecoveryRuntime | null = null;
    if (recovery !== null && file.recoveryRuntime !== undefined) {
      const r = file.recoveryRuntime as Partial<NonNullable<EncodedFile['recoveryRuntime']>>;
      const count = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
      const numbers = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));
      if (typeof r !== 'object' || r === null || !Array.isArray(r.snapshots) || !count(r.sinceSnapshot) || !Array.isArray(r.tracked) || !r.tracked.every((n) => typeof n === 'string')) {
        bad('recoveryRuntime is malformed');
      }
      if (r.justRestored !== null && !(count(r.justRestored) && r.justRestored < r.snapshots.length)) bad('recoveryRuntime.justRestored is not a snapshot index');
      if (r.learningRate !== null && !(typeof r.learningRate === 'number' && r.learningRate > 0)) bad('recoveryRuntime.learningRate must be a positive number or null');
      const snapshots: Snapshot[] = r.snapshots.map((e, i) => {
        const path = `recoveryRuntime.snapshots[${i}]`;
        if (typeof e !== 'object' || e === null || !count(e.step) || typeof e.variables !== 'object' || e.variables === null || !numbers(e.lossHistory) || !numbers(e.gradHistory)) bad(`${path} is malformed`);
        const variables = new Map<string, Tensor>();
        for (const [k, v] of Object.entries(e.variables)) variables.set(renames.get(k) ?? k, tensorRef(v));
        return { step: e.step, variables, optimizer: decode(core, e.optimizer, `${path}.optimizer`).snap, lossHistory: [...e.lossHistory], gradHistory: [...e.gradHistory] };
      });
      runtime = {
        snapshots,
        sinceSnapshot: r.sinceSnapshot as number,
        justRestored: r.justRestored ?? null,
        tracked: (r.tracked as string[]).map((n) => renames.get(n) ?? n),
        learningRate: r.learningRate ?? null,
      };
    }
    if (recovery !== null && file.recovery !== undefined) recovery.setRecoveryState(file.recovery);
    if (runtime !== null && recovery !== null) {
      for (const sn of runtime.snapshots) for (const t of [...sn.variables.values(), ...snapshotTensors(sn.optimizer)]) owned.add(t);
      recovery.importRuntime(runtime);
    }
    disposeSnapshot(snap);
  } finally {
    for (const t of made) if (!t.isDisposed && !owned.has(t)) t.dispose();
  }
}

/** A copy of a decoded (plain JSON + tensors) state with the keys of its records renamed. */
function renameKeys(x: unknown, renames: ReadonlyMap<string, string>): unknown {
  if (typeof x !== 'object' || x === null || x instanceof tf.Tensor) return x;
  if (Array.isArray(x)) return x.map((v) => renameKeys(v, renames));
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [renames.get(k) ?? k, renameKeys(v, renames)]));
}

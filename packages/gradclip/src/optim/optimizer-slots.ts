/**
 * Reading and writing an optimizer's whole state directly, without
 * `getWeights`/`setWeights` (which are asynchronous, and for Adam-family
 * optimizers recompute `accBeta = beta^(t+1)` with `pow` instead of keeping
 * the running product, so a round trip through them is not bit-exact):
 *
 * - the slot variables of a TF.js optimizer: every own field that is a
 *   `tf.Variable` (`accBeta1`, Adamax's `iteration`, ...) and every own array
 *   of `{originalName, variable}` slots (Adam's moments, RMSProp's
 *   accumulators, ...), plus the iteration count;
 * - for a {@link TransformingOptimizer}: the transform's state (its tensors,
 *   `transforms.accumulate`'s open window, copied) and the wrapped
 *   optimizer's slots, recursively.
 *
 * Copies are `tf.clone` + `tf.keep`: TF.js buffers are immutable (a step
 * assigns new buffers to the variables), so a clone shares the buffer until
 * the variable moves on, and then keeps the old one alive: one copy costs the
 * tensor's bytes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Tensor, Variable } from '@tensorflow/tfjs-core';
import { TransformingOptimizer } from './transforming-optimizer.js';

/** One `{originalName, variable}` slot of a TF.js optimizer (private in TF.js's types). */
interface OptimizerSlot {
  originalName: string;
  variable: Variable;
}

/** A kept copy of one optimizer's state (see the module comment). */
export interface OptimizerSnapshot {
  /** `iterations_` of a TF.js optimizer (0 for a wrapper). */
  readonly iterations: number;
  /** Own `tf.Variable` fields, by field name. */
  readonly fields: ReadonlyMap<string, Tensor>;
  /** Own slot lists, by field name; a missing slot is null. */
  readonly lists: ReadonlyMap<string, ReadonlyArray<{ originalName: string; value: Tensor } | null>>;
  /** For a {@link TransformingOptimizer}: its transform state (tensors copied) and the inner optimizer's snapshot. */
  readonly wrapper?: { readonly state: unknown; readonly inner: OptimizerSnapshot };
}

function isVariable(x: unknown): x is Variable {
  return x instanceof tf.Variable;
}

function isSlot(x: unknown): x is OptimizerSlot {
  return typeof x === 'object' && x !== null && typeof (x as OptimizerSlot).originalName === 'string' && isVariable((x as OptimizerSlot).variable);
}

/** Is `v` a slot list: an array whose entries are all slots or empty (an empty array too: slots are created lazily)? */
function isSlotList(v: unknown): v is Array<OptimizerSlot | undefined> {
  return Array.isArray(v) && (v as unknown[]).every((e) => e == null || isSlot(e));
}

/** Own slot-list fields of `o` (Adam's moments, RMSProp's accumulators, ...). */
function slotLists(o: object): Array<[string, Array<OptimizerSlot | undefined>]> {
  const out: Array<[string, Array<OptimizerSlot | undefined>]> = [];
  for (const [k, v] of Object.entries(o)) if (isSlotList(v)) out.push([k, v]);
  return out;
}

const keepClone = (t: Tensor): Tensor => tf.keep(tf.clone(t));

/** Is `x` a tensor (structural check, as the transforms' states are walked)? */
export function isTensorValue(x: unknown): x is Tensor {
  const t = x as Partial<Tensor> | null;
  return typeof t === 'object' && t !== null && typeof t.dataId === 'object' && Array.isArray(t.shape) && typeof t.dispose === 'function';
}

/**
 * A copy of a transform state with every tensor in its plain records and
 * arrays replaced by `copyTensor(t)`; other objects (immutable states such as
 * AutoClip's) are shared. A state's non-enumerable `toJSON` is not carried
 * (the transforms accept their states' plain form back).
 */
export function mapStateTensors(state: unknown, copyTensor: (t: Tensor) => Tensor): unknown {
  if (typeof state !== 'object' || state === null) return state;
  if (isTensorValue(state)) return copyTensor(state);
  if (Array.isArray(state)) return state.map((x) => mapStateTensors(x, copyTensor));
  const proto = Object.getPrototypeOf(state) as unknown;
  if (proto !== Object.prototype && proto !== null) return state;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) out[k] = mapStateTensors(v, copyTensor);
  return out;
}

/** Disposes the tensors a state copy made by {@link mapStateTensors} holds. */
export function disposeStateTensors(state: unknown): void {
  mapStateTensors(state, (t) => {
    if (!t.isDisposed) t.dispose();
    return t;
  });
}

/** A kept copy of `opt`'s whole state (see the module comment). */
export function snapshotOptimizer(opt: Optimizer): OptimizerSnapshot {
  if (opt instanceof TransformingOptimizer) {
    return {
      iterations: 0,
      fields: new Map(),
      lists: new Map(),
      wrapper: { state: mapStateTensors(opt.getTransformState(), keepClone), inner: snapshotOptimizer(opt.inner) },
    };
  }
  const fields = new Map<string, Tensor>();
  for (const [k, v] of Object.entries(opt)) if (isVariable(v)) fields.set(k, keepClone(v));
  const lists = new Map<string, Array<{ originalName: string; value: Tensor } | null>>();
  for (const [k, arr] of slotLists(opt)) {
    lists.set(
      k,
      Array.from(arr, (s) => (s == null ? null : { originalName: s.originalName, value: keepClone(s.variable) })),
    );
  }
  return { iterations: iterationsOf(opt), fields, lists };
}

/** The iteration count of a TF.js optimizer (`iterations_`, protected in TF.js's types). */
function iterationsOf(opt: Optimizer): number {
  const it = (opt as unknown as { iterations_?: unknown }).iterations_;
  return typeof it === 'number' ? it : 0;
}

/**
 * Puts `snap` back into `opt` (the optimizer it was taken from, or a fresh
 * one of the same class and configuration): variable fields are assigned,
 * slots created after the snapshot are disposed, missing ones created, the
 * iteration count and the transform state restored. `snap` stays valid: the
 * variables share its (immutable, reference-counted) buffers, and the
 * transform state gets clones of its own.
 */
export function restoreOptimizer(opt: Optimizer, snap: OptimizerSnapshot): void {
  if (opt instanceof TransformingOptimizer) {
    if (snap.wrapper === undefined) throw new Error('restoreOptimizer: the snapshot is not of a gradclip optimizer');
    restoreOptimizer(opt.inner, snap.wrapper.inner);
    opt.setTransformState(mapStateTensors(snap.wrapper.state, keepClone));
    return;
  }
  const rec = opt as unknown as Record<string, unknown>;
  for (const [k, value] of snap.fields) {
    const v = rec[k];
    if (isVariable(v)) v.assign(value); // shares the snapshot's immutable buffer (refcounted)
  }
  for (const [k, entries] of snap.lists) {
    const arr = rec[k];
    if (!isSlotList(arr)) continue; // not a slot list any more (an empty array field that was never one)
    for (let i = entries.length; i < arr.length; i++) arr[i]?.variable.dispose();
    arr.length = Math.min(arr.length, entries.length);
    entries.forEach((e, i) => {
      const cur = (arr as Array<OptimizerSlot | undefined>)[i];
      if (e === null) {
        cur?.variable.dispose();
        (arr as Array<OptimizerSlot | undefined>)[i] = undefined;
      } else if (cur !== undefined && cur !== null && sameShape(cur.variable.shape, e.value.shape)) {
        cur.variable.assign(e.value);
        cur.originalName = e.originalName;
      } else {
        cur?.variable.dispose();
        (arr as Array<OptimizerSlot | undefined>)[i] = { originalName: e.originalName, variable: tf.variable(e.value, false) };
      }
    });
  }
  (opt as unknown as { iterations_: number }).iterations_ = snap.iterations;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A kept copy of a snapshot (every tensor cloned; the copy is the caller's to dispose). */
export function copySnapshot(snap: OptimizerSnapshot): OptimizerSnapshot {
  const lists = new Map<string, Array<{ originalName: string; value: Tensor } | null>>();
  for (const [k, l] of snap.lists) lists.set(k, l.map((e) => (e === null ? null : { originalName: e.originalName, value: keepClone(e.value) })));
  return {
    iterations: snap.iterations,
    fields: new Map([...snap.fields].map(([k, t]) => [k, keepClone(t)])),
    lists,
    ...(snap.wrapper !== undefined ? { wrapper: { state: mapStateTensors(snap.wrapper.state, keepClone), inner: copySnapshot(snap.wrapper.inner) } } : {}),
  };
}

/** Every tensor a snapshot holds (for byte counts, finiteness checks and disposal). */
export function snapshotTensors(snap: OptimizerSnapshot): Tensor[] {
  const out: Tensor[] = [...snap.fields.values()];
  for (const entries of snap.lists.values()) for (const e of entries) if (e !== null) out.push(e.value);
  if (snap.wrapper !== undefined) {
    mapStateTensors(snap.wrapper.state, (t) => {
      out.push(t);
      return t;
    });
    out.push(...snapshotTensors(snap.wrapper.inner));
  }
  return out;
}

/** Frees a snapshot's tensors. */
export function disposeSnapshot(snap: OptimizerSnapshot): void {
  for (const t of snapshotTensors(snap)) if (!t.isDisposed) t.dispose();
}

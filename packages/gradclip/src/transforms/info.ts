/**
 * Ownership of the tensors a transform returns: disposing what is not passed
 * through, and merging the measurements of several transforms into one
 * `info` record (as `chain` reports them).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor } from '@tensorflow/tfjs-core';
import type { TransformInfo } from './types.js';

/** Disposes the tensors of `produced` that are not also in `keep` (identity comparison). */
export function disposeUnlessKept(produced: NamedTensorMap, ...keep: NamedTensorMap[]): void {
  const kept = new Set<Tensor>();
  for (const m of keep) for (const t of Object.values(m)) if (t) kept.add(t);
  for (const t of Object.values(produced)) if (t && !kept.has(t) && !t.isDisposed) t.dispose();
}

/** Disposes every tensor held by an info record. */
export function disposeInfo(info: TransformInfo): void {
  const ts: (Scalar | undefined)[] = [info.preClipNorm, info.postClipNorm, info.clipCoef];
  if (typeof info.clipped === 'object') ts.push(info.clipped);
  for (const t of ts) if (t && !t.isDisposed) t.dispose();
  if (info.layerNorms) for (const t of Object.values(info.layerNorms)) if (t && !t.isDisposed) t.dispose();
}

/**
 * Merges `r` into `acc` (taking ownership of `r`'s tensors), as `chain`
 * reports its members: `preClipNorm` and `layerNorms` from the first that
 * reports them, `postClipNorm` from the last, `clipCoef` multiplied,
 * `clipped` and `skip` OR-ed.
 */
export function mergeInfo(acc: TransformInfo, r: TransformInfo): void {
  if (r.preClipNorm) {
    if (acc.preClipNorm) r.preClipNorm.dispose();
    else acc.preClipNorm = r.preClipNorm;
  }
  if (r.layerNorms) {
    if (acc.layerNorms) disposeInfo({ layerNorms: r.layerNorms });
    else acc.layerNorms = r.layerNorms;
  }
  if (r.postClipNorm) {
    acc.postClipNorm?.dispose();
    acc.postClipNorm = r.postClipNorm;
  }
  if (r.clipCoef) {
    if (acc.clipCoef) {
      const prod = tf.mul(acc.clipCoef, r.clipCoef) as Scalar;
      acc.clipCoef.dispose();
      r.clipCoef.dispose();
      acc.clipCoef = prod;
    } else acc.clipCoef = r.clipCoef;
  }
  if (r.clipped !== undefined) {
    if (acc.clipped === undefined) acc.clipped = r.clipped;
    else if (typeof acc.clipped === 'boolean' && typeof r.clipped === 'boolean') acc.clipped = acc.clipped || r.clipped;
    else {
      const a = typeof acc.clipped === 'boolean' ? tf.scalar(acc.clipped ? 1 : 0) : acc.clipped;
      const b = typeof r.clipped === 'boolean' ? tf.scalar(r.clipped ? 1 : 0) : r.clipped;
      acc.clipped = tf.maximum(a, b) as Scalar;
      a.dispose();
      b.dispose();
    }
  }
  if (r.skip === true) acc.skip = true;
  if (r.accumulating === true) acc.accumulating = true;
}

function isTensor(x: object): x is Tensor {
  const t = x as Partial<Tensor>;
  return typeof t.dataId === 'object' && Array.isArray(t.shape) && typeof t.dispose === 'function';
}

function collectTensors(x: unknown, out: Set<Tensor>): void {
  if (typeof x !== 'object' || x === null) return;
  if (isTensor(x)) {
    out.add(x);
    return;
  }
  if (Array.isArray(x)) {
    for (const v of x) if (typeof v === 'object' && v !== null) collectTensors(v, out);
    return;
  }
  const proto = Object.getPrototypeOf(x) as unknown;
  if (proto !== Object.prototype && proto !== null) return; // only plain records hold state
  for (const v of Object.values(x)) if (typeof v === 'object' && v !== null) collectTensors(v, out);
}

/**
 * The tensors a transform state holds anywhere in its plain records and
 * arrays (only `accumulate`'s running sum, among the built-in transforms).
 */
export function stateTensors(state: unknown): Set<Tensor> {
  const out = new Set<Tensor>();
  collectTensors(state, out);
  return out;
}

/**
 * Disposes the tensors held by the state `dropped` that the state `kept`
 * does not hold (identity comparison): what the owner of a transform's state
 * does when it replaces one state by another (the next step's, a restored
 * one, a chain member's state reverted on a skip).
 */
export function disposeDroppedState(dropped: unknown, kept: unknown): void {
  if (dropped === kept) return;
  const gone = stateTensors(dropped);
  if (gone.size === 0) return;
  const stay = stateTensors(kept);
  for (const t of gone) if (!stay.has(t) && !t.isDisposed) t.dispose();
}


import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar } from '@tensorflow/tfjs-core';
import { disposeInfo, disposeUnlessKept } from './dispose.js';
import { registerTransform, transformFromSpec } from './registry.js';
import type { GradientTransformation, TransformInfo, TransformResult, TransformSpec } from './types.js';

/** State of {@link chain}: the member states, in order. */
export type ChainState = readonly unknown[];

/**
 * Applies transforms in sequence (Optax `chain`): the updates returned by one
 * are the input of the next; the state is the tuple of member states.
 *
 * Reported measurements are merged: `preClipNorm` and `layerNorms` from the
 * first member that reports them (put `monitor()` first to see raw
 * gradients), `postClipNorm` from the last, `clipCoef` multiplied,
 * `clipped` and `skip` OR-ed.
 *
 * When a member asks to skip the step, later members do not run and every
 * member state except the skipping member's own reverts to its value before
 * the step, so a skipped step leaves no trace beyond the guard's counters.
 *
 * @example
 * ```ts
 * const t = transforms.chain(transforms.monitor(), transforms.skipNonFinite(), transforms.clipByGlobalNorm(1));
 * const opt = withTransforms(tf.train.adam(1e-3), t);
 * ```
 */
export function chain(...members: GradientTransformation[]): GradientTransformation<ChainState> {
  members.forEach((m, i) => {
    if (!m || typeof m.update !== 'function' || typeof m.init !== 'function') {
      throw new Error(`chain: argument ${i} is not a GradientTransformation ({name, init, update}); pass transforms such as transforms.clipByGlobalNorm(1)`);
    }
  });
  const specs = members.map((m) => m.spec);
  const spec: TransformSpec | undefined = specs.every((s) => s !== undefined)
    ? { type: 'chain', args: specs as TransformSpec[] }
    : undefined;
  return {
    name: `chain(${members.map((m) => m.name).join(', ')})`,
    spec,
    init(params: NamedTensorMap): ChainState {
      return members.map((m) => m.init(params));
    },
    update(updates: NamedTensorMap, state: ChainState, params?: NamedTensorMap): TransformResult<ChainState> {
      if (!Array.isArray(state) || state.length !== members.length) {
        throw new Error(`chain: state must be an array of ${members.length} member states (from init), got ${Array.isArray(state) ? state.length : typeof state}`);
      }
      let current = updates;
      const next: unknown[] = [...state];
      const info: TransformInfo = {};
      for (let i = 0; i < members.length; i++) {
        const r = members[i].update(current, state[i], params);
        next[i] = r.state;
        if (current !== updates) disposeUnlessKept(current, updates, r.updates);
        current = r.updates;
        mergeInfo(info, r.info);
        if (r.info.skip === true) {
          for (let j = 0; j < members.length; j++) if (j !== i) next[j] = state[j];
          break;
        }
      }
      return { updates: current, state: next, info };
    },
  };
}

function mergeInfo(acc: TransformInfo, r: TransformInfo): void {
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
}

registerTransform('chain', (...specs: TransformSpec[]) => chain(...specs.map(transformFromSpec)));

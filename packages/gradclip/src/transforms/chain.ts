import type { NamedTensorMap } from '@tensorflow/tfjs-core';
import { disposeInfo, disposeUnlessKept, mergeInfo } from './info.js';
import { registerTransform, transformFromSpec } from './registry.js';
import type { FusableGlobalClip, GradientTransformation, TransformInfo, TransformResult, TransformSpec } from './types.js';
import { GradclipArgumentError } from '../core/errors.js';

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
 * A chain whose members are measuring transforms (`monitor()`) followed by one
 * fusable global-norm clip (`clipByGlobalNorm`) is itself a fusable clip
 * (`fusableClip` forwarded, with the measuring members as its `measure`), so
 * `withTransforms` takes the same fused path as for the bare clip. A chain
 * with a measuring member after the clip, or any other member, is not.
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
      throw new GradclipArgumentError(`chain: argument ${i} is not a GradientTransformation ({name, init, update}); pass transforms such as transforms.clipByGlobalNorm(1)`);
    }
  });
  const specs = members.map((m) => m.spec);
  const spec: TransformSpec | undefined = specs.every((s) => s !== undefined)
    ? { type: 'chain', args: specs as TransformSpec[] }
    : undefined;
  return {
    name: `chain(${members.map((m) => m.name).join(', ')})`,
    spec,
    fusableClip: forwardedClip(members),
    init(params: NamedTensorMap): ChainState {
      return members.map((m) => m.init(params));
    },
    update(updates: NamedTensorMap, state: ChainState, params?: NamedTensorMap): TransformResult<ChainState> {
      if (!Array.isArray(state) || state.length !== members.length) {
        throw new GradclipArgumentError(`chain: state must be an array of ${members.length} member states (from init), got ${Array.isArray(state) ? state.length : typeof state}`);
      }
      let current = updates;
      const next: unknown[] = [...state];
      const info: TransformInfo = {};
      try {
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
      } catch (e) {
        // a member threw: free what the members before it produced
        if (current !== updates) disposeUnlessKept(current, updates);
        disposeInfo(info);
        throw e;
      }
      return { updates: current, state: next, info };
    },
  };
}

/**
 * The chain's `fusableClip`: defined when the last member is a fusable clip
 * and every member before it only measures.
 */
function forwardedClip(members: readonly GradientTransformation[]): FusableGlobalClip | undefined {
  const last = members[members.length - 1];
  const clip = last?.fusableClip;
  if (clip === undefined) return undefined;
  const before = members.slice(0, -1);
  if (!before.every((m) => m.measuresOnly === true)) return undefined;
  if (before.length === 0) return clip;
  const inner = clip.measure;
  return {
    maxNorm: clip.maxNorm,
    rule: clip.rule,
    fused: clip.fused,
    measure(updates: NamedTensorMap, params?: NamedTensorMap): TransformInfo {
      const info: TransformInfo = {};
      // measuring members return their inputs and state unchanged; their state is never read
      for (const m of before) mergeInfo(info, m.update(updates, m.init(params ?? {}), params).info);
      if (inner) mergeInfo(info, inner(updates, params));
      return info;
    },
  };
}

registerTransform('chain', (...specs: TransformSpec[]) => chain(...specs.map(transformFromSpec)));

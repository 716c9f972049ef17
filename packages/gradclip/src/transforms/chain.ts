import type { NamedTensorMap } from '@tensorflow/tfjs-core';
import { disposeDroppedState, disposeInfo, disposeUnlessKept, mergeInfo } from './info.js';
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
 * Two exceptions, for gradient accumulation (`accumulate(k)`): an
 * accumulator's own micro-steps (`info.accumulating`) revert nothing (the
 * members before it really saw a micro-batch), and an accumulator before the
 * skipping member keeps its new state: the window it emitted is dropped with
 * the step (Optax's `MultiSteps` also resets its sum whatever the inner
 * optimizer does), so one bad accumulated update cannot poison the next.
 *
 * Order check: a clip before an accumulator clips each micro-batch, not the
 * accumulated update, which is almost never what is meant, so `chain` warns
 * once (`console.warn`, with the fix) when a member recognised as a clip
 * comes before a member with `accumulateSteps`. Clips are recognised by
 * `fusableClip`, by the spec types of the built-in clips, or by a name
 * containing "clip" (case-insensitive; also inside a nested chain's name).
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
  const accumulateSteps = members.find((m) => m.accumulateSteps !== undefined)?.accumulateSteps;
  warnIfClipBeforeAccumulate(members);
  return {
    name: `chain(${members.map((m) => m.name).join(', ')})`,
    spec,
    fusableClip: forwardedClip(members),
    ...(accumulateSteps === undefined ? {} : { accumulateSteps }),
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
      let ran = 0;
      try {
        for (let i = 0; i < members.length; i++) {
          const r = members[i].update(current, state[i], params);
          next[i] = r.state;
          ran = i + 1;
          if (current !== updates) disposeUnlessKept(current, updates, r.updates);
          current = r.updates;
          mergeInfo(info, r.info);
          if (r.info.skip === true) {
            // an accumulator's micro-step is no rejection: keep every state
            if (r.info.accumulating !== true) {
              for (let j = 0; j < i; j++) {
                if (members[j].accumulateSteps !== undefined) continue; // its window is dropped with the step
                disposeDroppedState(next[j], state[j]);
                next[j] = state[j];
              }
            }
            break;
          }
        }
      } catch (e) {
        // a member threw: free what the members before it produced (updates, info, new states)
        if (current !== updates) disposeUnlessKept(current, updates);
        disposeInfo(info);
        for (let j = 0; j < ran; j++) disposeDroppedState(next[j], state[j]);
        throw e;
      }
      return { updates: current, state: next, info };
    },
  };
}

/** Spec types of the built-in clips (the adaptive ones included). */
const CLIP_SPEC_TYPES: ReadonlySet<string> = new Set([
  'clipByGlobalNorm',
  'clipByValue',
  'clipByNorm',
  'autoClip',
  'adaptiveGradClip',
  'zClip',
  'adaGC',
]);

function specClips(spec: TransformSpec | undefined): boolean {
  if (spec === undefined) return false;
  if (CLIP_SPEC_TYPES.has(spec.type)) return true;
  return spec.type === 'chain' && spec.args.some((a) => typeof a === 'object' && a !== null && specClips(a as TransformSpec));
}

/** Whether `m` is recognised as a clip (see {@link chain}'s order check). */
function isClip(m: GradientTransformation): boolean {
  return m.fusableClip !== undefined || specClips(m.spec) || /clip|adagc/i.test(m.name);
}

let warnedClipBeforeAccumulate = false;

/** `clipByGlobalNorm(1)` → `transforms.clipByGlobalNorm(1)`, for the warning's fix. */
function qualified(name: string): string {
  return /^[a-z]\w*\(/.test(name) ? `transforms.${name}` : name;
}

/**
 * The first member recognised as a clip that comes before the first
 * accumulating member (see {@link chain}'s order check), with that
 * accumulator; undefined when the order is right.
 * @internal
 */
export function clipBeforeAccumulator(
  members: readonly GradientTransformation[],
): { clip: GradientTransformation; accumulator: GradientTransformation } | undefined {
  const a = members.findIndex((m) => m.accumulateSteps !== undefined);
  if (a <= 0) return undefined;
  const clip = members.slice(0, a).find(isClip);
  return clip === undefined ? undefined : { clip, accumulator: members[a] };
}

/** Warns once per process when a clip comes before an accumulator in `members`. */
function warnIfClipBeforeAccumulate(members: readonly GradientTransformation[]): void {
  if (warnedClipBeforeAccumulate) return;
  const found = clipBeforeAccumulator(members);
  if (found === undefined) return;
  const { clip, accumulator } = found;
  warnedClipBeforeAccumulate = true;
  console.warn(
    `gradclip: transforms.chain(...): ${clip.name} runs before ${accumulator.name}, so it clips every micro-batch and the ` +
      `accumulated update is not clipped; put the accumulator first: transforms.chain(${qualified(accumulator.name)}, ${qualified(clip.name)}). ` +
      '(If you mean to clip each micro-batch, as DP-SGD clips per example, ignore this warning; it is shown once.)',
  );
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

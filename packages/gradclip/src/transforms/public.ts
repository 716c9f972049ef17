/**
 * The `transforms` namespace of the public entry (`import {transforms} from
 * 'gradclip'`), by name: Optax-style gradient transformations, each a
 * factory returning pure `{init, update}` with JSON-serialisable state.
 * Internal helpers stay in `./index.ts` (for gradclip's own code and tests).
 *
 * @packageDocumentation
 */

// Composition and the anchors' clips (Optax `chain`, `clip_by_global_norm`, `clip`; per variable, `tf.clip_by_norm`).
export { chain, type ChainState } from './chain.js';
export {
  clipByGlobalNorm,
  clipByValue,
  clipByNorm,
  type ClipByGlobalNormOptions,
  type GlobalNormRule,
  type EmptyState,
} from './clip.js';

// Adaptive clipping: AutoClip (arXiv 2007.14469), AGC (arXiv 2102.06171), ZClip (arXiv 2504.02507).
export { autoClip, type AutoClipOptions, type AutoClipState, type AdaptiveClipInfo, type AdaptiveClipTransformation } from './adaptive/auto-clip.js';
export { adaptiveGradClip, type AdaptiveGradClipOptions, type AdaptiveGradClipState, type NameMatcher } from './adaptive/agc.js';
export { zClip, type ZClipOptions, type ZClipState } from './adaptive/zclip.js';
// AdaGC (arXiv 2502.11034): per-tensor clipping against an EMA of each tensor's clipped norm.
export { adaGC, type AdaGCOptions, type AdaGCState, type AdaGCInfo, type AdaGCTransformation } from './adaptive/adagc.js';

// Guards: skip non-finite or spiking steps (weights and optimizer state untouched).
export { skipNonFinite, type SkipNonFiniteOptions, type SkipNonFiniteState } from './guards/skip-non-finite.js';
export { skipSpikes, type SkipSpikesOptions, type SkipSpikesState } from './guards/skip-spikes.js';

// Measurement.
export { monitor, type MonitorOptions, type MonitorState } from './monitor.js';

// Gradient accumulation (Optax MultiSteps): first in a chain, so the clip sees the accumulated gradient.
export { accumulate, type AccumulateOptions, type AccumulateState, type AccumulateStateJson, type AccumulatedTensorJson } from './accumulate.js';

// Serialisation of transforms (model.save / tf.loadLayersModel with a wrapped optimizer).
export { registerTransform, transformFromSpec, type TransformFactory } from './registry.js';
export type { GradientTransformation, TransformInfo, TransformResult, TransformSpec } from './types.js';

// Deprecated: internal helpers that were reachable as transforms.* in 0.1; removed from the entry in the next release.
export {
  /** @deprecated An internal helper of the global-norm clips; will leave the public entry in the next release. */
  globalClipCoef,
} from './clip.js';
export {
  /** @deprecated An internal helper of `transforms.adaptiveGradClip`; will leave the public entry in the next release. */
  unitwiseNorm,
} from './adaptive/agc.js';
export {
  /** @deprecated An internal helper of `transforms.skipNonFinite`; will leave the public entry in the next release. */
  allFinite,
} from './guards/skip-non-finite.js';

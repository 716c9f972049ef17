/**
 * gradclip: gradient clipping, monitoring and training-stability tools for
 * TensorFlow.js. This entry point is browser-safe (no Node built-ins, no code
 * generation); file writers for run folders live in `gradclip/node`.
 *
 * Every export is listed here by name (test/library/public-api.test.ts
 * checks the list): a new export is a deliberate decision. Names marked
 * `@deprecated` were reachable in 0.1 and leave the entry in the next release.
 *
 * @packageDocumentation
 * @module gradclip
 */

// ---- Functional API: PyTorch (torch.nn.utils.clip_grad) and TensorFlow (tf.clip_by_*) semantics.
export { getTotalNorm, type TotalNormOptions } from './clip/total-norm.js';
export { partialNorm, combineNorms, type PartialNorm, type PartialNormOptions } from './clip/partial-norm.js';
export { clipGradNorm, clipGradsWithNorm, type ClipGradNormResult, type ClipGradsWithNormOptions } from './clip/clip-grad-norm.js';
export { clipGradValue } from './clip/clip-grad-value.js';
export { globalNorm, clipByGlobalNorm, type GlobalNormOptions } from './clip/global-norm.js';
export { clipByNorm } from './clip/clip-by-norm.js';
export { fusedNormAvailable, fusedScaleAvailable, type FusedOption } from './kernels/dispatch.js';
export { GradclipArgumentError } from './core/errors.js';
export { GradclipRecoveryError } from './core/errors.js';
export type { GradContainer, NamedGrad } from './clip/containers.js';

// ---- Optax-style gradient transformations.
export * as transforms from './transforms/public.js';
export type { GradientTransformation, TransformInfo, TransformResult, TransformSpec, FusableGlobalClip } from './transforms/types.js';

// ---- Optimizers: a tf.Optimizer that transforms every step's gradients; AdamW.
export { withTransforms, TransformingOptimizer, type WithTransformsOptions } from './optim/transforming-optimizer.js';
export { withClipping, type ClippingOptions } from './optim/with-clipping.js';
export type { OptimizerName } from './optim/optimizer-names.js';
export { adamw, AdamW, type AdamWOptions } from './optim/adamw.js';
export { fusedUpdateAvailable } from './optim/fused-update.js';
export { withRecovery, RecoveringOptimizer, type WithRecoveryOptions, type RecoveryState } from './optim/recovery.js';
export { saveOptimizerState, loadOptimizerState, type SavedOptimizerState, type LoadOptimizerStateOptions } from './optim/optimizer-state.js';

// ---- Per-step statistics and their JSON codec.
export { encodeStepStats, decodeStepStats, type StepStats, type EncodedStepStats, type JsonNumber } from './core/step-stats.js';
export type { RecoveryEvent, RecoveryTrigger, GradientFlow, EncodedGradientFlow } from './core/step-stats.js';

// ---- Diagnosis and thresholds.
export {
  diagnose,
  type Diagnosis,
  type DiagnoseOptions,
  type DiagnosisStatus,
  type DiagnosisFlag,
  type Finding,
  type FindingKind,
  type Cause,
  type CauseKind,
  type DiagnoseContext,
  type ModelKind,
  type ClipContextKind,
} from './monitor/diagnose/index.js';
export {
  recommendThreshold,
  type RecommendThresholdOptions,
  type RecommendedThreshold,
  type NormSpike,
  type NormPercentiles,
} from './monitor/recommend/index.js';
export {
  calibrate,
  type CalibrateOptions,
  type CalibrationResult,
  type CalibrationLoss,
  type CalibrationData,
  type CalibratableModel,
} from './monitor/calibrate.js';
export { gradientFlow, fitGrowth, spectralNorm, spectralRadius, type FlowProbe, type GradientFlowOptions } from './monitor/flow.js';
export { gradStatsCallback, GradStatsCallback, type GradStatsCallbackOptions, type StepStatsSource } from './monitor/callback.js';

// ---- Writers (browser-safe: in-memory writers and pure encoders; file writers are in gradclip/node).
export { MemoryWriter, MultiWriter, combineWriters, type StepWriter } from './monitor/writers/types.js';
export { encodeJsonlLine } from './monitor/writers/jsonl.js';
export { csvColumns, encodeCsvHeader, encodeCsvRow } from './monitor/writers/csv.js';
export { TB_TAGS, encodeTfEvent, fileVersionEvent, stepStatsToTfEvent, tfEventsFileName } from './monitor/writers/tf-events.js';
export type { TfEvent, TfSummary, TfSummaryValue } from './monitor/writers/tf-event-proto.js';

// ---- Readers (pure: pass the file contents).
export { readStepsJsonl, type StepsJsonlResult } from './monitor/readers/jsonl.js';
export { readTfEvents, tfEventsToStepStats, type TfEventsResult } from './monitor/readers/tf-events.js';

// ---- Deprecated (reachable in 0.1, internal from now on; removed from the entry in the next release).
export {
  /** @deprecated The constant `1e-6` of `clipGradNorm`'s `coef = min(1, maxNorm / (total + 1e-6))`; will leave the public entry in the next release. */
  TORCH_CLIP_EPS,
} from './core/constants.js';
export {
  /** @deprecated Use `withClipping(optimizer, options)`, or `transforms.clipByNorm` / `transforms.clipByGlobalNorm(c, {rule: 'tf'})` / `transforms.clipByValue` in a chain; will leave the public entry in the next release. */
  kerasClipTransform,
} from './optim/with-clipping.js';
export {
  /** @deprecated Internal to `withClipping`'s fused update (it runs on its own); will leave the public entry in the next release. */
  applyClippedUpdate,
  /** @deprecated Internal to `withClipping`'s fused update; use `fusedUpdateAvailable(optimizer)`; will leave the public entry in the next release. */
  fusableOptimizerKind,
  /** @deprecated Internal to `withClipping`'s fused update; will leave the public entry in the next release. */
  type FusableOptimizerKind,
} from './optim/fused-update.js';
export {
  /** @deprecated Internal to the StepStats codec; use `encodeStepStats`; will leave the public entry in the next release. */
  encodeNumber,
  /** @deprecated Internal to the StepStats codec; use `decodeStepStats`; will leave the public entry in the next release. */
  decodeNumber,
} from './core/step-stats.js';
export {
  /** @deprecated Advice text used by `diagnose` (read it from `Diagnosis.recommendations`); will leave the public entry in the next release. */
  EXPLODING_ADVICE,
  /** @deprecated Advice text used by `diagnose` (read it from `Diagnosis.recommendations`); will leave the public entry in the next release. */
  VANISHING_ADVICE,
} from './monitor/diagnose/index.js';
export {
  /** @deprecated An app helper (CLI progress, dashboard); will leave the public entry in the next release. */
  ClipRateWindow,
  /** @deprecated An app helper (CLI progress, dashboard); will leave the public entry in the next release. */
  rollingClipRate,
} from './core/run-metrics.js';
export {
  /** @deprecated Internal to the CSV encoder; use `csvColumns`; will leave the public entry in the next release. */
  CSV_BASE_COLUMNS,
  /** @deprecated Internal to the CSV encoder; use `csvColumns`; will leave the public entry in the next release. */
  CSV_LAYER_PREFIX,
  /** @deprecated Internal to the CSV encoder; will leave the public entry in the next release. */
  quoteCsvCell,
  /** @deprecated Internal CSV test helper; will leave the public entry in the next release. */
  splitCsvLine,
} from './monitor/writers/csv.js';
export {
  /** @deprecated Internal to the TensorBoard encoder (`fileVersionEvent` writes it); will leave the public entry in the next release. */
  TF_EVENTS_FILE_VERSION,
  /** @deprecated Internal to the TensorBoard encoder; use `stepStatsToTfEvent`; will leave the public entry in the next release. */
  stepStatsToSummaryValues,
} from './monitor/writers/tf-events.js';
export {
  /** @deprecated The protobuf part of `encodeTfEvent` (which adds the TFRecord frame); will leave the public entry in the next release. */
  encodeTfEventProto,
  /** @deprecated The protobuf part of `readTfEvents` (which reads the TFRecord frames); will leave the public entry in the next release. */
  decodeTfEventProto,
} from './monitor/writers/tf-event-proto.js';

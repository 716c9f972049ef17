export { parseClipSpec, parseClipList, clipTransform, CLIP_KINDS, type ClipKind, type ClipSpec, type ClipTransformOptions } from './clip-spec.js';
export { resolveRunConfig, checkActivations, flagName, DEFAULT_RUN_CONFIG, RUN_TASKS, OPTIMIZER_NAMES, type RunConfig, type OptimizerName, type ResolveRunOptions, type RunPurpose } from './config.js';
export { Experiment, createExperiment, type EvalResult, type ExperimentOptions } from './experiment.js';
export { summarizeRun, type RunSummary, type SummaryInput, type TextSource } from './summary.js';
export { RUN_LIMITS, activationEstimate, type ActivationEstimate, type ActivationInput } from './limits.js';
export { diagnoseContextOf } from './diagnose-context.js';

export { parseClipSpec, parseClipList, clipTransform, CLIP_KINDS, type ClipKind, type ClipSpec, type ClipTransformOptions } from './clip-spec.js';
export { resolveRunConfig, DEFAULT_RUN_CONFIG, RUN_TASKS, OPTIMIZER_NAMES, type RunConfig, type OptimizerName } from './config.js';
export { Experiment, createExperiment, type EvalResult } from './experiment.js';
export { summarizeRun, type RunSummary, type SummaryInput } from './summary.js';

/** Task data generators: the Pascanu et al. 2013 tasks, the cliff problem and charlm. */
export type { SequenceBatch, SequenceTask, TaskName, TaskLoss, TargetKind, TaskOptions } from './types.js';
export { TASKS, TASK_NAMES, getTask, isTaskName } from './registry.js';
export { additionTask } from './addition.js';
export { multiplicationTask } from './multiplication.js';
export { temporalOrderTask, temporalOrder3BitTask } from './temporal-order.js';
export { randomPermutationTask, PERMUTATION_SYMBOLS } from './random-permutation.js';
export { memorizationTask } from './memorization.js';
export { REGRESSION_ERROR_THRESHOLD } from './common.js';
export { sampleLength } from './length.js';
export {
  CLIFF_DEFAULTS,
  CLIFF_DESCRIPTION,
  cliffForward,
  cliffLossAndGrad,
  cliffWallBias,
  cliffSurface,
  type CliffTrace,
  type CliffLossAndGrad,
  type CliffSurface,
  type CliffSurfaceOptions,
} from './cliff.js';
export * from './charlm/index.js';

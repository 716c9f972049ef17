/**
 * Registry of the six pathological tasks of Pascanu, Mikolov & Bengio 2013
 * (arXiv 1211.5063, section 4.1), keyed by their CLI names (contract, see
 * DESIGN.md section 4).
 */
import { additionTask } from './addition.js';
import { memorizationTask } from './memorization.js';
import { multiplicationTask } from './multiplication.js';
import { randomPermutationTask } from './random-permutation.js';
import { temporalOrder3BitTask, temporalOrderTask } from './temporal-order.js';
import type { SequenceTask, TaskName, TaskOptions } from './types.js';

/** Factories of every task, by name. Options a task does not use are ignored. */
export const TASKS: Readonly<Record<TaskName, (opts?: TaskOptions) => SequenceTask>> = Object.freeze({
  addition: () => additionTask(),
  multiplication: () => multiplicationTask(),
  'temporal-order': () => temporalOrderTask(),
  '3bit-temporal-order': () => temporalOrder3BitTask(),
  'random-permutation': () => randomPermutationTask(),
  memorization: (opts?: TaskOptions) => memorizationTask(opts),
});

/** The task names, in registry order. */
export const TASK_NAMES: readonly TaskName[] = Object.freeze(Object.keys(TASKS) as TaskName[]);

/** True when `name` is one of {@link TASK_NAMES}. */
export function isTaskName(name: string): name is TaskName {
  return Object.prototype.hasOwnProperty.call(TASKS, name);
}

/**
 * Looks a task up by name and builds it.
 * Throws `unknown task "<name>"; valid tasks: addition, multiplication, ...`
 * for any other name.
 */
export function getTask(name: string, opts?: TaskOptions): SequenceTask {
  if (!isTaskName(name)) {
    throw new Error(`unknown task "${name}"; valid tasks: ${TASK_NAMES.join(', ')}`);
  }
  return TASKS[name](opts);
}

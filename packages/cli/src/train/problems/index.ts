/**
 * The problems a run can train (see {@link Problem}) and the factory that
 * picks one from the run's configuration.
 *
 * @module
 */
import type { Rng } from '../../core/random.js';
import type { RunConfig } from '../config.js';
import { CharLmProblem, type CorpusText } from './charlm.js';
import { CliffProblem } from './cliff.js';
import { SequenceProblem } from './sequence.js';
import type { Problem } from './types.js';

export { CharLmProblem, type CharLmProblemConfig, type CorpusText } from './charlm.js';
export { CliffProblem, type CliffProblemConfig } from './cliff.js';
export { SequenceProblem, type SequenceProblemConfig } from './sequence.js';
export type { BatchLoss, CliffPosition, DataSplit, Problem, ProblemEval } from './types.js';

/**
 * Builds the problem of `config.task`: the cliff (Pascanu, Mikolov & Bengio
 * 2013, section 2.3), `charlm`, or one of the paper's sequence tasks
 * (section 4.1). Model weights are drawn from `rng` (the cliff draws
 * nothing); every variable name starts with `prefix`.
 *
 * @param config a resolved run configuration (see `resolveRunConfig`).
 * @param text charlm: the text to train on instead of the generated one.
 */
export function createProblem(config: RunConfig, rng: Rng, prefix: string, text?: CorpusText): Problem {
  if (config.task === 'cliff') return new CliffProblem(config, prefix);
  if (config.task === 'charlm') return new CharLmProblem(config, rng, prefix, text);
  return new SequenceProblem(config, rng, prefix);
}

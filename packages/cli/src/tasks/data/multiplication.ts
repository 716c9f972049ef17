/**
 * The multiplication problem (Hochreiter & Schmidhuber 1997, experiment 5), as
 * generated in Pascanu, Mikolov & Bengio 2013 (arXiv 1211.5063, section 4.1.2;
 * authors' `multiplication.py`): same inputs as the addition problem, target =
 * product of the two marked values. See {@link makeTwoMarkerTask}.
 */
import { makeTwoMarkerTask } from './two-marker.js';
import type { SequenceTask } from './types.js';

/**
 * Creates the multiplication task: inputs `[L, B, 2]`, target `[B, 1]` =
 * `a * b` of the two marked values, MSE loss, error when squared error > 0.04.
 */
export function multiplicationTask(): SequenceTask {
  return makeTwoMarkerTask({
    name: 'multiplication',
    combine: (a, b) => a * b,
    description:
      'Multiplication (Hochreiter & Schmidhuber 1997; Pascanu et al. 2013): inputs as in the addition ' +
      'task (channel 1 = uniform [0,1) noise, channel 0 marks one position in the first 10% and one in ' +
      'the next 40%; length T plus up to 10% extra). Predict the product a*b of the two marked values ' +
      '(linear output, MSE). A sequence is an error if its squared error exceeds 0.04.',
  });
}

/**
 * The addition problem (Hochreiter & Schmidhuber 1997, experiment 4), as
 * generated in Pascanu, Mikolov & Bengio 2013 (arXiv 1211.5063, section 4.1.2;
 * authors' `addition.py`): two values marked in a stream of uniform noise,
 * target = their mean. See {@link makeTwoMarkerTask} for the exact positions.
 */
import { makeTwoMarkerTask } from './two-marker.js';
import type { SequenceTask } from './types.js';

/**
 * Creates the addition task: inputs `[L, B, 2]` (channel 0 marker, channel 1
 * value in [0, 1)), target `[B, 1]` = `(a + b) / 2` of the two marked values,
 * MSE loss, error when squared error > 0.04.
 */
export function additionTask(): SequenceTask {
  return makeTwoMarkerTask({
    name: 'addition',
    combine: (a, b) => (a + b) / 2,
    description:
      'Addition (Hochreiter & Schmidhuber 1997; Pascanu et al. 2013): 2 input channels, ' +
      'channel 1 = uniform [0,1) noise, channel 0 = 1 at two positions (one in the first 10% of the ' +
      'sequence, one in the next 40%). Length T plus a random extra of up to 10% per batch. ' +
      'Predict the mean (a+b)/2 of the two marked values after the last step (linear output, MSE). ' +
      'A sequence is an error if its squared error exceeds 0.04.',
  });
}

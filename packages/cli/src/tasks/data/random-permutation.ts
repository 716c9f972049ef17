/**
 * The random permutation problem (the long-time-lag problem with many
 * distractor symbols of Hochreiter & Schmidhuber 1997, experiment 2, in the
 * form of Martens & Sutskever 2011, supplementary section 2.4), as generated in
 * Pascanu, Mikolov & Bengio 2013 (arXiv 1211.5063, section 4.1.2; authors'
 * `permutation.py`).
 *
 * 100 one-hot input channels. For nominal length `T`, every sequence has `T`
 * steps: step 0 holds symbol 0 or 1 (probability 1/2), steps 1..T-1 hold
 * symbols drawn uniformly from 2..99. After the last step the network must
 * output the symbol seen at step 0 (target one-hot over 100 classes; softmax
 * cross-entropy; error when the argmax is wrong). This is the authors' version
 * with only the final prediction trained and reported (`report = 'last'`;
 * their per-step next-symbol targets are commented out in the code).
 */
import type { Rng } from '../../core/random.js';
import { checkBatch, checkLength, lastClassErrorRate } from './common.js';
import type { SequenceBatch, SequenceTask } from './types.js';

/** Number of symbols (input channels and classes), fixed at 100 in the authors' code. */
export const PERMUTATION_SYMBOLS = 100;

/** Creates the random permutation task: inputs `[T, B, 100]`, one-hot target `[B, 100]` (symbol 0 or 1). */
export function randomPermutationTask(): SequenceTask {
  const D = PERMUTATION_SYMBOLS;
  return {
    name: 'random-permutation',
    inputDim: D,
    outputDim: D,
    loss: 'softmax-xent',
    targetKind: 'last',
    minLength: 1,
    description:
      'Random permutation (Hochreiter & Schmidhuber 1997; Pascanu et al. 2013): T one-hot symbols over ' +
      '100 channels; the first is 0 or 1, the other T-1 are uniform over 2..99. After the last step ' +
      'predict the first symbol (softmax over 100 classes). A sequence is an error if misclassified.',
    sample(rng: Rng, batch: number, length: number): SequenceBatch {
      checkBatch('random-permutation', batch);
      checkLength('random-permutation', length, 1, 'the first step carries the symbol to remember');
      const T = length;
      const inputs = new Float32Array(T * batch * D);
      for (let t = 1; t < T; t++) {
        for (let b = 0; b < batch; b++) inputs[(t * batch + b) * D + 2 + rng.int(D - 2)] = 1;
      }
      const targets = new Float32Array(batch * D);
      for (let b = 0; b < batch; b++) {
        const v = rng.int(2);
        inputs[b * D + v] = 1;
        targets[b * D + v] = 1;
      }
      return { inputs, targets, time: T, batch, inputDim: D, outputDim: D, targetKind: 'last', loss: 'softmax-xent' };
    },
    errorRate(predictions, batch) {
      return lastClassErrorRate('random-permutation', predictions, batch);
    },
  };
}

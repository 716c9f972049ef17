/**
 * The temporal order problems (Hochreiter & Schmidhuber 1997, experiments 6a
 * and 6b), as generated in Pascanu, Mikolov & Bengio 2013 (arXiv 1211.5063,
 * section 4.1.1; authors' `tempOrder.py` and `tempOrder3bit.py`).
 *
 * Six one-hot input channels: symbols `A` (channel 0) and `B` (channel 1) are
 * the relevant ones, `c, d, e, f` (channels 2..5) are distractors. For nominal
 * length `T` (no extra length; every sequence has exactly `T` steps) each
 * relevant position `k` is drawn uniformly from a window
 * `[floor(s_k * T), floor(s_k * T) + floor(0.1 * T))` and holds `A` or `B`
 * with probability 1/2; every other step holds a uniform distractor.
 *
 * - `temporal-order`: windows start at 0.1 T and 0.5 T; 4 classes,
 *   `class = v0 + 2 * v1` with `v = 0` for `A`, 1 for `B`
 *   (0 = AA, 1 = BA, 2 = AB, 3 = BB, read as first symbol then second).
 * - `3bit-temporal-order`: windows start at 0.1 T, 0.3 T and 0.6 T; 8 classes,
 *   `class = v0 + 2 * v1 + 4 * v2`.
 *
 * Target: one-hot `[B, classes]` after the last step; softmax cross-entropy;
 * a sequence is an error when the argmax is wrong.
 *
 * Deviations from Hochreiter & Schmidhuber 1997 (the authors' code is
 * followed): no start/end marker symbols (`E`, `B`), window positions scale
 * with the length instead of fixed steps [10, 20] and [50, 60] of 100–110.
 */
import type { Rng } from '../../core/random.js';
import { checkBatch, checkLength, lastClassErrorRate } from './common.js';
import type { SequenceBatch, SequenceTask, TaskName } from './types.js';

/** Number of input symbols (A, B, c, d, e, f). */
const N_SYMBOLS = 6;

/** Builds a temporal order task whose relevant symbols sit in windows starting at `starts[k] * T`. */
function makeTemporalOrderTask(name: TaskName, starts: readonly number[], description: string): SequenceTask {
  const classes = 1 << starts.length;
  return {
    name,
    inputDim: N_SYMBOLS,
    outputDim: classes,
    loss: 'softmax-xent',
    targetKind: 'last',
    minLength: 10,
    description,
    sample(rng: Rng, batch: number, length: number): SequenceBatch {
      checkBatch(name, batch);
      checkLength(name, length, 10, 'each relevant symbol is drawn from a window of floor(0.1 * length) steps');
      const T = length;
      const width = Math.floor(T * 0.1);
      const symbols = new Int32Array(T * batch);
      for (let i = 0; i < T * batch; i++) symbols[i] = 2 + rng.int(4);
      const targets = new Float32Array(batch * classes);
      for (let b = 0; b < batch; b++) {
        let cls = 0;
        for (let k = 0; k < starts.length; k++) {
          const p = rng.int(width) + Math.floor(T * starts[k]);
          const v = rng.int(2);
          symbols[p * batch + b] = v;
          cls += v << k;
        }
        targets[b * classes + cls] = 1;
      }
      const inputs = new Float32Array(T * batch * N_SYMBOLS);
      for (let i = 0; i < T * batch; i++) inputs[i * N_SYMBOLS + symbols[i]] = 1;
      return {
        inputs,
        targets,
        time: T,
        batch,
        inputDim: N_SYMBOLS,
        outputDim: classes,
        targetKind: 'last',
        loss: 'softmax-xent',
      };
    },
    errorRate(predictions, batch) {
      return lastClassErrorRate(name, predictions, batch);
    },
  };
}

/** Creates the (2-symbol) temporal order task: inputs `[T, B, 6]`, one-hot target `[B, 4]`. */
export function temporalOrderTask(): SequenceTask {
  return makeTemporalOrderTask(
    'temporal-order',
    [0.1, 0.5],
    'Temporal order (Hochreiter & Schmidhuber 1997; Pascanu et al. 2013): a stream of T one-hot symbols ' +
      'over {A, B, c, d, e, f}; one A-or-B in steps [0.1T, 0.2T) and one in [0.5T, 0.6T), distractors ' +
      'c-f elsewhere. Classify the order (AA, BA, AB, BB; class = v0 + 2*v1 with A=0, B=1) after the ' +
      'last step (softmax). A sequence is an error if misclassified.',
  );
}

/** Creates the 3-bit temporal order task: inputs `[T, B, 6]`, one-hot target `[B, 8]`. */
export function temporalOrder3BitTask(): SequenceTask {
  return makeTemporalOrderTask(
    '3bit-temporal-order',
    [0.1, 0.3, 0.6],
    '3-bit temporal order (Hochreiter & Schmidhuber 1997; Pascanu et al. 2013): a stream of T one-hot ' +
      'symbols over {A, B, c, d, e, f}; an A-or-B in each of the windows [0.1T, 0.2T), [0.3T, 0.4T) ' +
      'and [0.6T, 0.7T), distractors c-f elsewhere. Classify the 8 possible orders ' +
      '(class = v0 + 2*v1 + 4*v2 with A=0, B=1) after the last step (softmax). ' +
      'A sequence is an error if misclassified.',
  );
}

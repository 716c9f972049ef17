/**
 * The two-marker regression generator behind the addition and multiplication
 * problems, as in Pascanu et al.'s code (`addition.py` / `multiplication.py`
 * of https://github.com/pascanur/trainingRNNs; paper arXiv 1211.5063, section
 * 4.1.2; problems from Hochreiter & Schmidhuber 1997, "Long short-term
 * memory", experiments 4 and 5).
 *
 * Generation for nominal length `T` (one draw per batch, then per sequence):
 * 1. `L = T + int(floor(0.1 * T))`: one random extra length of 0..10% (minus
 *    one step) shared by the whole batch (the authors sample one length per
 *    batch; all sequences in a batch have the same number of steps).
 * 2. Marker positions: `p0` uniform in `[0, floor(0.1 L))` and `p1` uniform in
 *    `[floor(0.1 L), floor(0.1 L) + floor(0.4 L))`, so the first marked value
 *    is in the first 10% of the sequence, the second in the next 40%, and they
 *    never coincide.
 * 3. Channel 1 holds i.i.d. uniform [0, 1) values at every step; channel 0 is
 *    the marker channel, 1 at `p0` and `p1` and 0 elsewhere.
 * 4. Target (a single real number read after the last step) combines the two
 *    marked values (stored as float32) with the task's `combine` function.
 *
 * Deviations from Hochreiter & Schmidhuber 1997 (the authors' code is
 * followed): values in [0, 1) instead of [-1, 1]; no -1 markers at the first
 * and last steps; the addition target is the mean `(a + b) / 2` rather than
 * `0.5 + (a + b) / 4`.
 */
import type { Rng } from '../../core/random.js';
import { checkBatch, checkLength, regressionErrorRate } from './common.js';
import type { SequenceBatch, SequenceTask, TaskName } from './types.js';

/** Definition of one two-marker regression task. */
export interface TwoMarkerSpec {
  /** Registry name. */
  name: TaskName;
  /** Target from the two marked values (first, second). */
  combine: (a: number, b: number) => number;
  /** Human description. */
  description: string;
}

/** Builds a two-marker regression task (2 input channels, 1 output, MSE, last-step target). */
export function makeTwoMarkerTask(spec: TwoMarkerSpec): SequenceTask {
  const inputDim = 2;
  const outputDim = 1;
  const task: SequenceTask = {
    name: spec.name,
    inputDim,
    outputDim,
    loss: 'mse',
    targetKind: 'last',
    minLength: 10,
    description: spec.description,
    sample(rng: Rng, batch: number, length: number): SequenceBatch {
      checkBatch(spec.name, batch);
      checkLength(spec.name, length, 10, 'the first marker is drawn from the first floor(0.1 * length) steps');
      const L = length + rng.int(Math.floor(length * 0.1));
      const w0 = Math.floor(L * 0.1);
      const w1 = Math.floor(L * 0.4);
      const inputs = new Float32Array(L * batch * inputDim);
      for (let i = 0; i < L * batch; i++) inputs[i * inputDim + 1] = rng.uniform();
      const targets = new Float32Array(batch * outputDim);
      for (let b = 0; b < batch; b++) {
        const p0 = rng.int(w0);
        const p1 = rng.int(w1) + w0;
        inputs[(p0 * batch + b) * inputDim] = 1;
        inputs[(p1 * batch + b) * inputDim] = 1;
        targets[b] = spec.combine(inputs[(p0 * batch + b) * inputDim + 1], inputs[(p1 * batch + b) * inputDim + 1]);
      }
      return { inputs, targets, time: L, batch, inputDim, outputDim, targetKind: 'last', loss: 'mse' };
    },
    errorRate(predictions, batch) {
      return regressionErrorRate(spec.name, predictions, batch);
    },
  };
  return task;
}

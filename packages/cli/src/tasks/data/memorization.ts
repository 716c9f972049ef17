/**
 * The noiseless memorization problem (Martens & Sutskever 2011, supplementary
 * section 2.5, after the long-time-lag problems of Hochreiter & Schmidhuber
 * 1997), as generated in Pascanu, Mikolov & Bengio 2013 (arXiv
 * 1211.5063, section 4.1.2; authors' `memorization.py` with their defaults
 * `n_values = 5`, `n_pos = 10`, `generate_all = False`).
 *
 * With `V = nValues`, `P = nPos` and nominal length (delay) `T`, every
 * sequence has `T + 2P` steps and `V + 2` one-hot-ish input channels:
 * - steps `0 .. P-1`: the pattern, one symbol in `0 .. V-1` per step
 *   (i.i.d. uniform: the authors draw an integer in `[0, V^P)` and write its
 *   base-`V` digits, least significant first, which is the same distribution);
 * - steps `P .. T+2P-1`: channel `V` ("blank") is 1, except at step `T + P`
 *   where only channel `V + 1` ("go", recall cue) is 1.
 *
 * Targets are per step, `V + 1` classes: the blank class `V` at steps
 * `0 .. T+P-1`, and the pattern (symbol `k` at step `T + P + k`) during the
 * last `P` steps, i.e. the first symbol must be output at the same step as the
 * go cue. Every step carries a target (the authors' cost averages the softmax
 * cross-entropy over all `time x batch` rows), so `mask` is all ones.
 * A sequence is an error if **any** step is misclassified (`report = 'all'`).
 */
import type { Rng } from '../../core/random.js';
import { checkBatch, checkLength, sequenceClassErrorRate } from './common.js';
import type { SequenceBatch, SequenceTask, TaskOptions } from './types.js';

/**
 * Creates the memorization task: inputs `[T + 2P, B, V + 2]`, one-hot targets
 * `[T + 2P, B, V + 1]`, mask `[T + 2P, B]` of ones.
 *
 * @param opts `nValues` (V, integer >= 2, default 5) and `nPos` (P, integer >= 1, default 10).
 */
export function memorizationTask(opts: TaskOptions = {}): SequenceTask {
  const V = opts.nValues ?? 5;
  const P = opts.nPos ?? 10;
  if (!Number.isInteger(V) || V < 2) {
    throw new Error(`memorization: nValues must be an integer >= 2, got ${V}`);
  }
  if (!Number.isInteger(P) || P < 1) {
    throw new Error(`memorization: nPos must be an integer >= 1, got ${P}`);
  }
  const inputDim = V + 2;
  const outputDim = V + 1;
  const bits = (P * Math.log2(V)).toFixed(1);
  return {
    name: 'memorization',
    inputDim,
    outputDim,
    loss: 'softmax-xent',
    targetKind: 'sequence',
    minLength: 1,
    description:
      `Noiseless memorization (Hochreiter & Schmidhuber 1997; Martens & Sutskever 2011; Pascanu et al. 2013): ` +
      `a pattern of ${P} symbols over ${V} values (${bits} bits) is shown in the first ${P} steps, followed by ` +
      `T blank steps, a go cue, and ${P - 1} more blank steps (T + ${2 * P} steps in all). The network must output ` +
      `the blank class until the go cue and then reproduce the pattern, one symbol per step (softmax at every ` +
      `step). A sequence is an error if any step is misclassified.`,
    sample(rng: Rng, batch: number, length: number): SequenceBatch {
      checkBatch('memorization', batch);
      checkLength('memorization', length, 1, 'the delay between the pattern and the go cue');
      const T = length + 2 * P;
      const goStep = length + P;
      const inputs = new Float32Array(T * batch * inputDim);
      const targets = new Float32Array(T * batch * outputDim);
      const mask = new Float32Array(T * batch).fill(1);
      for (let b = 0; b < batch; b++) {
        for (let k = 0; k < P; k++) {
          const v = rng.int(V);
          inputs[(k * batch + b) * inputDim + v] = 1;
          targets[((goStep + k) * batch + b) * outputDim + v] = 1;
        }
        for (let t = P; t < T; t++) inputs[(t * batch + b) * inputDim + (t === goStep ? V + 1 : V)] = 1;
        for (let t = 0; t < goStep; t++) targets[(t * batch + b) * outputDim + V] = 1;
      }
      return { inputs, targets, mask, time: T, batch, inputDim, outputDim, targetKind: 'sequence', loss: 'softmax-xent' };
    },
    errorRate(predictions, batch) {
      return sequenceClassErrorRate('memorization', predictions, batch);
    },
  };
}

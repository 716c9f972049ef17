/**
 * Helpers shared by the task generators: argument validation, argmax, and
 * Pascanu et al.'s error criteria (arXiv 1211.5063 section 4.1; authors'
 * `RNN.py`, `eval_step`).
 */
import type { SequenceBatch } from './types.js';

/** Squared-error threshold above which a regression sequence counts as an error (paper, section 4.1.2). */
export const REGRESSION_ERROR_THRESHOLD = 0.04;

/** Throws unless `batch` is an integer >= 1. */
export function checkBatch(task: string, batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) {
    throw new Error(`${task}: batch must be an integer >= 1, got ${batch}`);
  }
}

/** Throws unless `length` is an integer >= `min`. */
export function checkLength(task: string, length: number, min: number, why: string): void {
  if (!Number.isInteger(length) || length < min) {
    throw new Error(`${task}: length must be an integer >= ${min} (${why}), got ${length}`);
  }
}

/** Index of the largest of `n` values starting at `offset` (first one on ties, like NumPy). */
export function argmaxAt(values: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let bestVal = values[offset];
  for (let i = 1; i < n; i++) {
    const v = values[offset + i];
    if (v > bestVal) {
      bestVal = v;
      best = i;
    }
  }
  return best;
}

function checkPredictions(task: string, predictions: ArrayLike<number>, batch: SequenceBatch): void {
  if (predictions.length !== batch.targets.length) {
    const shape =
      batch.targetKind === 'last'
        ? `[batch=${batch.batch}, outputDim=${batch.outputDim}]`
        : `[time=${batch.time}, batch=${batch.batch}, outputDim=${batch.outputDim}]`;
    throw new Error(
      `${task}: predictions must have the shape of batch.targets ${shape} = ${batch.targets.length} values, got ${predictions.length}`,
    );
  }
}

/**
 * Regression error rate: fraction of rows whose squared error summed over the
 * outputs exceeds 0.04 (`(((t - y)**2).sum(axis=1) > .04).mean()` in the
 * authors' code). A non-finite prediction counts as an error.
 */
export function regressionErrorRate(task: string, predictions: ArrayLike<number>, batch: SequenceBatch): number {
  checkPredictions(task, predictions, batch);
  const { batch: B, outputDim: D, targets } = batch;
  let errors = 0;
  for (let b = 0; b < B; b++) {
    let se = 0;
    for (let k = 0; k < D; k++) {
      const d = targets[b * D + k] - predictions[b * D + k];
      se += d * d;
    }
    if (!(se <= REGRESSION_ERROR_THRESHOLD)) errors++;
  }
  return errors / B;
}

/**
 * Last-step classification error rate: fraction of rows whose argmax differs
 * from the target's argmax (`neq(argmax(y), argmax(t)).mean()`).
 */
export function lastClassErrorRate(task: string, predictions: ArrayLike<number>, batch: SequenceBatch): number {
  checkPredictions(task, predictions, batch);
  const { batch: B, outputDim: D, targets } = batch;
  let errors = 0;
  for (let b = 0; b < B; b++) {
    if (argmaxAt(predictions, b * D, D) !== argmaxAt(targets, b * D, D)) errors++;
  }
  return errors / B;
}

/**
 * Per-step classification error rate: a sequence is wrong if any step whose
 * mask is 1 is misclassified (`(neq(argmax y, argmax t).sum(0) > 0).mean()`,
 * the authors' `report = 'all'`).
 */
export function sequenceClassErrorRate(task: string, predictions: ArrayLike<number>, batch: SequenceBatch): number {
  checkPredictions(task, predictions, batch);
  const { time: T, batch: B, outputDim: D, targets, mask } = batch;
  let errors = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      if (mask !== undefined && mask[t * B + b] === 0) continue;
      const off = (t * B + b) * D;
      if (argmaxAt(predictions, off, D) !== argmaxAt(targets, off, D)) {
        errors++;
        break;
      }
    }
  }
  return errors / B;
}

/**
 * Helpers shared by the problems that learn a model from data
 * (`sequence.ts`, `charlm.ts`).
 *
 * @module
 */
import type { Scalar, Variable } from '@tensorflow/tfjs-core';
import type { ProblemEval } from './types.js';

/** Most examples evaluated in one batch (bounds the memory of an evaluation). */
export const EVAL_CHUNK = 500;

/**
 * Name of the final read-out weight: the last variable of rank >= 2 (the
 * output kernel; biases and gains are rank 1), or the last variable when
 * none has rank >= 2.
 *
 * @param variables the model's variables in forward order (at least one).
 */
export function readoutName(variables: readonly Variable[]): string {
  const kernels = variables.filter((v) => v.shape.length >= 2);
  return (kernels[kernels.length - 1] ?? variables[variables.length - 1]).name;
}

/** Reads a scalar loss to the host and disposes it. */
export function readLoss(loss: Scalar): number {
  const v = loss.dataSync()[0];
  loss.dispose();
  return v;
}

/**
 * Evaluates `total` examples in chunks of at most {@link EVAL_CHUNK} and
 * returns the example-weighted means: `measure(size)` draws and evaluates
 * one chunk of `size` examples. The result has an `errorRate` when
 * `withErrorRate` is set (then every chunk must report one).
 */
export function meanOverChunks(total: number, withErrorRate: boolean, measure: (size: number) => ProblemEval): ProblemEval {
  const chunk = Math.min(total, EVAL_CHUNK);
  let lossSum = 0;
  let errSum = 0;
  let count = 0;
  for (let done = 0; done < total; done += chunk) {
    const size = Math.min(chunk, total - done);
    const m = measure(size);
    lossSum += m.loss * size;
    if (withErrorRate) errSum += (m.errorRate ?? Number.NaN) * size;
    count += size;
  }
  const r: ProblemEval = { loss: lossSum / count };
  if (withErrorRate) r.errorRate = errSum / count;
  return r;
}

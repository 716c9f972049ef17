/**
 * Training losses for the task models. Every loss returns a scalar tensor and
 * is differentiable with respect to the predictions.
 *
 * Convention (Pascanu, Mikolov & Bengio 2013, `trainingRNNs/RNN.py`): the
 * last axis holds the outputs/classes of one example; every leading axis
 * (`[B]`, or `[T, B]` / `[B, T]` for per-step targets) indexes *rows*. A row's
 * loss is **summed over the last axis**, and the loss is the **mean over
 * rows** (`((t - y)**2).mean(axis=0).sum()` in the authors' code). For one
 * output this is the usual element mean. Masked versions weight each row by
 * `mask` (shape = the leading axes) and divide by `sum(mask)` (0 when the mask
 * is all zero).
 *
 * @module
 */

import {
  abs,
  add,
  cast,
  div,
  equal,
  exp,
  log1p,
  logSoftmax,
  mean,
  mul,
  neg,
  relu,
  square,
  sub,
  sum,
  tidy,
  type Scalar,
  type Tensor,
} from '@tensorflow/tfjs-core';
import { oneHotFloat } from './models/tokens.js';

/** Loss names used by the task generators and the CLI (**contract**). */
export const LOSS_NAMES = ['mse', 'softmax-xent', 'sigmoid-xent'] as const;

/** One of {@link LOSS_NAMES}. */
export type LossName = (typeof LOSS_NAMES)[number];

function shapeStr(t: Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

function checkFloat(t: Tensor, name: string, fn: string): void {
  if (t.dtype !== 'float32') throw new Error(`${fn}: ${name} must be float32, got ${t.dtype}`);
  if (t.rank < 1) throw new Error(`${fn}: ${name} must have at least one axis (the outputs), got a scalar`);
}

function checkSameShape(a: Tensor, b: Tensor, an: string, bn: string, fn: string): void {
  if (a.rank !== b.rank || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new Error(`${fn}: ${bn} shape ${shapeStr(b)} must equal ${an} shape ${shapeStr(a)}`);
  }
}

function checkMask(pred: Tensor, mask: Tensor, fn: string): void {
  const lead = pred.shape.slice(0, -1);
  if (mask.rank !== lead.length || mask.shape.some((s, i) => s !== lead[i])) {
    throw new Error(`${fn}: mask shape ${shapeStr(mask)} must equal the leading axes of the predictions [${lead.join(', ')}]`);
  }
}

/** Mean of per-row losses, or the mask-weighted mean `sum(mask * rows) / sum(mask)` (0 for an all-zero mask). */
function reduceRows(rows: Tensor, mask: Tensor | undefined): Scalar {
  if (mask === undefined) return mean(rows) as Scalar;
  const m = cast(mask, 'float32');
  const total = sum(m);
  // Denominator `total`, or 1 when the mask is all zero (the numerator is then 0,
  // and so is its gradient: no 0/0 in either pass).
  const denom = add(total, cast(equal(total, 0), 'float32'));
  return div(sum(mul(rows, m)), denom) as Scalar;
}

/** Per-row squared error `sum_k (y_k - t_k)^2`. */
function mseRows(pred: Tensor, target: Tensor, fn: string): Tensor {
  checkFloat(pred, 'predictions', fn);
  checkFloat(target, 'targets', fn);
  checkSameShape(pred, target, 'predictions', 'targets', fn);
  return sum(square(sub(pred, target)), -1);
}

/**
 * Squared error: `L = mean_rows sum_k (y_k - t_k)^2` (Pascanu et al.'s
 * `lastLinear` cost; equal to the element mean for one output).
 *
 * @param pred predictions `[..., K]`.
 * @param target targets of the same shape.
 */
export function mse(pred: Tensor, target: Tensor): Scalar {
  return tidy(() => reduceRows(mseRows(pred, target, 'mse'), undefined));
}

/** {@link mse} over the rows where `mask` (shape = leading axes) is non-zero, weighted by it. */
export function maskedMse(pred: Tensor, target: Tensor, mask: Tensor): Scalar {
  checkMask(pred, mask, 'maskedMse');
  return tidy(() => reduceRows(mseRows(pred, target, 'maskedMse'), mask));
}

/** Per-row `-sum_k t_k log softmax(z)_k` from dense or sparse labels. */
function softmaxRows(logits: Tensor, labels: Tensor, fn: string): Tensor {
  checkFloat(logits, 'logits', fn);
  const classes = logits.shape[logits.rank - 1];
  let dense: Tensor;
  if (labels.dtype === 'int32') {
    const lead = logits.shape.slice(0, -1);
    if (labels.rank !== lead.length || labels.shape.some((s, i) => s !== lead[i])) {
      throw new Error(`${fn}: int32 class ids must have the logits' leading shape [${lead.join(', ')}], got ${shapeStr(labels)}`);
    }
    dense = oneHotFloat(labels, classes);
  } else {
    checkFloat(labels, 'labels', fn);
    checkSameShape(logits, labels, 'logits', 'labels', fn);
    dense = labels;
  }
  return neg(sum(mul(dense, logSoftmax(logits, -1)), -1));
}

/**
 * Softmax cross-entropy from logits:
 * `L = mean_rows ( -sum_k t_k log softmax(z)_k )`, with
 * `log softmax(z)_k = z_k - max(z) - log sum_j exp(z_j - max(z))` (stable for
 * any finite logits). Labels are either float targets of the logits' shape
 * (one-hot or probabilities) or int32 class ids with the logits' leading
 * shape (ids outside `[0, K)` give an all-zero target row).
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Scalar {
  return tidy(() => reduceRows(softmaxRows(logits, labels, 'softmaxCrossEntropy'), undefined));
}

/** {@link softmaxCrossEntropy} over the rows where `mask` is non-zero, weighted by it. */
export function maskedSoftmaxCrossEntropy(logits: Tensor, labels: Tensor, mask: Tensor): Scalar {
  checkMask(logits, mask, 'maskedSoftmaxCrossEntropy');
  return tidy(() => reduceRows(softmaxRows(logits, labels, 'maskedSoftmaxCrossEntropy'), mask));
}

/** Per-row `sum_k [max(z,0) - z t + log(1 + exp(-|z|))]`. */
function sigmoidRows(logits: Tensor, targets: Tensor, fn: string): Tensor {
  checkFloat(logits, 'logits', fn);
  checkFloat(targets, 'targets', fn);
  checkSameShape(logits, targets, 'logits', 'targets', fn);
  const elem = add(sub(relu(logits), mul(logits, targets)), log1p(exp(neg(abs(logits)))));
  return sum(elem, -1);
}

/**
 * Sigmoid (binary) cross-entropy from logits, summed over the outputs of a
 * row: `L = mean_rows sum_k -[t_k log s(z_k) + (1 - t_k) log(1 - s(z_k))]`,
 * computed stably as `max(z, 0) - z t + log(1 + exp(-|z|))` (the form of
 * TensorFlow's `sigmoid_cross_entropy_with_logits`). Targets in [0, 1].
 */
export function sigmoidCrossEntropy(logits: Tensor, targets: Tensor): Scalar {
  return tidy(() => reduceRows(sigmoidRows(logits, targets, 'sigmoidCrossEntropy'), undefined));
}

/** {@link sigmoidCrossEntropy} over the rows where `mask` is non-zero, weighted by it. */
export function maskedSigmoidCrossEntropy(logits: Tensor, targets: Tensor, mask: Tensor): Scalar {
  checkMask(logits, mask, 'maskedSigmoidCrossEntropy');
  return tidy(() => reduceRows(sigmoidRows(logits, targets, 'maskedSigmoidCrossEntropy'), mask));
}

/**
 * The loss `name` (one of {@link LOSS_NAMES}) of `pred` against `target`,
 * masked when `mask` is given.
 * @throws listing the valid names for an unknown `name`.
 */
export function computeLoss(name: string, pred: Tensor, target: Tensor, mask?: Tensor): Scalar {
  switch (name) {
    case 'mse':
      return mask ? maskedMse(pred, target, mask) : mse(pred, target);
    case 'softmax-xent':
      return mask ? maskedSoftmaxCrossEntropy(pred, target, mask) : softmaxCrossEntropy(pred, target);
    case 'sigmoid-xent':
      return mask ? maskedSigmoidCrossEntropy(pred, target, mask) : sigmoidCrossEntropy(pred, target);
    default:
      throw new Error(`loss must be one of ${LOSS_NAMES.join(', ')}; got '${name}'`);
  }
}

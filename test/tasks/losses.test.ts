// Losses against float64 formulas written here (Pascanu et al.'s convention:
// sum over the last axis, mean over rows; masked: weighted mean over rows).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, useBackend } from '../helpers/backends.js';
import {
  computeLoss,
  maskedMse,
  maskedSigmoidCrossEntropy,
  maskedSoftmaxCrossEntropy,
  mse,
  sigmoidCrossEntropy,
  softmaxCrossEntropy,
} from '../../packages/cli/src/tasks/losses.js';

before(async () => {
  await useBackend('cpu');
});

const rows = (flat: number[], k: number): number[][] => Array.from({ length: flat.length / k }, (_, i) => flat.slice(i * k, i * k + k));
const logSumExp = (z: number[]): number => {
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
};
/** -log sigmoid(z) = log(1 + e^-z), computed without overflow in float64. */
const softplusNeg = (z: number): number => (z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z)));
const ref = {
  mse: (p: number[][], t: number[][]) => p.map((r, i) => r.reduce((s, v, k) => s + (v - t[i][k]) ** 2, 0)),
  softmax: (z: number[][], t: number[][]) => z.map((r, i) => { const l = logSumExp(r); return -r.reduce((s, v, k) => s + t[i][k] * (v - l), 0); }),
  sigmoid: (z: number[][], t: number[][]) => z.map((r, i) => r.reduce((s, v, k) => s + t[i][k] * softplusNeg(v) + (1 - t[i][k]) * softplusNeg(-v), 0)),
};
const meanOf = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const weighted = (v: number[], m: number[]): number => {
  const tot = m.reduce((a, b) => a + b, 0);
  return tot === 0 ? 0 : v.reduce((s, x, i) => s + x * m[i], 0) / tot;
};
function near(got: number, want: number, tol: number, what: string): void {
  assert.ok(Math.abs(got - want) <= tol * (1 + Math.abs(want)), `${what}: got ${got}, want ${want}`);
}

test('hand-computed values: mse, softmax and sigmoid cross-entropy', () => {
  tf.tidy(() => {
    // mse rows: (1-0)^2 + (2-4)^2 = 5 and (0-0)^2 + (-1-1)^2 = 4 -> mean 4.5
    near(mse(tf.tensor2d([[1, 2], [0, -1]]), tf.tensor2d([[0, 4], [0, 1]])).dataSync()[0], 4.5, 1e-7, 'mse');
    // uniform logits over 4 classes: -log(1/4) = log 4
    near(softmaxCrossEntropy(tf.zeros([3, 4]), tf.tensor1d([0, 3, 1], 'int32')).dataSync()[0], Math.log(4), 1e-7, 'xent uniform');
    // sigmoid at z = 0 is log 2 per output; two outputs -> 2 log 2
    near(sigmoidCrossEntropy(tf.zeros([2, 2]), tf.tensor2d([[0, 1], [1, 1]])).dataSync()[0], 2 * Math.LN2, 1e-7, 'sigmoid z=0');
  });
});

test('losses match float64 formulas on random data, [B, K] and [T, B, K] (fast-check, fixed seed)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (t, b, k, seed) => {
        let s = seed;
        const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
        const n = t * b * k;
        const p = Array.from({ length: n }, () => Math.fround((rnd() - 0.5) * 20));
        const q = Array.from({ length: n }, () => Math.fround(rnd()));
        const probs = rows(q, k).map((r) => { const z = r.reduce((a, c) => a + c, 0); return r.map((v) => Math.fround(v / z)); }).flat();
        const ids = Array.from({ length: t * b }, () => Math.floor(rnd() * k));
        const oneHot = ids.map((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)));
        const mask = Array.from({ length: t * b }, () => (rnd() < 0.6 ? 1 : 0));
        const shape = [t, b, k];
        tf.tidy(() => {
          const P = tf.tensor(p, shape);
          near(mse(P, tf.tensor(q, shape)).dataSync()[0], meanOf(ref.mse(rows(p, k), rows(q, k))), 1e-5, 'mse');
          near(softmaxCrossEntropy(P, tf.tensor(probs, shape)).dataSync()[0], meanOf(ref.softmax(rows(p, k), rows(probs, k))), 1e-5, 'xent dense');
          near(softmaxCrossEntropy(P, tf.tensor(ids, [t, b], 'int32')).dataSync()[0], meanOf(ref.softmax(rows(p, k), oneHot)), 1e-5, 'xent ids');
          near(sigmoidCrossEntropy(P, tf.tensor(q, shape)).dataSync()[0], meanOf(ref.sigmoid(rows(p, k), rows(q, k))), 1e-5, 'sigmoid');
          const M = tf.tensor(mask, [t, b]);
          near(maskedMse(P, tf.tensor(q, shape), M).dataSync()[0], weighted(ref.mse(rows(p, k), rows(q, k)), mask), 1e-5, 'masked mse');
          near(maskedSoftmaxCrossEntropy(P, tf.tensor(ids, [t, b], 'int32'), M).dataSync()[0], weighted(ref.softmax(rows(p, k), oneHot), mask), 1e-5, 'masked xent');
          near(maskedSigmoidCrossEntropy(P, tf.tensor(q, shape), M).dataSync()[0], weighted(ref.sigmoid(rows(p, k), rows(q, k)), mask), 1e-5, 'masked sigmoid');
        });
      },
    ),
    { seed: 7, numRuns: 60 },
  );
});

test('cross-entropies are stable for huge logits (no Inf/NaN, float64 values)', () => {
  tf.tidy(() => {
    const z = [[1e4, -1e4, 0], [-3e4, 2e4, 2e4 - 5]];
    const ids = [1, 2];
    const oh = ids.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));
    // row 0: 1e4 - (-1e4) = 2e4; row 1: logsumexp = 2e4 + log(1 + e^-5), minus (2e4 - 5)
    near(softmaxCrossEntropy(tf.tensor2d(z), tf.tensor1d(ids, 'int32')).dataSync()[0], meanOf(ref.softmax(z, oh)), 1e-6, 'softmax huge');
    near(meanOf(ref.softmax(z, oh)), (2e4 + 5 + Math.log1p(Math.exp(-5))) / 2, 1e-12, 'reference itself');
    const t = [[1, 0, 0.5], [0, 1, 1]];
    const got = sigmoidCrossEntropy(tf.tensor2d(z), tf.tensor2d(t)).dataSync()[0];
    assert.ok(Number.isFinite(got));
    near(got, meanOf(ref.sigmoid(z, t)), 1e-6, 'sigmoid huge');
  });
});

test('gradients: softmax xent d/dz = (softmax(z) - t) / rows, mse d/dy = 2 (y - t) / rows', () => {
  const z = [[0.5, -1, 2], [0, 0.25, -0.5]];
  const t = [[0, 0, 1], [0.2, 0.3, 0.5]];
  const g = tf.tidy(() => tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x, tf.tensor2d(t)))(tf.tensor2d(z)).arraySync() as number[][]);
  z.forEach((r, i) => {
    const l = logSumExp(r);
    r.forEach((v, k) => near(g[i][k], (Math.exp(v - l) - t[i][k]) / 2, 1e-6, `dxent[${i}][${k}]`));
  });
  const gm = tf.tidy(() => tf.grad((x: tf.Tensor) => mse(x, tf.tensor2d(t)))(tf.tensor2d(z)).arraySync() as number[][]);
  z.forEach((r, i) => r.forEach((v, k) => near(gm[i][k], (2 * (v - t[i][k])) / 2, 1e-6, `dmse[${i}][${k}]`)));
});

test('an all-zero mask gives loss 0 with a zero (finite) gradient; no tensors leak', () => {
  const n0 = tf.memory().numTensors;
  const y = tf.tensor3d([[[1, 2]], [[3, 4]]]);
  const tg = tf.zeros([2, 1, 2]);
  const m0 = tf.zeros([2, 1]);
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => maskedMse(x, tg, m0))(y);
  assert.equal(value.dataSync()[0], 0);
  assert.ok(Array.from(grad.dataSync()).every((v) => v === 0));
  tf.dispose([value, grad]);
  const g = tf.grad((x: tf.Tensor) => maskedSoftmaxCrossEntropy(x, tg, m0))(y);
  assert.ok(Array.from(g.dataSync()).every((v) => v === 0));
  g.dispose();
  const l = computeLoss('sigmoid-xent', y, tg);
  l.dispose();
  tf.dispose([y, tg, m0]);
  assert.equal(tf.memory().numTensors, n0);
});

test('computeLoss dispatches by name; bad inputs name the argument', () => {
  tf.tidy(() => {
    const p = tf.tensor2d([[1, 2]]);
    const t = tf.tensor2d([[0, 1]]);
    assert.equal(computeLoss('mse', p, t).dataSync()[0], mse(p, t).dataSync()[0]);
    assert.equal(computeLoss('softmax-xent', p, t).dataSync()[0], softmaxCrossEntropy(p, t).dataSync()[0]);
    assert.equal(computeLoss('sigmoid-xent', p, t, tf.ones([1])).dataSync()[0], sigmoidCrossEntropy(p, t).dataSync()[0]);
    assert.throws(() => computeLoss('hinge', p, t), { message: "loss must be one of mse, softmax-xent, sigmoid-xent; got 'hinge'" });
    assert.throws(() => mse(p, tf.zeros([2, 1])), { message: 'mse: targets shape [2, 1] must equal predictions shape [1, 2]' });
    assert.throws(() => softmaxCrossEntropy(p, tf.tensor1d([0, 1], 'int32')), {
      message: "softmaxCrossEntropy: int32 class ids must have the logits' leading shape [1], got [2]",
    });
    assert.throws(() => maskedMse(p, t, tf.ones([2])), { message: 'maskedMse: mask shape [2] must equal the leading axes of the predictions [1]' });
    assert.throws(() => sigmoidCrossEntropy(tf.tensor2d([[1, 2]], [1, 2], 'int32'), t), { message: 'sigmoidCrossEntropy: logits must be float32, got int32' });
  });
});

// gradclip inside real training loops (issue 12, point 5), as tfjs-examples
// write them: model.fit called once per epoch with the same callback, the
// optimizer's lastStats() read while a callback drains, calibrate(model) on a
// categorical model compiled with its own loss.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { calibrate, getTotalNorm, gradStatsCallback, MemoryWriter, withClipping, type StepStats } from 'gradclip';

function data(n: number, classes: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const x = Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i * 1.3) * 2);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % classes);
  return { xs: tf.tensor2d(x, [n, 4]), ys: tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D };
}

function classifier(classes: number, seed: number): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 8, inputShape: [4], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  m.add(tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

describe('real training loops (cpu)', () => {
  before(() => useBackend('cpu'));

  it('one callback over five model.fit calls (one epoch each): every step recorded once, writers open until close()', async () => {
    const { xs, ys } = data(24, 3);
    const model = classifier(3, 1);
    const opt = withClipping(tf.train.adam(0.05), { globalClipnorm: 0.5 }, { statsBuffer: 4 });
    model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    const mem = new MemoryWriter();
    const cb = gradStatsCallback(opt, { writers: [mem] });
    for (let epoch = 0; epoch < 5; epoch++) {
      await model.fit(xs, ys, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0, callbacks: [cb] });
      // lastStats() keeps working although the callback drained the buffer
      const { time: _time, ...newest } = mem.steps[mem.steps.length - 1]; // the callback adds the batch time to its records
      assert.deepEqual(opt.lastStats(), newest, `epoch ${epoch}: lastStats is the newest record`);
    }
    assert.deepEqual(mem.steps.map((s: StepStats) => s.step), Array.from({ length: 15 }, (_, i) => i + 1));
    assert.ok(mem.steps.every((s: StepStats) => typeof s.loss === 'number' && Number.isFinite(s.loss)));
    await cb.close();
    await cb.close(); // once only
    assert.throws(() => mem.write(mem.steps[0]), /closed/);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('calibrate(model) differentiates the loss the model was compiled with, and says so', async () => {
    const { xs, ys } = data(32, 4);
    const model = classifier(4, 5);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const res = await calibrate(model, { xs, ys, batchSize: 32 }, { steps: 20 });
    assert.equal(res.lossUsed, 'compiled: categoricalCrossentropy');
    // the first norm equals the gradient norm of the mean categorical cross-entropy at the start
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads, value } = tf.variableGrads(() => tf.mean(tf.metrics.categoricalCrossentropy(ys, model.apply(xs) as tf.Tensor)) as tf.Scalar, vars);
    const n = getTotalNorm(grads);
    assert.ok(Math.abs(res.norms[0] - n.dataSync()[0]) <= 1e-6 * n.dataSync()[0], `${res.norms[0]} vs ${n.dataSync()[0]}`);
    assert.ok(Math.abs(res.losses[0] - value.dataSync()[0]) <= 1e-6 * value.dataSync()[0]);
    // what the old default (MSE) would have measured is a different threshold
    const mse = await calibrate(model, { xs, ys, batchSize: 32, loss: (y, p) => tf.losses.meanSquaredError(y, p) as tf.Scalar }, { steps: 20 });
    assert.equal(mse.lossUsed, 'data.loss');
    assert.ok(res.norms[0] > 2 * mse.norms[0], `cross-entropy norm ${res.norms[0]} vs MSE ${mse.norms[0]}`);
    const uncompiled = classifier(4, 9);
    assert.equal((await calibrate(uncompiled, { xs, ys }, { steps: 20 })).lossUsed, 'meanSquaredError (the model is not compiled)');
    tf.dispose([xs, ys, n, value, ...Object.values(grads)]);
    model.dispose();
    uncompiled.dispose();
  });
});

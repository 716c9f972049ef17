import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { gradStatsCallback, type StepStatsSource } from 'gradclip';
import { withTransforms } from 'gradclip';
import { chain } from '../../packages/gradclip/src/transforms/chain.js';
import { clipByGlobalNorm } from '../../packages/gradclip/src/transforms/clip.js';
import { monitor } from '../../packages/gradclip/src/transforms/monitor.js';
import { skipNonFinite } from '../../packages/gradclip/src/transforms/guards/index.js';
import { MemoryWriter } from 'gradclip';
import type { StepStats } from 'gradclip';

/** y = x W + b: 3 inputs, 1 output, deterministic weights. */
function linearModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 1, inputShape: [3], kernelInitializer: 'zeros', biasInitializer: 'zeros' }));
  model.setWeights([tf.tensor2d([[0.5], [-1], [2]]), tf.tensor1d([0.25])]);
  return model;
}

// 12 samples, batch 4 -> 3 steps per epoch
const X = Array.from({ length: 12 }, (_, i) => [((i * 7) % 5) - 2, ((i * 3) % 4) - 1.5, (i % 3) * 0.5]);
const Y = X.map(([a, b, c]) => [a - 2 * b + 0.5 * c + 1]);

describe('gradStatsCallback with model.fit (cpu)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('hands one StepStats per batch to onStep and the writers, reading the device once per flush', async () => {
    const model = linearModel();
    const opt = withTransforms(tf.train.sgd(0.01), chain(monitor(), clipByGlobalNorm(2)), { statsBuffer: 2 });
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    let drains = 0;
    const realDrain = opt.drainStats.bind(opt);
    opt.drainStats = async () => {
      const s = await realDrain();
      if (s.length > 0) drains += 1;
      return s;
    };
    const seen: StepStats[] = [];
    const mem = new MemoryWriter();
    const xs = tf.tensor2d(X);
    const ys = tf.tensor2d(Y);
    const cb = gradStatsCallback(opt, { onStep: (s) => void seen.push(s), writers: [mem] });
    await model.fit(xs, ys, {
      batchSize: 4,
      epochs: 2,
      shuffle: false,
      verbose: 0,
      callbacks: [cb],
    });
    // 6 steps; flushEvery = statsBuffer = 2 -> reads after batches 2, epoch end (1 step), 5, epoch end (1 step)
    assert.deepEqual(seen.map((s) => s.step), [1, 2, 3, 4, 5, 6]);
    assert.equal(drains, 4);
    assert.deepEqual(mem.steps, seen);
    // fit leaves the writers open (another fit may follow); close() closes them
    await cb.close();
    assert.throws(() => mem.write(seen[0]), /closed/, 'writers are closed by close()');

    // Step 1 against a float64 reference: first batch rows 0..3 with the initial weights.
    //   r_i = x_i . (0.5, -1, 2) + 0.25 - y_i,  loss = mean(r^2),
    //   dL/dW_j = 2/4 Σ r_i x_ij,  dL/db = 2/4 Σ r_i
    const W = [0.5, -1, 2];
    const rs = X.slice(0, 4).map((x, i) => x[0] * W[0] + x[1] * W[1] + x[2] * W[2] + 0.25 - Y[i][0]);
    const loss1 = rs.reduce((a, r) => a + r * r, 0) / 4;
    const gW = W.map((_, j) => (2 / 4) * rs.reduce((a, r, i) => a + r * X[i][j], 0));
    const gb = (2 / 4) * rs.reduce((a, r) => a + r, 0);
    const pre1 = Math.sqrt(gW.reduce((a, g) => a + g * g, 0) + gb * gb);
    const s1 = seen[0];
    assert.ok(Math.abs(s1.loss! - loss1) <= 1e-5 * loss1, `loss ${s1.loss} vs ${loss1}`);
    assert.ok(Math.abs(s1.preClipNorm! - pre1) <= 1e-5 * pre1, `pre ${s1.preClipNorm} vs ${pre1}`);
    assert.equal(s1.clipped, pre1 > 2);
    assert.ok(Math.abs(s1.postClipNorm! - Math.min(pre1, 2)) <= 1e-5 * pre1);
    const names = model.trainableWeights.map((w) => (w.read() as tf.Variable).name).sort();
    for (const s of seen) {
      assert.equal(s.skipped, false);
      assert.deepEqual(Object.keys(s.layerNorms ?? {}).sort(), names, 'per-variable norms from monitor()');
      assert.ok(typeof s.time === 'number');
      assert.ok(s.postClipNorm! <= 2 * (1 + 1e-6));
    }
    tf.dispose([xs, ys]);
    model.dispose();
    opt.dispose();
  });

  it('takes the loss from the batch logs when the optimizer did not record one', async () => {
    const model = linearModel();
    const opt = withTransforms(tf.train.sgd(0.01), clipByGlobalNorm(2), { statsBuffer: 3 });
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const noLoss: StepStatsSource = {
      drainStats: async () => (await opt.drainStats()).map((s) => ({ ...s, loss: null })),
      getConfig: () => opt.getConfig(),
    };
    const seen: StepStats[] = [];
    const xs = tf.tensor2d(X);
    const ys = tf.tensor2d(Y);
    const before = tf.memory().numTensors;
    await model.fit(xs, ys, { batchSize: 4, epochs: 1, shuffle: false, verbose: 0, callbacks: [gradStatsCallback(noLoss, { onStep: (s) => void seen.push(s) })] });
    // first batch, initial weights: loss = mean(r_i^2), r_i = x_i . (0.5, -1, 2) + 0.25 - y_i
    const rs = X.slice(0, 4).map((x, i) => x[0] * 0.5 - x[1] + 2 * x[2] + 0.25 - Y[i][0]);
    const loss1 = rs.reduce((a, r) => a + r * r, 0) / 4;
    assert.equal(seen.length, 3);
    assert.ok(Math.abs(seen[0].loss! - loss1) <= 1e-5 * loss1, `loss ${seen[0].loss} vs ${loss1}`);
    assert.ok(seen.every((s) => typeof s.loss === 'number' && Number.isFinite(s.loss)));
    assert.equal(tf.memory().numTensors, before, 'the cloned loss scalars are released');
    tf.dispose([xs, ys]);
    model.dispose();
    opt.dispose();
  });

  it('records skipped steps and does not leak tensors', async () => {
    const model = linearModel();
    const opt = withTransforms(tf.train.sgd(0.01), chain(skipNonFinite(), clipByGlobalNorm(2)), { statsBuffer: 8 });
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const xsData = X.map((r) => [...r]);
    xsData[5][1] = Number.NaN; // batch 2 (rows 4..7) has a NaN -> NaN gradients -> skipped
    const xs = tf.tensor2d(xsData);
    const ys = tf.tensor2d(Y);
    const seen: StepStats[] = [];
    const fit = () =>
      model.fit(xs, ys, {
        batchSize: 4,
        epochs: 1,
        shuffle: false,
        verbose: 0,
        callbacks: [gradStatsCallback(opt, { onStep: (s) => void seen.push(s), flushEvery: 8 })],
      });
    await fit();
    const afterFirst = tf.memory().numTensors;
    await fit();
    assert.equal(tf.memory().numTensors, afterFirst);
    assert.deepEqual(seen.map((s) => s.skipped), [false, true, false, false, true, false]);
    tf.dispose([xs, ys]);
    model.dispose();
    opt.dispose();
  });

  it('rejects bad arguments with the fix in the message', () => {
    const opt = withTransforms(tf.train.sgd(0.1), clipByGlobalNorm(1));
    assert.throws(() => gradStatsCallback(opt, {}), { message: /gradStatsCallback: pass onStep and\/or writers/ });
    assert.throws(() => gradStatsCallback(opt, { onStep: () => {}, flushEvery: 10 }), {
      message:
        /gradStatsCallback: flushEvery \(10\) is larger than the optimizer's statsBuffer \(1\).*withTransforms\(opt, transform, \{statsBuffer: 10\}\)/,
    });
    assert.throws(() => gradStatsCallback(opt, { onStep: () => {}, flushEvery: 0 }), {
      message: /gradStatsCallback: flushEvery must be an integer >= 1, got 0/,
    });
    assert.throws(() => gradStatsCallback(tf.train.sgd(0.1) as unknown as StepStatsSource, { onStep: () => {} }), {
      message: /gradStatsCallback: optimizer must be a gradclip optimizer .* withTransforms\(optimizer, transform\)/,
    });
    opt.dispose();
  });
});

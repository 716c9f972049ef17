/**
 * calibrate(): unclipped steps on a copy of the training state (issue 3,
 * "Calibration"). Checked against an independent unclipped training run
 * written in the test from the same start (same weights, same optimizer
 * state), with norms computed in float64 here:
 * - tf.LayersModel + Adam: weights bit-identical afterwards, the model's own
 *   optimizer state (iterations, moments) untouched, recorded norms = the
 *   independent run's norms, threshold >= median and < every spike;
 * - loss-function form with injected gradient spikes (targets x1000 on three
 *   steps): the spikes are found and the threshold sits between the median
 *   and the smallest spike; the optimizer passed in is not touched;
 * - error messages for bad `steps` and bad second arguments.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { calibrate } from 'gradclip';
import { rng as prng } from '../helpers/rng.js';


function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Global L2 norm of the gradients, accumulated in float64 from their float32 values. */
function norm64(grads: tf.NamedTensorMap): number {
  let ss = 0;
  for (const g of Object.values(grads)) for (const z of g.dataSync()) ss += z * z;
  return Math.sqrt(ss);
}

const bits = (t: tf.Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer));

async function optimizerState(opt: tf.Optimizer): Promise<{ name: string; bits: number[] }[]> {
  const ws = await opt.getWeights();
  const out = ws.map((w) => ({ name: w.name, bits: w.name === 'iter' ? Array.from(w.tensor.dataSync()) : bits(w.tensor) }));
  // getWeights makes a fresh scalar for the iteration count; the other entries are the optimizer's live variables.
  for (const w of ws) if (w.name === 'iter') w.tensor.dispose();
  return out;
}

const mse = (y: tf.Tensor, p: tf.Tensor): tf.Scalar => tf.mean(tf.square(tf.sub(y, p))) as tf.Scalar;

function makeModel(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 8, activation: 'tanh', inputShape: [4], kernelInitializer: tf.initializers.glorotNormal({ seed: 7 }) }));
  m.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 8 }) }));
  return m;
}

describe('calibrate (cpu)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('tf.LayersModel + Adam: weights and the optimizer state untouched; norms = an independent unclipped run', async () => {
    const N = 64;
    const r = prng(11);
    const xs = tf.tensor2d(Float32Array.from({ length: N * 4 }, () => 2 * r() - 1), [N, 4]);
    const xv = xs.dataSync();
    const ys = tf.tensor2d(Float32Array.from({ length: N }, (_, i) => Math.sin(3 * xv[4 * i]) + xv[4 * i + 1] * xv[4 * i + 2]), [N, 1]);
    const model = makeModel();
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    // Give the model's Adam a state first: 4 iterations, non-zero moments.
    await model.fit(xs, ys, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0 });
    assert.equal(model.optimizer.iterations, 4);

    const weightsBefore = model.getWeights().map(bits);
    const stateBefore = await optimizerState(model.optimizer);
    assert.equal(stateBefore.length, 1 + 2 * 4, 'iter + first and second moments of 4 variables');
    assert.deepEqual(stateBefore[0].bits, [4]);

    // The independent run's start: a twin model with copied weights and an Adam with the same state.
    const twin = makeModel();
    twin.setWeights(model.getWeights());
    const twinOpt = tf.train.adam(0.01);
    const st = await model.optimizer.getWeights();
    await twinOpt.setWeights(st.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
    st[0].tensor.dispose();

    const tensorsBefore = tf.memory().numTensors;
    const STEPS = 30;
    // batchSize = N: every step sees the full batch, so the data order is not part of the contract under test.
    const res = await calibrate(model, { xs, ys, batchSize: N, loss: mse }, { steps: STEPS });
    assert.equal(tf.memory().numTensors, tensorsBefore, 'calibrate leaked tensors');

    // Nothing of the model changed, bit for bit.
    assert.deepEqual(model.getWeights().map(bits), weightsBefore);
    assert.deepEqual(await optimizerState(model.optimizer), stateBefore);
    assert.equal(model.optimizer.iterations, 4);

    // Independent unclipped run from the same start.
    const vars = twin.trainableWeights.map((w) => w.read() as tf.Variable);
    const norms: number[] = [];
    const losses: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => mse(ys, twin.apply(xs, { training: true }) as tf.Tensor)), vars);
      norms.push(norm64(grads));
      losses.push(value.dataSync()[0]);
      twinOpt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([value, ...Object.values(grads)]);
    }
    assert.equal(res.norms.length, STEPS);
    res.norms.forEach((n, i) => assert.ok(Math.abs(n - norms[i]) <= 1e-6 * norms[i], `step ${i}: calibrate ${n} vs independent ${norms[i]}`));
    assert.deepEqual(res.losses, losses, 'same losses, step by step (same float32 arithmetic)');
    // Adam's state moved the independent run: the norms are not constant, so the equality is not trivial.
    assert.ok(Math.max(...norms) > 1.2 * Math.min(...norms));

    // Threshold: at least the median norm, below every spike.
    const med = median(norms);
    assert.ok(Math.abs(res.median - med) <= 1e-6 * med);
    assert.ok(res.threshold >= med, `threshold ${res.threshold} < median ${med}`);
    for (const s of res.spikes) assert.ok(res.threshold < s.norm);
    assert.equal(res.count, STEPS);

    tf.dispose([xs, ys]);
    model.dispose();
    twin.dispose();
    twinOpt.dispose();
  });

  it('loss-function form: injected spikes are found; median <= threshold < every spike; variables and optimizer untouched', async () => {
    const STEPS = 40;
    const SPIKES = [10, 20, 30];
    const B = 16;
    const r = prng(5);
    const batches = Array.from({ length: STEPS }, (_, i) => {
      const x = Float32Array.from({ length: B * 3 }, () => 2 * r() - 1);
      const y = Float32Array.from({ length: B }, (_, b) => x[3 * b] - 2 * x[3 * b + 1] + 0.5 + 0.1 * (r() - 0.5));
      // A corrupted batch: targets x1000 (a data glitch) -> a gradient spike ~1000x the typical norm.
      if (SPIKES.includes(i)) y.forEach((v, k) => (y[k] = 1000 * v));
      return { x: tf.tensor2d(x, [B, 3]), y: tf.tensor2d(y, [B, 1]) };
    });
    const init = { w: Float32Array.from([0.3, -0.2, 0.1]), b: Float32Array.from([0]) };
    const w = tf.variable(tf.tensor2d(init.w, [3, 1]), true, 'calib-fn/w');
    const b = tf.variable(tf.tensor1d(init.b), true, 'calib-fn/b');
    const lossAt = (i: number): tf.Scalar => tf.tidy(() => mse(batches[i].y, tf.add(tf.matMul(batches[i].x, w), b)));

    const opt = tf.train.adam(0.05);
    const tensorsBefore = tf.memory().numTensors;
    const res = await calibrate(lossAt, [w, b], { steps: STEPS, optimizer: opt });
    assert.equal(tf.memory().numTensors, tensorsBefore, 'calibrate leaked tensors');
    assert.deepEqual(bits(w), Array.from(new Uint32Array(init.w.buffer)));
    assert.deepEqual(bits(b), Array.from(new Uint32Array(init.b.buffer)));
    // The optimizer passed in was cloned, never stepped: no iterations, no moments.
    assert.equal(opt.iterations, 0);
    assert.equal((await optimizerState(opt)).length, 1);

    // Independent unclipped run: same start, a fresh Adam(0.05), the same losses.
    const w2 = tf.variable(tf.tensor2d(init.w, [3, 1]), true, 'calib-fn/w2');
    const b2 = tf.variable(tf.tensor1d(init.b), true, 'calib-fn/b2');
    const opt2 = tf.train.adam(0.05);
    const norms: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      const { value, grads } = tf.variableGrads(
        () => tf.tidy(() => mse(batches[i].y, tf.add(tf.matMul(batches[i].x, w2), b2))),
        [w2, b2],
      );
      norms.push(norm64(grads));
      opt2.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([value, ...Object.values(grads)]);
    }
    res.norms.forEach((n, i) => assert.ok(Math.abs(n - norms[i]) <= 1e-6 * norms[i], `step ${i}: ${n} vs ${norms[i]}`));

    const med = median(norms);
    const smallestSpike = Math.min(...SPIKES.map((i) => norms[i]));
    assert.ok(smallestSpike > 100 * med, 'the injected spikes are real spikes');
    const found = res.spikes.map((s) => s.index);
    for (const i of SPIKES) assert.ok(found.includes(i), `spike at step ${i} not found (found ${found.join(', ')})`);
    assert.ok(res.threshold >= med, `threshold ${res.threshold} < median ${med}`);
    assert.ok(res.threshold < smallestSpike, `threshold ${res.threshold} >= smallest injected spike ${smallestSpike}`);
    for (const s of res.spikes) assert.ok(res.threshold < s.norm, `threshold ${res.threshold} >= spike ${s.norm} at ${s.index}`);
    assert.equal(res.losses.length, STEPS);

    tf.dispose([w, b, w2, b2, ...batches.flatMap((x) => [x.x, x.y])]);
    opt.dispose();
    opt2.dispose();
  });

  it('bad steps and bad arguments: errors name the argument and the fix; nothing is touched', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'calib-err/w');
    const loss = (): tf.Scalar => tf.tidy(() => tf.sum(tf.square(w)) as tf.Scalar);
    const before = tf.memory().numTensors;
    for (const [steps, shown] of [
      [0, '0'],
      [-3, '-3'],
      [2.5, '2.5'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
    ] as const) {
      await assert.rejects(
        calibrate(loss, [w], { steps }),
        (e: Error) => {
          assert.equal(e.message, `calibrate: steps must be an integer >= 1, got ${shown}; a few hundred steps give a reliable median`);
          return true;
        },
      );
    }
    await assert.rejects(calibrate(loss, [w], { steps: '10' as unknown as number }), /calibrate: steps must be an integer >= 1, got 10/);
    await assert.rejects(
      calibrate(loss, { xs: w, ys: w } as never, { steps: 5 }),
      /calibrate: with a loss function, the second argument must be the array of variables to train/,
    );
    const model = makeModel();
    await assert.rejects(
      calibrate(model, [w] as never, { steps: 5 }),
      /calibrate: with a model, the second argument must be \{xs, ys, batchSize\?\}/,
    );
    model.dispose();
    assert.deepEqual(Array.from(w.dataSync()), [1, 2]);
    assert.equal(tf.memory().numTensors, before);
    w.dispose();
  });
});

/**
 * `withClipping(optimizer, {clipnorm | globalClipnorm | clipvalue})` (Keras 3
 * optimizer arguments, DESIGN.md §2) as a real `tf.Optimizer`:
 *
 * - integration: an LSTM trained with `model.fit` through
 *   `withClipping(sgd, {globalClipnorm: 1})` ends with the same weights as a
 *   hand-written loop over an identical clone (`tf.variableGrads`, clip with
 *   `g · c / max(n, c)` computed here in float64, `sgd.applyGradients`), on
 *   batches whose pre-clip norm is > 1 (so clipping really fired);
 * - every TF.js optimizer and gradclip's AdamW gives, through `minimize`, the
 *   same weights as the bare optimizer fed float64-clipped gradients;
 * - `clipnorm` / `clipvalue` / non-finite `globalClipnorm` against independent math;
 * - save/load with `includeOptimizer` restores the clipping, the inner
 *   optimizer and its weights, and training continues identically;
 * - `getWeights`/`setWeights` delegate; `lastStats`/`drainStats` values;
 *   `measure: false`; no tensor leaks over 100 steps (minimize and fit).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LayersModel, Optimizer, Scalar, Sequential, Tensor, Variable } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { adamw, TransformingOptimizer, withClipping } from 'gradclip';

// ---------------------------------------------------------------- helpers ---

let uid = 0;
/** A fresh, uniquely named variable (AdamW and the wrapper look variables up by name). */
function variable(values: number[], shape: number[], tag: string): Variable {
  return tf.variable(tf.tensor(values, shape), true, `wc_${tag}_${uid++}`);
}

/** Global clip in float64: returns the clipped values (as float32) and the norm. */
function globalClip64(grads: readonly ArrayLike<number>[], c: number): { clipped: Float32Array[]; norm: number } {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  const norm = Math.sqrt(s);
  const scale = c / Math.max(norm, c);
  return { clipped: grads.map((g) => Float32Array.from(g, (x) => x * scale)), norm };
}

function norm64(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] * xs[i];
  return Math.sqrt(s);
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, abs: number, rel: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const tol = abs + rel * Math.abs(want[i]);
    assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: got ${got[i]}, want ${want[i]} (diff ${Math.abs(got[i] - want[i])})`);
  }
}

function assertRel(got: number | null, want: number, rel: number, what: string): void {
  assert.ok(got !== null, `${what} is null`);
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: got ${got}, want ${want}`);
}

function weightsOf(model: LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

const SEQ = 10;
const FEAT = 3;

function buildLstm(): Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.lstm({
      units: 8,
      inputShape: [SEQ, FEAT],
      kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: 12 }),
      biasInitializer: 'zeros',
    }),
  );
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 13 }) }));
  return model;
}

/** Deterministic sequences [n, SEQ, FEAT] and large targets (so the gradient norm is > 1). */
function lstmData(n: number): { xs: Tensor; ys: Tensor } {
  const x = new Float32Array(n * SEQ * FEAT);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(0.37 * i + 0.1) * 0.8;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 10 + 3 * Math.cos(1.3 * i);
  return { xs: tf.tensor3d(x, [n, SEQ, FEAT]), ys: tf.tensor2d(y, [n, 1]) };
}

function buildDense(): Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 4, inputShape: [3], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 21 }) }));
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 22 }) }));
  return model;
}

function denseData(n: number): { xs: Tensor; ys: Tensor } {
  const x = new Float32Array(n * 3);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(0.7 * i + 0.3);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 4 * Math.cos(0.9 * i);
  return { xs: tf.tensor2d(x, [n, 3]), ys: tf.tensor2d(y, [n, 1]) };
}

/** Copies `src`'s weights into `dst` (same architecture). */
function copyWeights(src: LayersModel, dst: LayersModel): void {
  dst.setWeights(src.getWeights());
}

// ------------------------------------------------------------------ tests ---

describe('withClipping: LSTM through model.fit equals a hand-written float64-clipped loop (cpu)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('globalClipnorm: 1 with sgd, 3 batches of 4, clipping fires on every batch', async () => {
    const start = tf.memory().numTensors;
    const { xs, ys } = lstmData(12);
    const a = buildLstm();
    const b = buildLstm();
    copyWeights(a, b);
    assert.deepEqual(weightsOf(b), weightsOf(a));

    const lr = 0.1;
    const optA = withClipping(tf.train.sgd(lr), { globalClipnorm: 1 }, { statsBuffer: 8 });
    a.compile({ optimizer: optA, loss: 'meanSquaredError' });
    await a.fit(xs, ys, { batchSize: 4, epochs: 1, shuffle: false, verbose: 0 });

    const sgdB = tf.train.sgd(lr);
    const vars = b.trainableWeights.map((w) => w.read() as Variable);
    const norms: number[] = [];
    const losses: number[] = [];
    for (let k = 0; k < 3; k++) {
      const xb = xs.slice([4 * k, 0, 0], [4, SEQ, FEAT]);
      const yb = ys.slice([4 * k, 0], [4, 1]);
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(tf.sub(b.apply(xb, { training: true }) as Tensor, yb))) as Scalar,
        vars,
      );
      const { clipped, norm } = globalClip64(
        vars.map((v) => grads[v.name].dataSync()),
        1,
      );
      norms.push(norm);
      losses.push(value.dataSync()[0]);
      const named: Record<string, Tensor> = {};
      vars.forEach((v, i) => (named[v.name] = tf.tensor(clipped[i], v.shape)));
      sgdB.applyGradients(named);
      tf.dispose([value, xb, yb, ...Object.values(grads), ...Object.values(named)]);
    }
    // the test can fail: every batch had a pre-clip norm well above the threshold
    for (const n of norms) assert.ok(n > 2, `pre-clip norm ${n} should be > 1 (clipping must fire)`);

    const wa = weightsOf(a);
    const wb = weightsOf(b);
    wa.forEach((w, i) => assertClose(w, wb[i], 1e-6, 1e-5, `weight ${i}`));
    // and they moved
    const b0 = buildLstm();
    const w0 = weightsOf(b0);
    assert.ok(wa.some((w, i) => w.some((x, j) => x !== w0[i][j])), 'training changed the weights');

    // the step statistics of model.fit agree with the hand loop
    const stats = await optA.drainStats();
    assert.equal(stats.length, 3);
    stats.forEach((s, k) => {
      assert.equal(s.step, k + 1);
      assertRel(s.preClipNorm, norms[k], 1e-5, `step ${k + 1} preClipNorm`);
      assertRel(s.postClipNorm, 1, 1e-6, `step ${k + 1} postClipNorm`);
      assertRel(s.clipCoef, 1 / norms[k], 1e-5, `step ${k + 1} clipCoef`);
      assertRel(s.loss, losses[k], 1e-5, `step ${k + 1} loss`);
      assert.equal(s.clipped, true);
      assert.equal(s.skipped, false);
    });
    assert.equal(optA.iterations, 3);

    tf.dispose([xs, ys]);
    a.dispose();
    b.dispose();
    b0.dispose();
    optA.dispose();
    sgdB.dispose();
    assert.equal(tf.memory().numTensors, start, 'no tensors left after disposing everything');
  });
});

/** Every TF.js optimizer plus AdamW, with hyperparameters that make one step visible. */
const OPTIMIZERS: Array<[string, () => Optimizer]> = [
  ['sgd', () => tf.train.sgd(0.1)],
  ['momentum', () => tf.train.momentum(0.1, 0.9)],
  ['adagrad', () => tf.train.adagrad(0.1)],
  ['adadelta', () => tf.train.adadelta(1, 0.95, 1e-6)],
  ['adam', () => tf.train.adam(0.05)],
  ['adamax', () => tf.train.adamax(0.05)],
  ['rmsprop', () => tf.train.rmsprop(0.05, 0.9, 0.5)],
  ['adamw', () => adamw({ learningRate: 0.05, weightDecay: 0.1 })],
];

for (const backend of BACKENDS) {
  describe(`withClipping wraps every optimizer (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    for (const [name, make] of OPTIMIZERS) {
      it(`${name}: 2 steps via minimize equal the bare optimizer fed float64-clipped gradients`, () => {
        const init1 = [0.5, -1.5, 2];
        const init2 = [1, -2, 0.25, 3];
        const a1 = variable(init1, [3], `${name}_a1`);
        const a2 = variable(init2, [2, 2], `${name}_a2`);
        const b1 = variable(init1, [3], `${name}_b1`);
        const b2 = variable(init2, [2, 2], `${name}_b2`);
        // loss = Σ 3·w1² + Σ (w2 − 5)² · 2: gradient norm ≈ 30 at the start, clipped to 0.5
        const loss = (w1: Tensor, w2: Tensor): Scalar =>
          tf.add(tf.sum(tf.mul(3, tf.square(w1))), tf.sum(tf.mul(2, tf.square(tf.sub(w2, 5))))) as Scalar;
        const wrapped = withClipping(make(), { globalClipnorm: 0.5 });
        const bare = make();
        const before = tf.memory().numTensors;
        for (let step = 1; step <= 2; step++) {
          const cost = wrapped.minimize(() => loss(a1, a2), true, [a1, a2]);
          const { value, grads } = tf.variableGrads(() => loss(b1, b2), [b1, b2]);
          const { clipped, norm } = globalClip64([grads[b1.name].dataSync(), grads[b2.name].dataSync()], 0.5);
          const g1 = tf.tensor(clipped[0], [3]);
          const g2 = tf.tensor(clipped[1], [2, 2]);
          bare.applyGradients({ [b1.name]: g1, [b2.name]: g2 });
          const s = wrapped.lastStats();
          assert.ok(s !== null);
          assert.equal(s.step, step);
          assertRel(s.preClipNorm, norm, 1e-6, `${name} step ${step} preClipNorm`);
          assertRel(s.postClipNorm, 0.5, 1e-6, `${name} postClipNorm`);
          assert.equal(s.clipped, true);
          assertRel(s.loss, value.dataSync()[0], 1e-6, `${name} loss`);
          assertRel(cost!.dataSync()[0], value.dataSync()[0], 1e-5, `${name} returned cost`);
          tf.dispose([cost!, value, g1, g2, ...Object.values(grads)]);
        }
        assertClose(a1.dataSync(), b1.dataSync(), 1e-6, 1e-5, `${name} w1`);
        assertClose(a2.dataSync(), b2.dataSync(), 1e-6, 1e-5, `${name} w2`);
        assert.ok(a1.dataSync().some((x, i) => x !== init1[i]), `${name} changed w1`);
        assert.equal(wrapped.iterations, bare.iterations);
        assert.equal(wrapped.steps, 2);
        // the optimizer states (moments, accumulators) were created: more tensors now,
        // but only the same number as the bare optimizer's plus the one stats record
        assert.ok(tf.memory().numTensors >= before);
        wrapped.dispose();
        bare.dispose();
        tf.dispose([a1, a2, b1, b2]);
      });
    }
  });
}

describe('Keras clipping semantics against independent math (cpu)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  // With sgd(1) and zero-initialised variables, the new weights are exactly −(clipped gradient).
  function step(opts: Parameters<typeof withClipping>[1], grads: number[][], shapes: number[][]) {
    const vars = grads.map((g, i) => variable(new Array<number>(g.length).fill(0), shapes[i], `sem${i}`));
    const opt = withClipping(tf.train.sgd(1), opts);
    const ts = grads.map((g, i) => tf.tensor(g, shapes[i]));
    const named: Record<string, Tensor> = {};
    vars.forEach((v, i) => (named[v.name] = ts[i]));
    opt.applyGradients(named);
    const applied = vars.map((v) => Array.from(v.dataSync(), (x) => -x));
    const stats = opt.lastStats();
    tf.dispose([...ts, ...vars]);
    opt.dispose();
    return { applied, stats };
  }

  it('clipnorm: each variable separately, g · c / max(||g||, c)', () => {
    const g = [
      [3, 4, 12], // ||.|| = 13 > 2: scaled by 2/13
      [0.3, -0.4], // ||.|| = 0.5 < 2: unchanged
      [0, 0], // zero-safe
    ];
    const { applied, stats } = step({ clipnorm: 2 }, g, [[3], [2, 1], [2]]);
    const want = g.map((v) => {
      const n = norm64(v);
      return v.map((x) => (x * 2) / Math.max(n, 2));
    });
    applied.forEach((a, i) => assertClose(a, want[i], 0, 4 * 2 ** -24, `var ${i}`));
    assert.deepEqual(applied[1], [Math.fround(0.3), Math.fround(-0.4)], 'below the threshold: unchanged bits');
    // stats: global norms before/after (measured by the wrapper), coefficient = post/pre
    const pre = norm64(g.flat());
    const post = norm64(want.flat());
    assert.ok(stats);
    assertRel(stats.preClipNorm, pre, 1e-6, 'preClipNorm');
    assertRel(stats.postClipNorm, post, 1e-6, 'postClipNorm');
    assertRel(stats.clipCoef, post / pre, 1e-6, 'clipCoef');
    assert.equal(stats.clipped, true);
    assert.equal(stats.loss, null, 'no loss through applyGradients');
  });

  it('clipvalue: element-wise clamp to [-v, v]', () => {
    const g = [[-3, 0.5, 2, -0.25], [7]];
    const { applied, stats } = step({ clipvalue: 1 }, g, [[2, 2], [1]]);
    assert.deepEqual(applied, [[-1, 0.5, 1, -0.25], [1]]);
    assert.ok(stats);
    assert.equal(stats.clipped, true);
    const { stats: s2 } = step({ clipvalue: 10 }, g, [[2, 2], [1]]);
    assert.equal(s2?.clipped, false);
    assert.equal(s2?.clipCoef, 1);
  });

  it('globalClipnorm: one coefficient for all variables; not fired below the threshold', () => {
    const g = [[3, 4], [12]]; // global norm 13
    const { applied, stats } = step({ globalClipnorm: 6.5 }, g, [[2], [1]]);
    assertClose(applied.flat(), [1.5, 2, 6], 0, 2 ** -22, 'scaled by 6.5/13 = 1/2');
    assertRel(stats!.preClipNorm, 13, 1e-7, 'preClipNorm');
    assertRel(stats!.clipCoef, 0.5, 1e-7, 'clipCoef');
    const below = step({ globalClipnorm: 20 }, g, [[2], [1]]);
    assertClose(below.applied.flat(), [3, 4, 12], 0, 2 ** -23, 'below the threshold');
    assert.equal(below.stats?.clipped, false);
  });

  it('globalClipnorm with a non-finite norm makes every gradient NaN (Keras / tf.clip_by_global_norm)', () => {
    const { applied, stats } = step({ globalClipnorm: 1 }, [[1, Infinity], [2]], [[2], [1]]);
    for (const x of applied.flat()) assert.ok(Number.isNaN(x), `expected NaN, got ${x}`);
    assert.equal(stats?.preClipNorm, Infinity);
  });
});

describe('save / load with includeOptimizer (cpu)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  // Tolerance of the continued weights: 0 (bit-identical), except for the Adam family:
  // TF.js's AdamOptimizer.setWeights recomputes its bias-correction powers as
  // pow(beta, t + 1) while a live optimizer multiplies by beta every step, so any
  // loaded Adam (wrapped or not) drifts from the original by a few float32 ulps.
  const CONFIGS: Array<[string, () => TransformingOptimizer, { type: string; args: unknown[] }, number]> = [
    ['adam + globalClipnorm', () => withClipping(tf.train.adam(0.02), { globalClipnorm: 0.5 }), { type: 'clipByGlobalNorm', args: [0.5, { rule: 'tf' }] }, 1e-5],
    ['rmsprop + clipnorm', () => withClipping(tf.train.rmsprop(0.01, 0.9, 0.1), { clipnorm: 0.3 }), { type: 'clipByNorm', args: [0.3] }, 0],
    ['sgd + clipvalue', () => withClipping(tf.train.sgd(0.05), { clipvalue: 0.2 }), { type: 'clipByValue', args: [0.2] }, 0],
    ['adamw + globalClipnorm', () => withClipping(adamw({ learningRate: 0.02, weightDecay: 0.1, excludeFromWeightDecay: ['out_layer', /_bias$/] }), { globalClipnorm: 1 }), { type: 'clipByGlobalNorm', args: [1, { rule: 'tf' }] }, 1e-5],
  ];

  it('the Adam last-bit difference after loading is TF.js\'s own (a bare tf.train.adam shows it too)', async () => {
    const { xs, ys } = denseData(16);
    const model = buildDense();
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
    await model.fit(xs, ys, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), { includeOptimizer: true });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    await model.fit(xs, ys, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
    await loaded.fit(xs, ys, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
    const a = weightsOf(model);
    const b = weightsOf(loaded);
    a.forEach((w, i) => assertClose(b[i], w, 1e-6, 1e-5, `bare adam weight ${i}`));
    assert.ok(a.some((w, i) => w.some((x, j) => x !== b[i][j])), 'TF.js Adam: pow() vs repeated products differ in the last bits');
    tf.dispose([xs, ys]);
    model.dispose();
    loaded.dispose();
  });

  for (const [label, make, spec, rel] of CONFIGS) {
    it(`${label}: same clipping, inner optimizer, weights; continued training identical`, async () => {
      const { xs, ys } = denseData(16);
      const model = buildDense();
      const opt = make();
      model.compile({ optimizer: opt, loss: 'meanSquaredError' });
      await model.fit(xs, ys, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
      assert.equal(opt.iterations, 2);

      let saved: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (artifacts) => {
          saved = artifacts;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
        { includeOptimizer: true },
      );
      assert.ok(saved);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
      const lopt = loaded.optimizer as TransformingOptimizer;
      assert.ok(lopt instanceof TransformingOptimizer, 'loaded optimizer is a TransformingOptimizer');
      assert.deepEqual(lopt.transform.spec, spec);
      assert.deepEqual(opt.transform.spec, spec);
      assert.equal(lopt.inner.getClassName(), opt.inner.getClassName());
      assert.deepEqual(lopt.inner.getConfig(), opt.inner.getConfig());
      assert.equal(lopt.iterations, 2, 'iterations restored');
      const [wo, wl] = [await opt.getWeights(), await lopt.getWeights()];
      assert.equal(wl.length, wo.length);
      wo.forEach((w, i) => assert.deepEqual(Array.from(wl[i].tensor.dataSync()), Array.from(w.tensor.dataSync()), `optimizer weight ${i}`));
      assert.deepEqual(weightsOf(loaded), weightsOf(model));

      // continue both on the same batches
      const more = denseData(24);
      await model.fit(more.xs, more.ys, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
      await loaded.fit(more.xs, more.ys, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
      const a = weightsOf(model);
      const b = weightsOf(loaded);
      a.forEach((w, i) => assertClose(b[i], w, rel === 0 ? 0 : 1e-6, rel, `continued weight ${i}`));
      assert.ok(a.some((w, i) => w.some((x, j) => x !== weightsOf(buildDense())[i][j])));
      assert.equal(lopt.iterations, 5);
      assert.deepEqual(
        (await lopt.drainStats()).map((s) => [s.step, s.clipped]),
        (await opt.drainStats()).map((s) => [s.step, s.clipped]),
        'the loaded optimizer continues the step count saved with the model',
      );
      tf.dispose([xs, ys, more.xs, more.ys]);
      model.dispose();
      loaded.dispose();
    });
  }
});

describe('weights delegation, statistics, leaks (cpu)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('getWeights / setWeights delegate to the inner optimizer', async () => {
    const v = variable([1, -2, 3], [3], 'gw');
    const opt = withClipping(tf.train.adam(0.1), { globalClipnorm: 1 });
    for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(v)) as Scalar, false, [v]);
    const w = await opt.getWeights();
    const wi = await opt.inner.getWeights();
    assert.deepEqual(w.map((e) => e.name), wi.map((e) => e.name));
    w.forEach((e, i) => assert.deepEqual(Array.from(e.tensor.dataSync()), Array.from(wi[i].tensor.dataSync())));
    assert.equal(w[0].tensor.dataSync()[0], 3, 'iterations first, as TF.js saves it');

    const other = withClipping(tf.train.adam(0.1), { globalClipnorm: 1 });
    await other.setWeights(w);
    assert.equal(other.iterations, 3);
    assert.equal(other.inner.iterations, 3);
    const wo = await other.inner.getWeights();
    w.forEach((e, i) => assert.deepEqual(Array.from(wo[i].tensor.dataSync()), Array.from(e.tensor.dataSync())));
    opt.dispose();
    other.dispose();
    v.dispose();
  });

  it('lastStats / drainStats: values against float64, buffer of 3 over 5 steps', async () => {
    const v = variable([3, 4], [2], 'st');
    const opt = withClipping(tf.train.sgd(0.6), { globalClipnorm: 2 }, { statsBuffer: 3 });
    assert.equal(opt.lastStats(), null, 'null before the first step');
    // host mirror: loss = Σ w², g = 2w, clipped with c = 2, sgd(0.6): ||g|| = 10, 7.6, 5.2, 2.8, 0.4
    let w = [3, 4];
    const want: Array<{ loss: number; pre: number; post: number; coef: number; clipped: boolean }> = [];
    for (let k = 0; k < 5; k++) {
      const g = w.map((x) => 2 * x);
      const n = norm64(g);
      const coef = 2 / Math.max(n, 2);
      want.push({ loss: w[0] ** 2 + w[1] ** 2, pre: n, post: n * coef, coef, clipped: n > 2 });
      w = w.map((x, i) => x - 0.6 * g[i] * coef);
      opt.minimize(() => tf.sum(tf.square(v)) as Scalar, false, [v]);
    }
    assertClose(v.dataSync(), w, 1e-6, 1e-5, 'weights');
    const last = opt.lastStats();
    assert.ok(last);
    assert.equal(last.step, 5);
    const stats = await opt.drainStats();
    assert.deepEqual(stats.map((s) => s.step), [3, 4, 5], 'the buffer keeps the 3 newest');
    assert.deepEqual(stats[2], last);
    stats.forEach((s, i) => {
      const r = want[i + 2];
      assertRel(s.loss, r.loss, 1e-5, `loss ${s.step}`);
      assertRel(s.preClipNorm, r.pre, 1e-5, `pre ${s.step}`);
      assertRel(s.postClipNorm, r.post, 1e-5, `post ${s.step}`);
      assertRel(s.clipCoef, r.coef, 1e-5, `coef ${s.step}`);
      assert.equal(s.clipped, r.clipped, `clipped ${s.step}`);
      assert.equal(s.skipped, false);
    });
    assert.ok(want.some((r) => r.clipped) && want.some((r) => !r.clipped), 'both regimes are exercised');
    assert.deepEqual(await opt.drainStats(), []);
    assert.deepEqual(opt.lastStats(), last, 'the newest record is still known after the buffer is drained');
    assert.deepEqual(opt.drainStatsSync(), []);
    opt.dispose();
    v.dispose();
  });

  it('measure: false reports null norms for a clip that does not measure them', () => {
    const v = variable([3, 4], [2], 'mf');
    const opt = withClipping(tf.train.sgd(0.1), { clipnorm: 1 }, { measure: false });
    opt.minimize(() => tf.sum(tf.square(v)) as Scalar, false, [v]);
    const s = opt.lastStats();
    assert.ok(s);
    assert.equal(s.preClipNorm, null);
    assert.equal(s.postClipNorm, null);
    assert.equal(s.clipCoef, null);
    assert.equal(s.clipped, true, 'the clip transform still reports whether it fired');
    assertRel(s.loss, 25, 1e-7, 'loss is still recorded');
    // the update itself is unaffected: g = [6, 8] (norm 10) clipped to norm 1, sgd 0.1
    assertClose(v.dataSync(), [3 - 0.1 * 0.6, 4 - 0.1 * 0.8], 1e-7, 0, 'weights');
    opt.dispose();
    v.dispose();
  });

  it('no tensor leak over 100 clipped steps through minimize (every clip kind)', () => {
    for (const opts of [{ globalClipnorm: 1 }, { clipnorm: 0.5 }, { clipvalue: 0.1 }]) {
      const v = variable([1, -2, 3, 0.5], [2, 2], 'leak');
      const opt = withClipping(tf.train.adam(0.01), opts, { layerNorms: true });
      const f = () => tf.sum(tf.square(tf.mul(v, 10))) as Scalar;
      opt.minimize(f, false, [v]); // creates the moments and the one buffered stats record
      const before = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) {
        const c = opt.minimize(f, true, [v]);
        c?.dispose();
      }
      assert.equal(tf.memory().numTensors, before, `leak with ${JSON.stringify(opts)}`);
      assert.equal(opt.lastStats()?.clipped, true);
      opt.dispose();
      v.dispose();
    }
  });

  it('no tensor leak over 100 clipped steps through model.fit', async () => {
    const model = buildDense();
    const opt = withClipping(tf.train.sgd(0.01), { globalClipnorm: 0.1 });
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const { xs, ys } = denseData(100);
    const one = denseData(1);
    await model.fit(one.xs, one.ys, { batchSize: 1, epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    await model.fit(xs, ys, { batchSize: 1, epochs: 1, shuffle: false, verbose: 0 });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(opt.iterations, 101);
    assert.equal(opt.steps, 101);
    tf.dispose([xs, ys, one.xs, one.ys]);
    model.dispose();
  });
});

// adamw({updateClipping: true}): StableAdamW's per-tensor update clipping
// (Wortsman et al. 2023, arXiv 2304.13013, Algorithm 2) against the float64
// PyTorch reference of scripts/gen_guard_vectors.py (test/vectors/guards.json),
// on cpu and wasm; the wasm fused update is not taken for it (fusedUpdateAvailable
// is false) and withClipping trains identically with fusedUpdate automatic and
// false; getConfig/fromConfig and model.save/load keep the option.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Optimizer, Variable } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { AdamW, adamw, fusedUpdateAvailable, GradclipArgumentError, withClipping, type StepStats } from 'gradclip';
import { loadGuardVectors, type StableVectorCase } from '../helpers/guard-vectors.js';
import { assertClose } from '../helpers/vectors.js';
import { rng } from '../helpers/rng.js';

const V = loadGuardVectors();
let uid = 0;

/** Variables named `<prefix>_<n>/<name>` holding the case's initial values, keyed by the case's names. */
function makeVars(c: StableVectorCase): Record<string, Variable> {
  const p = `sa${uid++}`;
  return Object.fromEntries(Object.entries(c.init).map(([k, v]) => [k, tf.variable(tf.tensor(v.values, v.shape), true, `${p}/${k}`)]));
}

function step(opt: Optimizer, vars: Record<string, Variable>, grads: Record<string, Float32Array>): void {
  const g: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(grads)) g[vars[k].name] = tf.tensor(v, vars[k].shape);
  opt.applyGradients(g);
  tf.dispose(Object.values(g));
}

for (const backend of BACKENDS) {
  describe(`adamw({updateClipping: true}) against the PyTorch StableAdamW reference (${backend})`, () => {
    before(() => useBackend(backend));

    for (const c of V.stableAdamW) {
      it(`${c.id}: ${c.note}`, () => {
        const vars = makeVars(c);
        const opt = adamw({ ...c.options, updateClipping: true });
        const plain = adamw(c.options);
        const pvars = makeVars(c);
        let n0 = 0;
        let maxPlainGap = 0;
        c.steps.forEach((s, i) => {
          step(opt, vars, s.grads);
          step(plain, pvars, s.grads);
          if (i === 0) n0 = tf.memory().numTensors;
          for (const [k, ref] of Object.entries(s.expect.weights)) {
            const got = vars[k].dataSync();
            const p = pvars[k].dataSync();
            for (let j = 0; j < ref.length; j++) {
              assertClose(got[j], ref[j], 1e-6, 1e-6, `${c.id} step ${i + 1}: ${k}[${j}]`);
              maxPlainGap = Math.max(maxPlainGap, Math.abs(p[j] - ref[j]));
            }
          }
        });
        assert.equal(tf.memory().numTensors, n0, 'no tensor left behind after the first step (which creates the moments)');
        assert.ok(maxPlainGap > 1e-4, `update clipping changes the result (plain AdamW is ${maxPlainGap} away)`);
        assert.equal(opt.iterations, c.steps.length);
        opt.dispose();
        plain.dispose();
        tf.dispose([...Object.values(vars), ...Object.values(pvars)]);
      });
    }

    it('with every RMS below 1 it is AdamW (the same update up to float32 rounding)', () => {
      const r = rng(11);
      const a = tf.variable(tf.tensor1d([0.5, -1, 2]), true, `sa-lt1-${uid++}`);
      const b = tf.variable(tf.tensor1d([0.5, -1, 2]), true, `sa-lt1-${uid++}`);
      const o1 = adamw({ learningRate: 0.01, weightDecay: 0.1, updateClipping: true });
      const o2 = adamw({ learningRate: 0.01, weightDecay: 0.1 });
      for (let t = 0; t < 6; t++) {
        // shrinking gradients: g² / v̂ < 1 after the first step (where it is 1, up to rounding)
        const s = 0.8 ** t;
        const g = tf.tensor1d([0.1 * s, -0.2 * s, (0.05 + r() * 1e-4) * s]);
        o1.applyGradients({ [a.name]: g });
        o2.applyGradients({ [b.name]: g });
        g.dispose();
      }
      const x = a.dataSync();
      const y = b.dataSync();
      for (let i = 0; i < 3; i++) assertClose(x[i], y[i], 1e-6, 1e-7, `w[${i}]`);
      o1.dispose();
      o2.dispose();
      tf.dispose([a, b]);
    });
  });

  describe(`update clipping and the fused wasm update (${backend})`, () => {
    before(() => useBackend(backend));

    it('fusedUpdateAvailable is false with updateClipping (true for plain adamw on wasm)', () => {
      assert.equal(fusedUpdateAvailable(adamw({ updateClipping: true })), false);
      assert.equal(fusedUpdateAvailable(adamw()), backend === 'wasm');
    });

    /** A small MLP trained by withClipping(adamw(...), {globalClipnorm: 1}) through minimize. */
    function train(updateClipping: boolean, fusedUpdate: boolean | undefined): { weights: Float32Array[]; stats: StepStats[] } {
      const r = rng(5);
      const w1 = tf.variable(tf.tensor2d(Float32Array.from({ length: 12 }, () => r() * 2 - 1), [4, 3]), true, 'sa-fp/w1');
      const b1 = tf.variable(tf.zeros([3]), true, 'sa-fp/b1');
      const w2 = tf.variable(tf.tensor2d(Float32Array.from({ length: 3 }, () => r() * 2 - 1), [3, 1]), true, 'sa-fp/w2');
      const vars = [w1, b1, w2];
      const opt = withClipping(adamw({ learningRate: 0.05, weightDecay: 0.1, updateClipping }), { globalClipnorm: 1 }, { statsBuffer: 8, fusedUpdate });
      for (let k = 0; k < 8; k++) {
        opt.minimize(() => {
          const x = tf.tensor2d(Float32Array.from({ length: 32 }, (_, i) => Math.sin(i * 0.7 + k) * (k % 3 ? 3 : 0.01)), [8, 4]);
          const y = tf.tensor2d(Float32Array.from({ length: 8 }, (_, i) => Math.cos(i + k) * (k % 3 ? 20 : 0.01)), [8, 1]);
          return tf.losses.meanSquaredError(y, tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2)) as tf.Scalar;
        });
      }
      const stats = opt.drainStatsSync();
      const weights = vars.map((v) => Float32Array.from(v.dataSync()));
      opt.dispose();
      tf.dispose(vars);
      return { weights, stats };
    }

    it('withClipping(adamw({updateClipping: true}), {globalClipnorm}) trains identically with fusedUpdate automatic and false', () => {
      const auto = train(true, undefined);
      const off = train(true, false);
      auto.weights.forEach((w, i) => assert.deepEqual(w, off.weights[i], `weights of variable ${i}`));
      assert.deepEqual(auto.stats, off.stats);
      assert.ok(auto.stats.some((s) => s.clipped) && auto.stats.some((s) => !s.clipped), 'the global clip binds on some steps only');
      // and the update clipping is not dropped on the way: plain adamw (fused on wasm) ends elsewhere
      const plain = train(false, undefined);
      const gap = Math.max(...plain.weights.flatMap((w, i) => Array.from(w, (x, j) => Math.abs(x - auto.weights[i][j]))));
      assert.ok(gap > 1e-4, `plain AdamW differs by ${gap}`);
    });

    it('fusedUpdate: true is refused for it, naming updateClipping', () => {
      const v = tf.variable(tf.tensor1d([1, 2]), true, `sa-ft-${backend}`);
      const opt = withClipping(adamw({ updateClipping: true }), { globalClipnorm: 1 }, { fusedUpdate: true });
      const g = tf.tensor1d([3, 4]);
      assert.throws(
        () => opt.applyGradients({ [v.name]: g }),
        (e: unknown) => e instanceof GradclipArgumentError && /fusedUpdate: true needs .* adamw without updateClipping/.test(e.message),
      );
      opt.dispose();
      tf.dispose([v, g]);
    });
  });
}

describe('adamw updateClipping: options and serialisation (cpu)', () => {
  before(() => useBackend('cpu'));

  it('is off by default, a boolean, and kept by getConfig/fromConfig', () => {
    assert.equal(adamw().updateClipping, false);
    assert.equal(adamw().getConfig().updateClipping, false);
    assert.throws(
      () => adamw({ updateClipping: 'yes' as never }),
      (e: unknown) => e instanceof GradclipArgumentError && /^adamw: options\.updateClipping must be a boolean, got "yes"$/.test(e.message),
    );
    assert.throws(() => new AdamW(1e-3, 0.9, 0.999, 1e-8, 0, [], 1 as never), /adamw: updateClipping must be a boolean, got number/);
    const opt = adamw({ learningRate: 0.002, weightDecay: 0.2, excludeFromWeightDecay: ['bias'], updateClipping: true });
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap.AdamW;
    const back = fromConfig(cls, opt.getConfig()) as unknown as AdamW;
    assert.equal(back.updateClipping, true);
    assert.deepEqual(back.getConfig(), opt.getConfig());
    // a config saved before the option existed loads without it
    const { updateClipping: _drop, ...old } = opt.getConfig();
    assert.equal((fromConfig(cls, old) as unknown as AdamW).updateClipping, false);
  });

  it('model.save / tf.loadLayersModel keeps updateClipping and training continues the same way', async () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 3, inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }));
    model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }));
    const opt = adamw({ learningRate: 0.05, weightDecay: 0.1, updateClipping: true });
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const xs = tf.tensor2d([1, 2, -1, 0.5, 0.3, -2, 1.5, 1], [4, 2]);
    const ys = tf.tensor2d([10, -1, 2, 0.5], [4, 1]);
    await model.fit(xs, ys, { batchSize: 2, epochs: 2, shuffle: false, verbose: 0 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }), { includeOptimizer: true });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const lopt = loaded.optimizer as unknown as AdamW;
    assert.ok(lopt instanceof AdamW);
    assert.equal(lopt.updateClipping, true);
    assert.equal(lopt.iterations, 4);
    assert.deepEqual(lopt.getConfig(), opt.getConfig());
    await model.fit(xs, ys, { batchSize: 2, epochs: 2, shuffle: false, verbose: 0 });
    await loaded.fit(xs, ys, { batchSize: 2, epochs: 2, shuffle: false, verbose: 0 });
    const wa = model.getWeights().map((w) => w.dataSync());
    const wb = loaded.getWeights().map((w) => w.dataSync());
    // up to TF.js Adam's pow-vs-products last bits of the accumulated betas after setWeights
    wa.forEach((w, i) => w.forEach((x, j) => assertClose(wb[i][j], x, 1e-6, 2e-6, `weight ${i}[${j}]`)));
    tf.dispose([xs, ys]);
    model.dispose();
    loaded.dispose();
  });
});

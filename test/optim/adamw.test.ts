/**
 * AdamW (Loshchilov & Hutter 2019, arXiv 1711.05101) against a float64
 * reference of the `torch.optim.AdamW` update written here:
 *
 *   θ ← θ·(1 − α·λ)             (only for variables not excluded from decay)
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²
 *   θ ← θ − α · (m/(1−β₁ᵗ)) / (sqrt(v/(1−β₂ᵗ)) + ε)
 *
 * plus: weightDecay 0 is bit-identical to `tf.train.adam` with the same ε,
 * validation messages, and serialisation (getConfig/fromConfig, getWeights/
 * setWeights, model.save/tf.loadLayersModel) keeping every option.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Optimizer, Tensor, Variable } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { AdamW, adamw, GradclipArgumentError, type AdamWOptions } from 'gradclip';

let uid = 0;

interface Ref {
  theta: number[];
  m: number[];
  v: number[];
}

/** One float64 PyTorch AdamW step (t is 1-based). */
function refStep(r: Ref, g: readonly number[], t: number, o: Required<Omit<AdamWOptions, 'excludeFromWeightDecay' | 'updateClipping'>>, decay: boolean): void {
  const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd } = o;
  for (let i = 0; i < r.theta.length; i++) {
    if (decay) r.theta[i] *= 1 - lr * wd;
    r.m[i] = b1 * r.m[i] + (1 - b1) * g[i];
    r.v[i] = b2 * r.v[i] + (1 - b2) * g[i] * g[i];
    const mHat = r.m[i] / (1 - b1 ** t);
    const vHat = r.v[i] / (1 - b2 ** t);
    r.theta[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}

/** Deterministic gradient of variable k at step t (both signs, varying scale). */
function grad(k: number, n: number, t: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(Math.sin(1.7 * i + 2.3 * t + k) * (0.5 + t)));
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, abs: number, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= abs, `${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

const INIT_K = [0.5, -1.25, 2, 0.75, -0.3, 1.5];
const INIT_B = [0.1, -0.2, 0.3];

/** Two variables, "<p>/kernel" [2,3] and "<p>/bias" [3]. */
function makeVars(prefix: string): { kernel: Variable; bias: Variable } {
  const p = `${prefix}_${uid++}`;
  return {
    kernel: tf.variable(tf.tensor2d(INIT_K, [2, 3]), true, `${p}/kernel`),
    bias: tf.variable(tf.tensor1d(INIT_B), true, `${p}/bias`),
  };
}

/** Runs `steps` AdamW steps with the deterministic gradients through applyGradients. */
function train(opt: Optimizer, vars: { kernel: Variable; bias: Variable }, steps: number, asArray = false): void {
  for (let t = 1; t <= steps; t++) {
    const gk = tf.tensor2d(grad(0, 6, t), [2, 3]);
    const gb = tf.tensor1d(grad(1, 3, t));
    if (asArray) {
      opt.applyGradients([
        { name: vars.kernel.name, tensor: gk },
        { name: vars.bias.name, tensor: gb },
      ]);
    } else opt.applyGradients({ [vars.kernel.name]: gk, [vars.bias.name]: gb });
    tf.dispose([gk, gb]);
  }
}

for (const backend of BACKENDS) {
  describe(`AdamW (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    const HP = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 };

    for (const [label, exclude, asArray] of [
      ['decay everywhere', [] as Array<string | RegExp>, false],
      ['excludeFromWeightDecay: ["bias"] (substring)', ['bias'], false],
      ['excludeFromWeightDecay: [/\\/bias$/] (RegExp), NamedTensor[] form', [/\/bias$/], true],
    ] as const) {
      it(`matches the float64 PyTorch AdamW over 6 steps: ${label}`, () => {
        const vars = makeVars('aw');
        const opt = adamw({ ...HP, excludeFromWeightDecay: [...exclude] });
        const before = tf.memory().numTensors;
        train(opt, vars, 6, asArray);
        const rk: Ref = { theta: [...INIT_K], m: Array(6).fill(0), v: Array(6).fill(0) };
        const rb: Ref = { theta: [...INIT_B], m: Array(3).fill(0), v: Array(3).fill(0) };
        const decayBias = exclude.length === 0;
        for (let t = 1; t <= 6; t++) {
          refStep(rk, grad(0, 6, t), t, HP, true);
          refStep(rb, grad(1, 3, t), t, HP, decayBias);
        }
        assertClose(vars.kernel.dataSync(), rk.theta, 2e-6, 'kernel');
        assertClose(vars.bias.dataSync(), rb.theta, 2e-6, 'bias');
        // the exclusion matters: with decay, the bias would be ~lr·wd·6·|θ| away
        const plain: Ref = { theta: [...INIT_B], m: Array(3).fill(0), v: Array(3).fill(0) };
        for (let t = 1; t <= 6; t++) refStep(plain, grad(1, 3, t), t, HP, !decayBias);
        assert.ok(Math.abs(plain.theta[2] - rb.theta[2]) > 1e-4, 'decay on/off is distinguishable');
        // moments: 2 per variable, created once (+ the 2 accumulated-beta scalars from the first step)
        assert.ok(tf.memory().numTensors - before <= 6);
        assert.equal(opt.iterations, 6);
        opt.dispose();
        tf.dispose([vars.kernel, vars.bias]);
      });
    }

    it('weightDecay 0 is bit-identical to tf.train.adam with the same epsilon', () => {
      const a = makeVars('aw0');
      const b = makeVars('adam');
      const opt = adamw({ learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-7, weightDecay: 0 });
      const ref = tf.train.adam(0.02, 0.8, 0.99, 1e-7);
      train(opt, a, 5);
      train(ref, b, 5);
      assert.deepEqual(Array.from(a.kernel.dataSync()), Array.from(b.kernel.dataSync()));
      assert.deepEqual(Array.from(a.bias.dataSync()), Array.from(b.bias.dataSync()));
      opt.dispose();
      ref.dispose();
      tf.dispose([a.kernel, a.bias, b.kernel, b.bias]);
    });

    it('a variable without a gradient is neither decayed nor updated (PyTorch skips grad None)', () => {
      const vars = makeVars('none');
      const opt = adamw({ learningRate: 0.1, weightDecay: 0.5 });
      const g = tf.tensor2d(grad(0, 6, 1), [2, 3]);
      opt.applyGradients({ [vars.kernel.name]: g });
      assert.deepEqual(Array.from(vars.bias.dataSync()), INIT_B.map(Math.fround));
      assert.notDeepEqual(Array.from(vars.kernel.dataSync()), INIT_K);
      g.dispose();
      opt.dispose();
      tf.dispose([vars.kernel, vars.bias]);
    });
  });
}

describe('AdamW options and serialisation (cpu)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('defaults are PyTorch\'s: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0.01', () => {
    const c = adamw().getConfig();
    assert.deepEqual(
      { lr: c.learningRate, b1: c.beta1, b2: c.beta2, eps: c.epsilon, wd: c.weightDecay, ex: c.excludeFromWeightDecay },
      { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.01, ex: [] },
    );
    assert.equal(adamw().getClassName(), 'AdamW');
  });

  it('bad options name the option and the valid interval', () => {
    const cases: Array<[AdamWOptions, RegExp]> = [
      [{ learningRate: 0 }, /^adamw: learningRate must be in \(0, Infinity\), got 0$/],
      [{ learningRate: -1 }, /^adamw: learningRate must be in \(0, Infinity\), got -1$/],
      [{ learningRate: Number.NaN }, /^adamw: learningRate must be in \(0, Infinity\), got NaN$/],
      [{ learningRate: Infinity }, /^adamw: learningRate must be in \(0, Infinity\), got Infinity$/],
      [{ learningRate: '0.1' as never }, /^adamw: learningRate must be in \(0, Infinity\), got 0\.1$/],
      [{ beta1: 1 }, /^adamw: beta1 must be in \[0, 1\), got 1$/],
      [{ beta1: -0.1 }, /^adamw: beta1 must be in \[0, 1\), got -0\.1$/],
      [{ beta2: 1 }, /^adamw: beta2 must be in \[0, 1\), got 1$/],
      [{ beta2: 1.5 }, /^adamw: beta2 must be in \[0, 1\), got 1\.5$/],
      [{ epsilon: 0 }, /^adamw: epsilon must be in \(0, Infinity\), got 0$/],
      [{ weightDecay: -0.01 }, /^adamw: weightDecay must be in \[0, Infinity\), got -0\.01$/],
      [{ weightDecay: Number.NaN }, /^adamw: weightDecay must be in \[0, Infinity\), got NaN$/],
    ];
    for (const [opts, re] of cases) {
      assert.throws(
        () => adamw(opts),
        (e: unknown) => e instanceof GradclipArgumentError && re.test(e.message),
        `${JSON.stringify(opts)} should fail with ${re}`,
      );
    }
    // boundaries that are valid
    assert.ok(adamw({ beta1: 0, beta2: 0, weightDecay: 0 }));
  });

  it('getConfig/fromConfig round trip (through the serialization registry), RegExp patterns included', () => {
    const opt = adamw({ learningRate: 0.003, beta1: 0.85, beta2: 0.95, epsilon: 1e-6, weightDecay: 0.2, excludeFromWeightDecay: ['bias', /layer_norm\/(gamma|beta)$/i] });
    const entry = tf.serialization.SerializationMap.getMap().classNameMap.AdamW;
    assert.ok(entry, 'AdamW is registered');
    const [cls, fromConfig] = entry;
    const back = fromConfig(cls, opt.getConfig()) as unknown as AdamW;
    assert.ok(back instanceof AdamW);
    assert.deepEqual(back.getConfig(), opt.getConfig());
    assert.equal(back.weightDecay, 0.2);
    assert.equal(back.excludeFromWeightDecay[0], 'bias');
    const re = back.excludeFromWeightDecay[1];
    assert.ok(re instanceof RegExp);
    assert.equal(re.source, 'layer_norm\\/(gamma|beta)$');
    assert.equal(re.flags, 'i');
  });

  it('getWeights/setWeights: a fresh AdamW continues bit-identically', async () => {
    const a = makeVars('gwA');
    const b = makeVars('gwB');
    const o1 = adamw({ learningRate: 0.01, weightDecay: 0.1, excludeFromWeightDecay: ['bias'] });
    train(o1, a, 3);
    b.kernel.assign(a.kernel);
    b.bias.assign(a.bias);
    const o2 = adamw({ learningRate: 0.01, weightDecay: 0.1, excludeFromWeightDecay: ['bias'] });
    // setWeights matches moments by order, so the second optimizer gets b's names in the same order
    await o2.setWeights(await o1.getWeights());
    assert.equal(o2.iterations, 3);
    for (let t = 4; t <= 6; t++) {
      for (const [opt, v] of [[o1, a], [o2, b]] as const) {
        const gk = tf.tensor2d(grad(0, 6, t), [2, 3]);
        const gb = tf.tensor1d(grad(1, 3, t));
        opt.applyGradients({ [v.kernel.name]: gk, [v.bias.name]: gb });
        tf.dispose([gk, gb]);
      }
    }
    // only the accumulated beta powers are recomputed by TF.js's Adam.setWeights (pow vs products)
    assertClose(b.kernel.dataSync(), a.kernel.dataSync(), 1e-6, 'kernel');
    assertClose(b.bias.dataSync(), a.bias.dataSync(), 1e-6, 'bias');
    o1.dispose();
    o2.dispose();
    tf.dispose([a.kernel, a.bias, b.kernel, b.bias]);
  });

  it('model.save / tf.loadLayersModel keeps every option, underscores in names included', async () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ name: 'body_layer', units: 3, inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }));
    model.add(tf.layers.dense({ name: 'head_out', units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }));
    const opt = adamw({ learningRate: 0.01, weightDecay: 0.3, excludeFromWeightDecay: ['head_out', /body_layer\/bias/] });
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const xs = tf.tensor2d([1, 2, -1, 0.5, 0.3, -2, 1.5, 1], [4, 2]);
    const ys = tf.tensor2d([1, -1, 2, 0.5], [4, 1]);
    await model.fit(xs, ys, { batchSize: 2, epochs: 1, shuffle: false, verbose: 0 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { includeOptimizer: true },
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const lopt = loaded.optimizer as unknown as AdamW;
    assert.ok(lopt instanceof AdamW);
    assert.equal(lopt.iterations, 2);
    assert.deepEqual(lopt.getConfig(), opt.getConfig());
    assert.deepEqual(
      lopt.excludeFromWeightDecay.map((p) => String(p)),
      ['head_out', '/body_layer\\/bias/'],
      'exclusion patterns survive tfjs-layers\' snake_case → camelCase conversion of the training config',
    );
    // and training continues the same way (up to TF.js Adam's pow-vs-products last bits)
    await model.fit(xs, ys, { batchSize: 2, epochs: 2, shuffle: false, verbose: 0 });
    await loaded.fit(xs, ys, { batchSize: 2, epochs: 2, shuffle: false, verbose: 0 });
    const wa = model.getWeights().map((w) => w.dataSync());
    const wb = loaded.getWeights().map((w) => w.dataSync());
    wa.forEach((w, i) => assertClose(wb[i], w, 2e-6, `weight ${i}`));
    tf.dispose([xs, ys] as Tensor[]);
    model.dispose();
    loaded.dispose();
  });
});

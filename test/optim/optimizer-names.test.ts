/**
 * `withClipping(name, ...)` / `withTransforms(name, ...)` accept the optimizer
 * names of tfjs-layers' `model.compile({optimizer: name})`:
 *
 * - each name builds the optimizer class and hyperparameters (`getConfig`)
 *   that tfjs-layers' `getOptimizer` builds (read back from a model compiled
 *   with the string);
 * - training with a clip that never binds equals training the
 *   string-compiled model, weight for weight, on cpu and wasm;
 * - unknown names throw a GradclipArgumentError that lists the valid names
 *   (with a hint for AdamW and for a different capitalisation), and an
 *   optimizer built from a name is not leaked when the wrapper then fails.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LayersModel, Optimizer, Tensor } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { GradclipArgumentError, transforms, withClipping, withTransforms, type OptimizerName } from 'gradclip';
import { OPTIMIZER_NAMES } from '../../packages/gradclip/src/optim/optimizer-names.js';

/** Every name tfjs-layers 4.22's `getOptimizer` accepts (tfjs-layers/src/optimizers.ts). */
const LAYERS_NAMES = ['Adagrad', 'Adadelta', 'Adam', 'Adamax', 'RMSProp', 'SGD', 'adagrad', 'adadelta', 'adam', 'adamax', 'rmsprop', 'sgd'] as const;

function model(seed: number): LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 5, inputShape: [3], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  return m;
}

/** What tfjs-layers builds for `model.compile({optimizer: name})`. */
function layersOptimizer(name: string): Optimizer {
  const m = model(1);
  m.compile({ optimizer: name, loss: 'meanSquaredError' });
  return m.optimizer;
}

describe('optimizer names', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('are exactly the names tfjs-layers accepts', () => {
    assert.deepEqual([...OPTIMIZER_NAMES].sort(), [...LAYERS_NAMES].sort());
    // tfjs-layers really accepts each, and nothing spelled otherwise.
    for (const n of LAYERS_NAMES) assert.ok(layersOptimizer(n) instanceof tf.Optimizer, n);
    assert.throws(() => layersOptimizer('RMSprop'), /Unknown Optimizer RMSprop/);
  });

  it('each name gives the class and hyperparameters of tfjs-layers getOptimizer', () => {
    for (const n of OPTIMIZER_NAMES) {
      const ref = layersOptimizer(n);
      for (const wrapped of [withClipping(n, { globalClipnorm: 1 }), withTransforms(n, transforms.clipByValue(1))]) {
        const inner = wrapped.inner;
        assert.equal(inner.constructor, ref.constructor, `${n}: class`);
        assert.equal(inner.getClassName(), ref.getClassName(), `${n}: class name`);
        assert.deepEqual(inner.getConfig(), ref.getConfig(), `${n}: config`);
        assert.notEqual(inner, ref);
        wrapped.dispose();
      }
    }
    // The defaults, spelled out (ε = the cpu backend's 1e-7).
    const cfg = (n: OptimizerName): Record<string, unknown> => withClipping(n, { clipvalue: 1 }).inner.getConfig() as Record<string, unknown>;
    assert.deepEqual(cfg('sgd'), { learningRate: 0.01 });
    assert.deepEqual(cfg('adam'), { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    assert.deepEqual(cfg('RMSProp'), { learningRate: 0.001, decay: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
    assert.deepEqual(cfg('adagrad'), { learningRate: 0.01, initialAccumulatorValue: 0.1 });
    assert.deepEqual(cfg('Adadelta'), { learningRate: 1, rho: 0.95, epsilon: 1e-7 });
    assert.deepEqual(cfg('adamax'), { learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 });
  });

  it('every call builds a new optimizer', () => {
    const a = withClipping('adam', { clipnorm: 1 });
    const b = withClipping('adam', { clipnorm: 1 });
    assert.notEqual(a.inner, b.inner);
    a.dispose();
    b.dispose();
  });

  it('unknown names throw a GradclipArgumentError listing the valid names', () => {
    const valid = '"sgd", "SGD", "adam", "Adam", "adagrad", "Adagrad", "adadelta", "Adadelta", "adamax", "Adamax", "rmsprop", "RMSProp"';
    const cases: [string, string, string][] = [
      ['withClipping', 'momentum', ''],
      ['withTransforms', 'toString', ''], // not inherited from Object.prototype
      ['withClipping', '', ''],
      ['withClipping', 'adamw', '; AdamW has no name in tfjs-layers: pass adamw({learningRate, weightDecay}) instead'],
      ['withTransforms', 'AdamW', '; AdamW has no name in tfjs-layers: pass adamw({learningRate, weightDecay}) instead'],
      ['withClipping', 'RMSprop', '; did you mean "rmsprop"?'],
      ['withTransforms', 'ADAM', '; did you mean "adam"?'],
    ];
    for (const [fn, name, hint] of cases) {
      const call = (): unknown =>
        fn === 'withClipping' ? withClipping(name as OptimizerName, { clipnorm: 1 }) : withTransforms(name as OptimizerName, transforms.clipByValue(1));
      assert.throws(call, (e: unknown) => {
        assert.ok(e instanceof GradclipArgumentError, String(e));
        assert.equal(
          e.message,
          `${fn}: unknown optimizer name ${JSON.stringify(name)}; valid names (those of tfjs-layers' model.compile) are ${valid}, or pass a tf.Optimizer such as tf.train.adam(1e-3)${hint}`,
        );
        return true;
      });
    }
    assert.throws(() => withClipping(null as never, { clipnorm: 1 }), {
      name: 'GradclipArgumentError',
      message: 'withClipping: optimizer must be a tf.Optimizer (for example tf.train.adam(1e-3)) or an optimizer name such as "adam", got null',
    });
    assert.throws(() => withTransforms(42 as never, transforms.clipByValue(1)), /^GradclipArgumentError: withTransforms: optimizer must be .* got number$/);
  });

  it('the option check runs first, and a name-built optimizer is disposed when the wrapper fails', () => {
    const before = tf.memory();
    assert.throws(() => withClipping('adamw' as never, { clipnorm: -1 }), /^GradclipArgumentError: withClipping: clipnorm must be > 0/);
    assert.throws(() => withTransforms('adam', {} as never), /withTransforms: transform must be a GradientTransformation/);
    assert.throws(() => withClipping('adam', { clipnorm: 1 }, { statsBuffer: 0 }), /statsBuffer must be an integer >= 1/);
    const after = tf.memory();
    assert.equal(after.numTensors, before.numTensors);
  });

  it('type: only the names are accepted by the compiler', () => {
    // @ts-expect-error 'adamw' is not an OptimizerName
    assert.throws(() => withClipping('adamw', { clipnorm: 1 }));
    const s: string = 'adam';
    // @ts-expect-error a plain string is not an OptimizerName
    withClipping(s, { clipnorm: 1 }).dispose();
  });
});

for (const backend of BACKENDS) {
  describe(`training from a name equals the string-compiled model (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    for (const name of ['sgd', 'Adam', 'adagrad', 'adadelta', 'adamax', 'rmsprop'] as const) {
      it(`${name}: three fit steps, clip never binds`, async () => {
        const xs = tf.randomNormal([8, 3], 0, 1, 'float32', 11);
        const ys = tf.randomNormal([8, 1], 0, 1, 'float32', 12);
        const ref = model(7);
        const ours = model(7);
        ours.setWeights(ref.getWeights());
        const initial = ref.getWeights().map((w: Tensor) => Array.from(w.dataSync()));
        ref.compile({ optimizer: name, loss: 'meanSquaredError' });
        const opt = withClipping(name, { globalClipnorm: 1e6 });
        ours.compile({ optimizer: opt, loss: 'meanSquaredError' });
        await ref.fit(xs, ys, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
        await ours.fit(xs, ys, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
        assert.equal(opt.steps, 3);
        assert.equal(opt.lastStats()?.clipped, false);
        const a = ref.getWeights().map((w: Tensor) => Array.from(w.dataSync()));
        const b = ours.getWeights().map((w: Tensor) => Array.from(w.dataSync()));
        assert.deepEqual(b, a);
        assert.notDeepEqual(a, initial, 'the weights moved');
        tf.dispose([xs, ys]);
        ref.dispose();
        ours.dispose();
        opt.dispose();
      });
    }
  });
}

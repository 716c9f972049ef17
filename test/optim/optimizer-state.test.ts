/**
 * Optimizer save/restore for `model.fit` users (issue 13, point 2):
 * `saveOptimizerState` / `loadOptimizerState` (browser-safe) and
 * `gradclip/node`'s `saveOptimizer` / `loadOptimizer` (a folder, written
 * atomically). Train N steps with `model.fit`, save, restore into a fresh
 * optimizer around a fresh model with the same weights, continue M steps:
 * bit-identical to N + M uninterrupted steps (weights and StepStats), on cpu
 * and wasm, for Adam with `chain(accumulate(3), zClip(...))` stopped inside
 * an open accumulation window, AdamW with an AutoClip history, and
 * `withRecovery(withClipping(rmsprop))`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Optimizer, Sequential, Tensor } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import {
  adamw,
  GradclipArgumentError,
  loadOptimizerState,
  RecoveringOptimizer,
  saveOptimizerState,
  transforms,
  TransformingOptimizer,
  withClipping,
  withRecovery,
  withTransforms,
  type StepStats,
} from 'gradclip';
import { loadOptimizer, saveOptimizer } from 'gradclip/node';

type GradclipOpt = TransformingOptimizer | RecoveringOptimizer;

const CONFIGS: Record<string, () => GradclipOpt> = {
  'adam + chain(accumulate(3), zClip)': () =>
    withTransforms(tf.train.adam(0.02), transforms.chain(transforms.accumulate(3), transforms.zClip({ warmupSteps: 2 })), { statsBuffer: 100 }),
  'adamw + autoClip': () => withTransforms(adamw({ learningRate: 0.02, weightDecay: 0.1 }), transforms.autoClip({ percentile: 25 }), { statsBuffer: 100 }),
  'withRecovery(withClipping(rmsprop))': () =>
    withRecovery(withClipping(tf.train.rmsprop(0.01), { globalClipnorm: 0.5 }, { statsBuffer: 100 }), { on: ['nonfinite', 'gradSpike'], minHistory: 2 }),
  // every other TF.js optimizer's slots (read directly, so Adamax's iteration variable and the centred RMSProp's mean gradients too)
  'sgd + clipByValue': () => withTransforms(tf.train.sgd(0.05), transforms.clipByValue(0.5), { statsBuffer: 100 }),
  'momentum (nesterov) + monitor': () => withTransforms(tf.train.momentum(0.05, 0.9, true), transforms.monitor(), { statsBuffer: 100 }),
  'adagrad + monitor': () => withTransforms(tf.train.adagrad(0.05), transforms.monitor(), { statsBuffer: 100 }),
  'adadelta + monitor': () => withTransforms(tf.train.adadelta(1, 0.95, 1e-6), transforms.monitor(), { statsBuffer: 100 }),
  'adamax + monitor': () => withTransforms(tf.train.adamax(0.01), transforms.monitor(), { statsBuffer: 100 }),
  'centred rmsprop + monitor': () => withTransforms(tf.train.rmsprop(0.01, 0.9, 0.1, 1e-7, true), transforms.monitor(), { statsBuffer: 100 }),
};

const B = 4;
const N = 4; // stops inside an accumulate(3) window (one micro-batch in)
const M = 5;

function model(): Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 6, inputShape: [3], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 41 }) }));
  m.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 42 }) }));
  return m;
}

function data(from: number, batches: number): { xs: Tensor; ys: Tensor } {
  const n = batches * B;
  const x = Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(0.61 * (i + from * B * 3) + 0.2));
  const y = Float32Array.from({ length: n }, (_, i) => 3 * Math.cos(0.83 * (i + from * B)));
  return { xs: tf.tensor2d(x, [n, 3]), ys: tf.tensor2d(y, [n, 1]) };
}

async function fit(m: Sequential, from: number, batches: number): Promise<void> {
  const { xs, ys } = data(from, batches);
  await m.fit(xs, ys, { batchSize: B, epochs: 1, shuffle: false, verbose: 0 });
  tf.dispose([xs, ys]);
}

function weights(m: Sequential): number[][] {
  return m.getWeights().map((w) => Array.from(w.dataSync()));
}

/** The statistics without wall-clock times, per-layer norms in layer order (the two models' variables have different names). */
function stats(opt: GradclipOpt): Array<Omit<StepStats, 'layerNorms'> & { layerNorms?: number[] }> {
  return opt.drainStatsSync().map((s) => ({ ...s, time: undefined, layerNorms: s.layerNorms ? Object.values(s.layerNorms) : undefined }));
}

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradclip-optstate-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const backend of BACKENDS) {
  describe(`optimizer state save/restore (${backend})`, () => {
    before(() => useBackend(backend));
    for (const [label, make] of Object.entries(CONFIGS)) {
      for (const via of ['memory', 'files'] as const) {
        it(`${label}, ${via}: N steps + save + restore + M steps equals N + M steps, bit for bit`, async () => {
          const start = tf.memory().numTensors;
          // uninterrupted
          const ref = model();
          const refOpt = make();
          ref.compile({ optimizer: refOpt, loss: 'meanSquaredError' });
          await fit(ref, 0, N);
          await fit(ref, N, M);
          const refStats = stats(refOpt).slice(N);

          // N steps, save
          const a = model();
          const aOpt = make();
          a.compile({ optimizer: aOpt, loss: 'meanSquaredError' });
          await fit(a, 0, N);
          const folder = join(dir, `${backend}-${label.replace(/\W+/g, '_')}`);
          const saved = via === 'memory' ? saveOptimizerState(aOpt) : null;
          if (via === 'files') await saveOptimizer(aOpt, folder);

          // a fresh model with the same weights, a fresh optimizer, restore, M steps
          const b = model();
          b.setWeights(a.getWeights());
          const bOpt = make();
          b.compile({ optimizer: bOpt, loss: 'meanSquaredError' });
          // a second model in this process has new variable names (accumulate's open window is keyed by them)
          const variableNames = Object.fromEntries(a.trainableWeights.map((w, i) => [w.name, b.trainableWeights[i].name]));
          if (saved !== null) {
            loadOptimizerState(bOpt, saved, { variableNames });
            tf.dispose(saved.tensors.map((t) => t.tensor));
          } else {
            await loadOptimizer(bOpt, folder, { variableNames });
            assert.deepEqual(readdirSync(folder).sort(), ['optimizer-state.bin', 'optimizer-state.json'], 'no temporary file left');
          }
          aOpt.dispose();
          a.dispose();
          await fit(b, N, M);
          assert.deepEqual(weights(b), weights(ref));
          assert.deepEqual(stats(bOpt), refStats);
          assert.equal(bOpt.steps, refOpt.steps);
          assert.equal(bOpt.iterations, refOpt.iterations);
          b.dispose();
          bOpt.dispose();
          ref.dispose();
          refOpt.dispose();
          // tf.train.momentum's dispose leaks its learning-rate scalar (MomentumOptimizer.dispose skips SGD's): 1 per instance
          assert.equal(tf.memory().numTensors, start + (label.startsWith('momentum') ? 3 : 0), 'no tensor left');
        });
      }
    }
  });
}

describe('optimizer state: arguments', () => {
  before(() => useBackend('cpu'));
  it('a plain optimizer, a bad pair, a different build', async () => {
    const plain: Optimizer = tf.train.sgd(0.1);
    assert.throws(() => saveOptimizerState(plain as never), (e: unknown) => e instanceof GradclipArgumentError && /saveOptimizerState: optimizer must be a gradclip optimizer/.test((e as Error).message));
    const opt = withClipping(tf.train.adam(0.1), { globalClipnorm: 1 });
    assert.throws(() => loadOptimizerState(opt, { json: '{}', tensors: [] }), /loadOptimizerState: saved is not a state written by saveOptimizerState/);
    assert.throws(() => loadOptimizerState(opt, null as never), /loadOptimizerState: saved must be the \{json, tensors\} pair/);
    const other = withClipping(tf.train.sgd(0.1), { globalClipnorm: 1 });
    const saved = saveOptimizerState(other);
    assert.throws(() => loadOptimizerState(opt, saved), /loadOptimizerState: the state was saved from SGD at optimizer\.inner but the optimizer has Adam there/);
    tf.dispose(saved.tensors.map((t) => t.tensor));
    await assert.rejects(loadOptimizer(opt, join(dir, 'missing')), (e: unknown) => e instanceof GradclipArgumentError && /loadOptimizer: cannot read optimizer-state\.json/.test((e as Error).message));
    assert.ok(!existsSync(join(dir, 'missing')));
    opt.dispose();
    other.dispose();
    plain.dispose();
  });
});

/** data(from, batches) with a NaN input in each batch whose global index is in `nan`. */
function dataWithNaN(from: number, batches: number, nan: ReadonlySet<number>): { xs: Tensor; ys: Tensor } {
  const { xs, ys } = data(from, batches);
  const x = xs.dataSync().slice();
  for (let k = 0; k < batches; k++) if (nan.has(from + k)) x[k * B * 3 + 1] = Number.NaN;
  xs.dispose();
  return { xs: tf.tensor2d(x, [batches * B, 3]), ys };
}

async function fitNaN(m: Sequential, from: number, batches: number, nan: ReadonlySet<number>): Promise<void> {
  const { xs, ys } = dataWithNaN(from, batches, nan);
  await m.fit(xs, ys, { batchSize: B, epochs: 1, shuffle: false, verbose: 0 });
  tf.dispose([xs, ys]);
}

for (const backend of BACKENDS) {
  describe(`withRecovery's snapshots survive save/restore (${backend})`, () => {
    before(() => useBackend(backend));
    const make = (): RecoveringOptimizer =>
      withRecovery(withClipping(tf.train.sgd(0.05), { globalClipnorm: 0.5 }, { statsBuffer: 100 }), { snapshotEvery: 3, keep: 2, lrFactor: 0.5 });
    const cases: Array<[string, number[], number]> = [
      // saved after step 4 (snapshots after steps 0 and 3); step 6 rolls back to the one after step 3, saved before the stop
      ['a rollback after the restore goes to a snapshot taken before the save', [5], 4],
      // step 4 rolls back and the state is saved right then; step 5 fails again and falls back one snapshot further
      ['saved right after a rollback: the repeat trigger falls back further, as uninterrupted', [3, 4], 4],
    ];
    for (const [label, nanBatches, n] of cases) {
      it(label, async () => {
        const nan = new Set(nanBatches);
        const start = tf.memory().numTensors;
        const ref = model();
        const refOpt = make();
        ref.compile({ optimizer: refOpt, loss: 'meanSquaredError' });
        await fitNaN(ref, 0, 10, nan);
        const refStats = stats(refOpt).slice(n);
        assert.ok(refStats.some((s) => s.recovered !== undefined), 'the uninterrupted run rolls back after the save point');

        const a = model();
        const aOpt = make();
        a.compile({ optimizer: aOpt, loss: 'meanSquaredError' });
        await fitNaN(a, 0, n, nan);
        const saved = saveOptimizerState(aOpt);
        const b = model();
        b.setWeights(a.getWeights());
        const bOpt = make();
        b.compile({ optimizer: bOpt, loss: 'meanSquaredError' });
        const variableNames = Object.fromEntries(a.trainableWeights.map((w, i) => [w.name, b.trainableWeights[i].name]));
        loadOptimizerState(bOpt, saved, { variableNames });
        tf.dispose(saved.tensors.map((t) => t.tensor));
        aOpt.dispose();
        a.dispose();
        assert.equal(bOpt.snapshotCount, 2, 'both snapshots restored');
        await fitNaN(b, n, 10 - n, nan);
        assert.deepEqual(weights(b), weights(ref));
        assert.deepEqual(stats(bOpt), refStats);
        assert.equal(bOpt.recoveries, refOpt.recoveries);
        assert.equal(bOpt.lostSteps, refOpt.lostSteps);
        assert.equal(bOpt.learningRate, refOpt.learningRate);
        b.dispose();
        bOpt.dispose();
        ref.dispose();
        refOpt.dispose();
        assert.equal(tf.memory().numTensors, start, 'no tensor left (the restored snapshots freed by dispose)');
      });
    }
  });
}

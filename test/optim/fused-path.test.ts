// "This transform is a plain global-norm clip the optimizer may fuse" is the
// explicit `fusableClip` field of the transform contract, forwarded by chain()
// when the members before the clip only measure. The CLI's `norm:1` and
// chain(monitor(), clipByGlobalNorm(1)) must take the wrapper's fused path (the
// transform's own update never runs), and give exactly what the slow path gives:
// the same transform with `fusableClip` removed.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, BACKENDS } from '../helpers/backends.js';
import { transforms, withTransforms, type GradientTransformation, type StepStats } from 'gradclip';
import { clipTransform, parseClipSpec } from '../../packages/cli/src/train/clip-spec.js';
import { rng } from '../helpers/rng.js';

const { chain, monitor, clipByGlobalNorm, clipByValue, skipNonFinite } = transforms;

describe('fusableClip: which transforms declare it', () => {
  it('the bare clip, a chain of it, monitor() before it, nested chains, and the CLI spec norm:1', () => {
    const cases: Array<[string, GradientTransformation]> = [
      ['clipByGlobalNorm(1)', clipByGlobalNorm(1)],
      ['chain(clip)', chain(clipByGlobalNorm(1))],
      ['chain(monitor(), clip)', chain(monitor(), clipByGlobalNorm(1))],
      ['chain(monitor({layerNorms: false}), clip)', chain(monitor({ layerNorms: false }), clipByGlobalNorm(1))],
      ['chain(monitor(), chain(monitor(), clip))', chain(monitor(), chain(monitor(), clipByGlobalNorm(1)))],
      ['CLI norm:1', clipTransform(parseClipSpec('norm:1'))],
    ];
    for (const [label, t] of cases) {
      assert.ok(t.fusableClip, `${label} should declare fusableClip`);
      assert.equal(t.fusableClip.maxNorm, 1, label);
      assert.equal(t.fusableClip.rule, 'optax', label);
    }
    assert.equal(clipByGlobalNorm(2, { rule: 'torch' }).fusableClip?.rule, 'torch');
  });

  it('is not declared when a member changes the gradients or could skip, or a measurement follows the clip', () => {
    const cases: Array<[string, GradientTransformation]> = [
      ['chain(clip, monitor())', chain(clipByGlobalNorm(1), monitor())],
      ['chain(skipNonFinite(), clip)', chain(skipNonFinite(), clipByGlobalNorm(1))],
      ['chain(monitor(), clipByValue)', chain(monitor(), clipByValue(1))],
      ['monitor()', monitor()],
      ['CLI norm:1 with --skip-non-finite', clipTransform(parseClipSpec('norm:1'), { skipNonFinite: true })],
      ['CLI value:1', clipTransform(parseClipSpec('value:1'))],
    ];
    for (const [label, t] of cases) assert.equal(t.fusableClip, undefined, label);
  });
});

/** `t` with a counter on `update`; `fusable: false` drops `fusableClip` (the slow path). */
function counted(t: GradientTransformation, fusable: boolean): { t: GradientTransformation; calls: () => number } {
  let n = 0;
  const wrapped: GradientTransformation = {
    name: t.name,
    init: (p) => t.init(p),
    update: (u, s, p) => {
      n++;
      return t.update(u, s, p);
    },
    ...(fusable && t.fusableClip ? { fusableClip: t.fusableClip } : {}),
  };
  return { t: wrapped, calls: () => n };
}

interface Run {
  weights: Float32Array[];
  stats: StepStats[];
  updateCalls: number;
  innerApplyCalls: number;
}

/** A small MLP trained for `steps` with forward passes between steps, through minimize (as model.fit does) or applyGradients. */
function train(make: () => GradientTransformation, fusable: boolean, via: 'minimize' | 'applyGradients', steps = 6): Run {
  const r = rng(7);
  const id = `fp`; // the same names in every run (each run disposes its variables), so layer-norm keys compare
  const w1 = tf.variable(tf.tensor2d(Float32Array.from({ length: 12 }, () => r() * 2 - 1), [4, 3]), true, `${id}/w1`);
  const b1 = tf.variable(tf.zeros([3]), true, `${id}/b1`);
  const w2 = tf.variable(tf.tensor2d(Float32Array.from({ length: 3 }, () => r() * 2 - 1), [3, 1]), true, `${id}/w2`);
  const vars = [w1, b1, w2];
  const inner = tf.train.adam(0.05);
  let innerApplyCalls = 0;
  const apply = inner.applyGradients.bind(inner);
  inner.applyGradients = (g) => {
    innerApplyCalls++;
    apply(g);
  };
  const { t, calls } = counted(make(), fusable);
  const opt = withTransforms(inner, t, { statsBuffer: steps });
  const loss = (k: number): tf.Scalar => {
    const x = tf.tensor2d(Float32Array.from({ length: 32 }, (_, i) => Math.sin(i * 0.7 + k) * (k % 2 ? 3 : 0.01)), [8, 4]);
    const y = tf.tensor2d(Float32Array.from({ length: 8 }, (_, i) => Math.cos(i + k) * (k % 2 ? 20 : 0.01)), [8, 1]);
    return tf.losses.meanSquaredError(y, tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2)) as tf.Scalar;
  };
  for (let k = 0; k < steps; k++) {
    if (via === 'minimize') {
      opt.minimize(() => loss(k));
    } else {
      const { grads, value } = tf.variableGrads(() => loss(k), vars);
      opt.applyGradients(grads);
      tf.dispose(grads);
      value.dispose();
    }
  }
  const stats = opt.drainStatsSync();
  const weights = vars.map((v) => Float32Array.from(v.dataSync()));
  opt.dispose();
  tf.dispose(vars);
  return { weights, stats, updateCalls: calls(), innerApplyCalls };
}

for (const backend of BACKENDS) {
  describe(`fused path taken and exact on ${backend}`, () => {
    before(() => useBackend(backend));
    const makers: Array<[string, () => GradientTransformation]> = [
      ['CLI norm:1', () => clipTransform(parseClipSpec('norm:1'))],
      ['chain(monitor(), clipByGlobalNorm(1))', () => chain(monitor(), clipByGlobalNorm(1))],
      ['chain(monitor({layerNorms: false}), clipByGlobalNorm(1))', () => chain(monitor({ layerNorms: false }), clipByGlobalNorm(1))],
    ];
    for (const [label, make] of makers) {
      for (const via of ['minimize', 'applyGradients'] as const) {
        // cpu fuses only gradients it owns (minimize: scaled in place); wasm folds the clip into Adam's update.
        const expectFast = backend === 'wasm' || via === 'minimize';
        it(`${label} via ${via}: ${expectFast ? 'fused' : 'slow'} path, identical to the slow path`, () => {
          // tf.train.adam itself leaves one tensor per variable after dispose(): compare the two paths' counts
          const n0 = tf.memory().numTensors;
          const fast = train(make, true, via);
          const n1 = tf.memory().numTensors;
          const slow = train(make, false, via);
          assert.equal(n1 - n0, tf.memory().numTensors - n1, 'the fused path leaves exactly what the slow path leaves');
          assert.equal(slow.updateCalls, 6);
          assert.equal(fast.updateCalls, expectFast ? 0 : 6, 'transform.update calls on the fusable transform');
          if (backend === 'wasm') assert.equal(fast.innerApplyCalls, 0, 'the fused Adam update replaces applyGradients');
          assert.ok(fast.stats.some((s) => s.clipped) && fast.stats.some((s) => !s.clipped), 'the clip binds on some steps only');
          fast.weights.forEach((w, i) => assert.deepEqual(w, slow.weights[i], `weights of variable ${i}`));
          assert.deepEqual(fast.stats, slow.stats, 'StepStats (pre/post norm, coefficient, clipped, loss, layer norms)');
        });
      }
    }
  });
}

describe('the fused SGD step applies the rate TF.js SGD applies (wasm)', () => {
  before(async () => {
    await useBackend('wasm');
  });
  /** Four SGD steps on a small quadratic with forward passes between; `setRate` changes the rate before step 3. */
  function sgdRun(wrapped: boolean, setRate: (o: tf.SGDOptimizer) => void): Float32Array {
    const w = tf.variable(tf.tensor1d([1, -2, 3, 0.5]), true, 'fsr/w');
    const inner = tf.train.sgd(0.1);
    const opt = wrapped ? withTransforms(inner, clipByGlobalNorm(1e6)) : inner;
    for (let i = 0; i < 4; i++) {
      if (i === 2) setRate(inner);
      opt.minimize(() => tf.sum(tf.square(tf.mul(w, tf.scalar(1.5)))) as tf.Scalar, false, [w]);
    }
    const out = w.dataSync().slice();
    w.dispose();
    opt.dispose();
    if (wrapped) inner.dispose();
    return out;
  }
  it('setLearningRate changes both; an assignment to the learningRate field changes neither (TF.js reads its scalar c)', () => {
    const viaSetter = (o: tf.SGDOptimizer): void => o.setLearningRate(0.02);
    const viaField = (o: tf.SGDOptimizer): void => {
      (o as unknown as { learningRate: number }).learningRate = 0.02;
    };
    assert.deepEqual(sgdRun(true, viaSetter), sgdRun(false, viaSetter));
    assert.deepEqual(sgdRun(true, viaField), sgdRun(false, viaField));
    assert.notDeepEqual(sgdRun(false, viaSetter), sgdRun(false, viaField), 'the two ways differ in TF.js itself');
  });
});

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { adaptiveGradClip, autoClip, zClip } from '../../packages/gradclip/src/transforms/adaptive/index.js';
import { skipNonFinite, skipSpikes } from '../../packages/gradclip/src/transforms/guards/index.js';
import { monitor } from '../../packages/gradclip/src/transforms/monitor.js';
import { chain } from '../../packages/gradclip/src/transforms/chain.js';
import { transformFromSpec } from '../../packages/gradclip/src/transforms/registry.js';
import { withTransforms } from 'gradclip';

describe('adaptive transforms inside withTransforms (cpu)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('AGC receives the variables as params: w <- w - lr * clipped(grad)', () => {
    // loss = Σ w ⊙ C, so the gradient is exactly C.
    // w = [[3, 0], [4, 1]] (unit norms 5 and 1), C = [[6, 0.01], [8, 0]] (unit norms 10 and 0.01)
    // clipping 0.1: max = [0.5, 0.1]; unit 0: 10 > 0.5 -> C * 0.05 = (0.3, 0.4); unit 1: 0.01 < 0.1 -> unchanged
    const w = tf.variable(tf.tensor2d([[3, 0], [4, 1]]), true, 'agc_w');
    const C = tf.tensor2d([[6, 0.01], [8, 0]]);
    const opt = withTransforms(tf.train.sgd(1), adaptiveGradClip({ clipping: 0.1 }));
    opt.minimize(() => tf.sum(tf.mul(w, C)) as tf.Scalar, false, [w]);
    const got = w.dataSync();
    const expected = [3 - 0.3, 0 - 0.01, 4 - 0.4, 1 - 0];
    expected.forEach((e, i) => assert.ok(Math.abs(got[i] - e) < 1e-6, `w[${i}] ${got[i]} vs ${e}`));
    const s = opt.lastStats()!;
    assert.equal(s.clipped, true);
    assert.ok(Math.abs(s.preClipNorm! - Math.sqrt(100 + 0.0001)) < 1e-5);
    tf.dispose([w, C]);
    opt.dispose();
  });

  it('a saved transform state restores exactly: 3 + 3 steps equal 6 uninterrupted steps', () => {
    const t = () => chain(monitor(), skipNonFinite(), zClip({ warmupSteps: 2, alpha: 0.8 }), autoClip({ percentile: 50 }));
    const targets = [1, -2, 30, 0.5, -40, 3].map((k) => tf.tensor1d([k, 2 * k]));
    const train = (opt: ReturnType<typeof withTransforms>, w: tf.Variable, from: number, to: number) => {
      for (let i = from; i < to; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(w, targets[i]))) as tf.Scalar, false, [w]);
    };
    const wa = tf.variable(tf.tensor1d([0, 0]), true, 'restore_a');
    const a = withTransforms(tf.train.sgd(0.1), t());
    train(a, wa, 0, 6);

    const wb = tf.variable(tf.tensor1d([0, 0]), true, 'restore_b');
    const b1 = withTransforms(tf.train.sgd(0.1), t());
    train(b1, wb, 0, 3);
    const saved = JSON.stringify(b1.getTransformState());
    const b2 = withTransforms(tf.train.sgd(0.1), t());
    b2.setTransformState(JSON.parse(saved));
    train(b2, wb, 3, 6);
    assert.deepEqual(Array.from(wb.dataSync()), Array.from(wa.dataSync()));
    assert.deepEqual(b2.getTransformState(), a.getTransformState());
    tf.dispose([wa, wb, ...targets]);
    [a, b1, b2].forEach((o) => o.dispose());
  });

  it('every transform has a JSON spec that rebuilds it (for model.save)', () => {
    const all = [
      autoClip({ percentile: 25, history: 5 }),
      autoClip(),
      zClip({ alpha: 0.9, zThresh: 3, warmupSteps: 4, maxGradNorm: 2 }),
      adaptiveGradClip({ clipping: 0.02, exclude: ['head/kernel'] }),
      skipNonFinite({ maxConsecutive: 3 }),
      skipSpikes({ window: 32, sigma: 5, minHistory: 8 }),
      monitor({ layerNorms: false }),
    ];
    for (const t of all) {
      assert.ok(t.spec, `${t.name} has a spec`);
      const rebuilt = transformFromSpec(JSON.parse(JSON.stringify(t.spec)));
      assert.equal(rebuilt.name, t.name);
      assert.deepEqual(rebuilt.spec, t.spec);
    }
    // a predicate cannot be saved: no spec
    assert.equal(adaptiveGradClip({ exclude: (n) => n === 'x' }).spec, undefined);
  });
});

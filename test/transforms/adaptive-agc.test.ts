import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, useBackend, BACKENDS } from '../helpers/backends.js';
import { adaptiveGradClip, type AdaptiveGradClipState } from '../../packages/gradclip/src/transforms/adaptive/index.js';
import { disposeInfo } from '../helpers/transforms.js';

function closeArr(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6, msg = ''): void {
  assert.equal(actual.length, expected.length, `${msg} length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * Math.max(1e-3, Math.abs(expected[i])),
      `${msg}[${i}]: expected ${expected[i]}, got ${actual[i]}`,
    );
  }
}

/**
 * Float64 reference of unit-wise AGC on a flat row-major buffer: for rank >= 2
 * the unit is the last index (column j of an [.., out] tensor), else the whole tensor.
 */
function agcReference(g: number[], w: number[], shape: number[], clipping: number, eps: number): number[] {
  const units = shape.length >= 2 ? shape[shape.length - 1] : 1;
  const unitOf = (i: number): number => (shape.length >= 2 ? i % units : 0);
  const gn = new Array(units).fill(0);
  const wn = new Array(units).fill(0);
  g.forEach((x, i) => (gn[unitOf(i)] += x * x));
  w.forEach((x, i) => (wn[unitOf(i)] += x * x));
  return g.map((x, i) => {
    const u = unitOf(i);
    const gNorm = Math.sqrt(gn[u]);
    const max = clipping * Math.max(Math.sqrt(wn[u]), eps);
    return gNorm > max ? x * (max / Math.max(gNorm, 1e-6)) : x;
  });
}

for (const backend of BACKENDS) {
  describe(`adaptiveGradClip (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('clips each output unit of an [in, out] kernel by clipping * max(||W_unit||, eps) / ||G_unit||', () => {
      // W is [in=2, out=3]; its column (unit) norms: ||(3,4)|| = 5, ||(0,0)|| = 0, ||(1,0)|| = 1
      const W = tf.tensor2d([[3, 0, 1], [4, 0, 0]]);
      // G columns: (0.6, 0.8) norm 1; (1, 0) norm 1; (0.01, 0.02) norm sqrt(0.0005) = 0.02236
      const G = tf.tensor2d([[0.6, 1, 0.01], [0.8, 0, 0.02]]);
      // bias: W_b = 0 -> max = 0.1 * 1e-3 = 1e-4; G_b = (0.03, 0.04, 0) norm 0.05
      const Wb = tf.zeros([3]);
      const Gb = tf.tensor1d([0.03, 0.04, 0]);
      const before = tf.memory().numTensors;
      const t = adaptiveGradClip({ clipping: 0.1 });
      const r = t.update({ kernel: G, bias: Gb }, t.init({}), { kernel: W, bias: Wb });
      // max per unit = 0.1 * max(norm, 1e-3) = [0.5, 1e-4, 0.1]
      //   unit 0: 1 > 0.5      -> scale 0.5 / 1 = 0.5      -> (0.3, 0.4)
      //   unit 1: 1 > 1e-4     -> scale 1e-4 / 1 = 1e-4    -> (1e-4, 0)
      //   unit 2: 0.0224 < 0.1 -> unchanged                -> (0.01, 0.02)
      closeArr(r.updates.kernel!.dataSync(), [0.3, 1e-4, 0.01, 0.4, 0, 0.02], 1e-6, 'kernel');
      // bias: 0.05 > 1e-4 -> scale 1e-4 / 0.05 = 0.002 -> (6e-5, 8e-5, 0)
      closeArr(r.updates.bias!.dataSync(), [6e-5, 8e-5, 0], 1e-6, 'bias');
      // info: pre = sqrt(1 + 1 + 0.0005 + 0.0025) = sqrt(2.003); post = sqrt(0.25 + 1e-8 + 0.0005 + 1e-8)
      const pre = Math.sqrt(1 + 1 + 0.0005 + 0.0025);
      const post = Math.sqrt(0.25 + 1e-8 + 0.0005 + (6e-5 ** 2 + 8e-5 ** 2));
      closeArr([r.info.preClipNorm!.dataSync()[0]], [pre], 1e-6, 'pre');
      closeArr([r.info.postClipNorm!.dataSync()[0]], [post], 1e-6, 'post');
      closeArr([r.info.clipCoef!.dataSync()[0]], [post / pre], 1e-6, 'coef');
      assert.equal((r.info.clipped as tf.Scalar).dataSync()[0], 1);
      assert.deepEqual(r.state, {});
      tf.dispose([r.updates.kernel!, r.updates.bias!]);
      disposeInfo(r.info);
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([W, G, Wb, Gb]);
    });

    it('reduces over every axis but the last for conv kernels [h, w, in, out]', () => {
      // [1, 2, 1, 2]: unit 0 holds elements (0,0,0,0) and (0,1,0,0); unit 1 the others.
      const W = tf.tensor4d([1, 0, 0, 0], [1, 2, 1, 2]); // ||W_0|| = 1, ||W_1|| = 0 -> eps
      const G = tf.tensor4d([3, 0.0003, 4, 0.0004], [1, 2, 1, 2]); // ||G_0|| = 5, ||G_1|| = 0.0005
      const t = adaptiveGradClip({ clipping: 0.5, eps: 1e-3 });
      const r = t.update({ conv: G }, {}, { conv: W });
      // unit 0: max 0.5 * 1 = 0.5 < 5 -> scale 0.1 -> (0.3, 0.4); unit 1: max 0.5 * 1e-3 = 5e-4, norm 5e-4 not > max
      closeArr(r.updates.conv!.dataSync(), [0.3, 0.0003, 0.4, 0.0004], 1e-5, 'conv');
      tf.dispose([W, G, r.updates.conv!]);
      disposeInfo(r.info);
    });

    it('leaves excluded variables and units within the bound untouched (the same tensors)', () => {
      const W = tf.tensor2d([[1, 1]]);
      const G = tf.tensor2d([[10, 10]]);
      const small = tf.tensor1d([1e-4]);
      const ws = tf.tensor1d([1]);
      for (const exclude of [['head/kernel'], /^head\//, (n: string) => n.startsWith('head')]) {
        const t = adaptiveGradClip({ exclude });
        const r = t.update({ 'head/kernel': G, b: small }, {}, { b: ws });
        assert.equal(r.updates['head/kernel'], G);
        closeArr(r.updates.b!.dataSync(), [1e-4]);
        assert.equal((r.info.clipped as tf.Scalar).dataSync()[0], 0);
        closeArr([r.info.clipCoef!.dataSync()[0]], [1]);
        if (r.updates.b !== small) r.updates.b!.dispose();
        disposeInfo(r.info);
      }
      tf.dispose([W, G, small, ws]);
    });

    it('matches a float64 reference on random tensors of rank 0 to 4', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 4 }),
          fc.integer({ min: 0, max: 1 << 30 }),
          fc.double({ min: 0.01, max: 1, noNaN: true }),
          (shape, seed, clipping) => {
            const size = shape.reduce((a, b) => a * b, 1);
            let s = seed;
            const rnd = (): number => {
              s = (s * 1103515245 + 12345) % 2147483648;
              return (s / 2147483648) * 2 - 1;
            };
            const g = Array.from({ length: size }, () => Math.fround(rnd() * 3));
            const w = Array.from({ length: size }, () => Math.fround(rnd()));
            const G = tf.tensor(g, shape);
            const W = tf.tensor(w, shape);
            const r = adaptiveGradClip({ clipping }).update({ x: G }, {}, { x: W });
            closeArr(r.updates.x!.dataSync(), agcReference(g, w, shape, clipping, 1e-3), 1e-5, `shape [${shape}]`);
            tf.dispose([G, W, r.updates.x!]);
            disposeInfo(r.info);
          },
        ),
        { seed: 4242, numRuns: 60 },
      );
    });
  });
}

describe('adaptiveGradClip errors', () => {
  it('validates clipping and eps', () => {
    assert.throws(() => adaptiveGradClip({ clipping: 0 }), { message: /adaptiveGradClip: clipping must be > 0, got 0/ });
    assert.throws(() => adaptiveGradClip({ clipping: -0.1 }), { message: /adaptiveGradClip: clipping must be > 0, got -0.1/ });
    assert.throws(() => adaptiveGradClip({ eps: 0 }), { message: /adaptiveGradClip: eps must be > 0, got 0/ });
    assert.throws(() => adaptiveGradClip({ exclude: 3 as unknown as string[] }), {
      message: /adaptiveGradClip: exclude must be an array of variable names, a RegExp or a function/,
    });
  });
  it('needs params and names the fix', () => {
    const g = tf.tensor1d([1]);
    const t = adaptiveGradClip();
    assert.throws(() => t.update({ w: g }, {} as AdaptiveGradClipState), {
      message: /adaptiveGradClip: update needs the parameters .* call update\(grads, state, params\).*withTransforms passes them automatically/,
    });
    assert.throws(() => t.update({ w: g }, {}, {}), { message: /adaptiveGradClip: params has no entry "w".*add "w" to exclude/ });
    const p = tf.tensor1d([1, 2]);
    assert.throws(() => t.update({ w: g }, {}, { w: p }), { message: /adaptiveGradClip: params\["w"\] has shape \[2\] but its gradient has shape \[1\]/ });
    tf.dispose([g, p]);
  });
});

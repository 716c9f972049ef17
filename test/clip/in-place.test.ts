/**
 * `inPlace: true` on the functional clips: same numbers as out of place,
 * the inputs' buffers hold the clipped values, no extra tensors, no leaks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { rng } from '../helpers/rng.js';
import { clipByGlobalNorm, clipGradNorm } from 'gradclip';

function grads(seed: number): tf.Tensor[] {
  const r = rng(seed);
  return [[3, 4], [7], [2, 2, 5]].map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Array.from({ length: n }, () => (r() - 0.5) * 8), shape);
  });
}

for (const backend of BACKENDS) {
  describe(`inPlace clipping (${backend})`, () => {
    it('clipGradNorm: identical values, written into the gradients themselves', async () => {
      await useBackend(backend);
      const a = grads(1);
      const b = grads(1);
      const before = tf.memory().numTensors;
      const buffers = tf.memory().numDataBuffers;
      const inPlace = clipGradNorm(a, 1, { inPlace: true });
      // numBytes counts aliases twice; the number of distinct buffers does not.
      assert.equal(tf.memory().numDataBuffers - buffers, 1, 'only the norm scalar is a new buffer');
      const outOfPlace = clipGradNorm(b, 1);
      inPlace.grads.forEach((g, i) => {
        assert.deepEqual(Array.from(g!.dataSync()), Array.from(outOfPlace.grads[i]!.dataSync()));
        assert.deepEqual(Array.from(a[i].dataSync()), Array.from(g!.dataSync()), 'the input holds the clipped values');
      });
      assert.equal(inPlace.totalNorm.dataSync()[0], outOfPlace.totalNorm.dataSync()[0]);
      tf.dispose([...inPlace.grads, inPlace.totalNorm, ...outOfPlace.grads, outOfPlace.totalNorm]);
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([...a, ...b]);
    });

    it('never writes into a buffer another tensor shares', async () => {
      await useBackend(backend);
      const g = tf.tensor([3, 4]);
      const alias = tf.reshape(g, [2, 1]); // shares g's buffer
      const { grads: out, totalNorm } = clipGradNorm([g], 1, { inPlace: true });
      assert.deepEqual(Array.from(alias.dataSync()), [3, 4], 'the alias keeps its values');
      assert.ok(Math.abs(out[0]!.dataSync()[0] - 0.6) < 1e-6);
      tf.dispose([g, alias, ...out, totalNorm]);
    });

    it('clipByGlobalNorm: identical values in place', async () => {
      await useBackend(backend);
      const a = grads(2);
      const b = grads(2);
      const [x, nx] = clipByGlobalNorm(a, 0.5, undefined, { inPlace: true });
      const [y, ny] = clipByGlobalNorm(b, 0.5);
      x.forEach((t, i) => assert.deepEqual(Array.from(t.dataSync()), Array.from(y[i].dataSync())));
      assert.equal(nx.dataSync()[0], ny.dataSync()[0]);
      tf.dispose([...a, ...b, ...x, ...y, nx, ny]);
    });
  });
}

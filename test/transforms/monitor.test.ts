import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, BACKENDS } from '../helpers/backends.js';
import { monitor } from '../../packages/gradclip/src/transforms/monitor.js';
import { chain } from '../../packages/gradclip/src/transforms/chain.js';
import { clipByGlobalNorm } from '../../packages/gradclip/src/transforms/clip.js';
import { disposeInfo } from '../../packages/gradclip/src/transforms/info.js';

/** float64 L2 norm of float32 data. */
function norm64(...arrays: ArrayLike<number>[]): number {
  let s = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

function close(actual: number, expected: number, rel = 1e-6, msg = ''): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-30, `${msg} expected ${expected}, got ${actual}`);
}

for (const backend of BACKENDS) {
  describe(`monitor (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('reports the global and per-variable norms and passes the very same tensors through', () => {
      // hand-computable: ||(3, 4)|| = 5, ||[[1, 2], [2, 4]]|| = sqrt(1 + 4 + 4 + 16) = 5, global sqrt(25 + 25) = 7.0710678
      const g = { w: tf.tensor2d([[1, 2], [2, 4]]), b: tf.tensor1d([3, 4]) };
      const before = tf.memory().numTensors;
      const t = monitor();
      const r = t.update(g, t.init({}));
      assert.equal(r.updates.w, g.w);
      assert.equal(r.updates.b, g.b);
      assert.deepEqual(r.state, {});
      close(r.info.preClipNorm!.dataSync()[0], Math.sqrt(50), 1e-7, 'global');
      assert.deepEqual(Object.keys(r.info.layerNorms!).sort(), ['b', 'w']);
      close(r.info.layerNorms!.w.dataSync()[0], 5, 1e-7, 'w');
      close(r.info.layerNorms!.b.dataSync()[0], 5, 1e-7, 'b');
      assert.equal(r.info.postClipNorm, undefined);
      disposeInfo(r.info);
      assert.equal(tf.memory().numTensors, before);
      tf.dispose(g);
    });

    it('matches a float64 reference, including values whose squares overflow float32', () => {
      const g = { a: tf.tensor1d([3e20, -4e20]), b: tf.randomNormal([17, 5], 0, 1, 'float32', 7) };
      const r = monitor().update(g, {});
      const a = g.a.dataSync();
      const b = g.b.dataSync();
      close(r.info.preClipNorm!.dataSync()[0], norm64(a, b), 1e-6, 'global');
      close(r.info.layerNorms!.a.dataSync()[0], 5e20, 1e-6, 'a');
      close(r.info.layerNorms!.b.dataSync()[0], norm64(b), 1e-6, 'b');
      disposeInfo(r.info);
      tf.dispose(g);
    });

    it('omits per-variable norms with layerNorms: false and handles an empty map', () => {
      const g = { a: tf.tensor1d([6, 8]) };
      const r = monitor({ layerNorms: false }).update(g, {});
      assert.equal(r.info.layerNorms, undefined);
      close(r.info.preClipNorm!.dataSync()[0], 10, 1e-7);
      disposeInfo(r.info);
      const e = monitor().update({}, {});
      assert.equal(e.info.preClipNorm!.dataSync()[0], 0);
      disposeInfo(e.info);
      tf.dispose(g);
    });

    it('first in a chain it reports the raw gradients while the clip reports what comes out', () => {
      const g = { a: tf.tensor1d([6, 8]) }; // norm 10
      const t = chain(monitor(), clipByGlobalNorm(2));
      const before = tf.memory().numTensors;
      const r = t.update(g, t.init({}));
      close(r.info.preClipNorm!.dataSync()[0], 10, 1e-7, 'pre');
      close(r.info.layerNorms!.a.dataSync()[0], 10, 1e-7, 'layer');
      close(r.info.postClipNorm!.dataSync()[0], 2, 1e-6, 'post');
      const out = r.updates.a!.dataSync();
      close(out[0], 1.2, 1e-6);
      close(out[1], 1.6, 1e-6);
      r.updates.a!.dispose();
      disposeInfo(r.info);
      assert.equal(tf.memory().numTensors, before);
      tf.dispose(g);
    });

    it('validates layerNorms', () => {
      assert.throws(() => monitor({ layerNorms: 'yes' as unknown as boolean }), { message: /monitor: layerNorms must be true or false, got string/ });
    });
  });
}

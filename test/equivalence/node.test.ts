/**
 * The training-equivalence suite (./suite.ts) on the Node backends: cpu and
 * wasm (WebAssembly SIMD, where gradclip's fused clipped update runs). The
 * browser backends (webgl, webgpu, threaded wasm) run the same suite in
 * Chromium: test/browser/equivalence.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import { runEquivalence } from './suite.js';

for (const backend of BACKENDS) {
  describe(`training equivalence on ${backend}`, () => {
    it('every clipping path trains exactly as the plain optimizer / the hand-written loop, and predicts like a fresh copy', async () => {
      await useBackend(backend);
      const results = await runEquivalence();
      const failed = results.filter((r) => !r.ok);
      for (const r of results) if (r.skipped) console.log(`# not run on ${backend}: ${r.name}: ${r.skipped}`);
      assert.ok(results.filter((r) => !r.skipped).length >= 80, `only ${results.length} cases ran`);
      assert.deepEqual(failed.map((r) => `${r.name}: ${r.detail}`), []);
    });
  });
}

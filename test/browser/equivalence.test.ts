/**
 * The training-equivalence suite (test/equivalence/suite.ts) in Chromium, on
 * the backends Node cannot run: webgl and webgpu (SwiftShader), wasm without
 * cross-origin isolation (tfjs's single-threaded SIMD build) and wasm with it
 * (the threaded SIMD build, a shared memory). test/equivalence/node.test.ts
 * runs it on cpu and wasm in Node.
 *
 * SwiftShader is slow, WebGPU most of all (the whole suite takes about 4
 * minutes there on a 2-core machine at 4 steps, against 45 s on WebGL and 3 s
 * on wasm; a first case per model also compiles its shaders), so by default
 * webgl runs every case with 4 training steps and webgpu a subset with 3
 * steps: every optimizer and wrapper on the conv model (the one model wasm
 * cannot train), every wrapper on the MLP with adamw, adam with globalClipnorm
 * on the transformer and the LSTM, and the 2×2 forward-after-step cases. wasm
 * runs every case with the suite's default steps.
 * GRADCLIP_BROWSER_EQUIVALENCE=full runs every case with the default steps
 * everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NO_BROWSER, callEntry, openPage } from './harness.js';
import type { EquivalenceTests } from './entries/equivalence.entry.js';

const ENTRY = join(import.meta.dirname, 'entries', 'equivalence.entry.ts');
const FULL = process.env.GRADCLIP_BROWSER_EQUIVALENCE === 'full';
const WEBGPU_SUBSET = ['matmul-2x2/', 'conv/', 'mlp/adamw/', 'recover/nan-batch', 'transformer/adam/globalClipnorm/never', 'lstm/adam/globalClipnorm/never'];

interface Config {
  name: string;
  backend: string;
  isolated: boolean;
  threaded: boolean;
  steps?: number;
  filter?: string[];
  /** Fewest cases that must run (not skipped). */
  minCases: number;
}

const CONFIGS: Config[] = [
  { name: 'webgl', backend: 'webgl', isolated: false, threaded: false, steps: FULL ? undefined : 4, minCases: 110 },
  FULL
    ? { name: 'webgpu', backend: 'webgpu', isolated: false, threaded: false, minCases: 110 }
    : { name: 'webgpu (subset)', backend: 'webgpu', isolated: false, threaded: false, steps: 3, filter: WEBGPU_SUBSET, minCases: 35 },
  { name: 'wasm (single-threaded SIMD build)', backend: 'wasm', isolated: false, threaded: false, minCases: 90 },
  { name: 'wasm threaded (cross-origin isolated)', backend: 'wasm', isolated: true, threaded: true, minCases: 90 },
];

for (const cfg of CONFIGS) {
  test(`training equivalence in Chromium on ${cfg.name}`, { skip: NO_BROWSER, timeout: FULL ? 900_000 : 300_000 }, async (t) => {
    const bp = await openPage({ entry: ENTRY, isolated: cfg.isolated });
    const onAbort = (): void => void bp.close();
    t.signal.addEventListener('abort', onAbort); // a timed-out test must not leave its browser running
    try {
      bp.page.setDefaultTimeout(FULL ? 890_000 : 290_000);
      const options = { ...(cfg.steps !== undefined ? { steps: cfg.steps } : {}), ...(cfg.filter ? { filter: cfg.filter } : {}) };
      const r = await callEntry<EquivalenceTests, 'run'>(bp, 'run', cfg.backend, options);
      assert.equal(r.backend, cfg.backend);
      assert.equal(r.threaded, cfg.threaded);
      if (cfg.backend === 'wasm') assert.deepEqual(r.kernels, { path: 'simd', memory: cfg.threaded ? 'shared' : 'plain' });
      for (const c of r.results) if (c.skipped) t.diagnostic(`not run on ${cfg.name}: ${c.name}: ${c.skipped}`);
      const ran = r.results.filter((c) => !c.skipped).length;
      t.diagnostic(`${cfg.name}: ${ran} cases in ${(r.ms / 1000).toFixed(1)} s`);
      assert.ok(ran >= cfg.minCases, `only ${ran} cases ran on ${cfg.name}`);
      assert.deepEqual(r.results.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`), [], `failed cases on ${cfg.name}`);
      assert.deepEqual(bp.errors, []);
    } finally {
      t.signal.removeEventListener('abort', onAbort);
      await bp.close();
    }
  });
}

/**
 * gradclip's GradclipGlobalNorm and GradclipScale kernels on webgl and webgpu,
 * in Chromium with SwiftShader (test/browser/harness.ts): norms of order 2, 1,
 * ∞ and 3 within 1e-6 of float64 references computed in the page from the
 * same data (values whose squares overflow float32, subnormals, NaN, Inf,
 * empty tensors; 1 to 300 tensors, packed and unpacked textures, slices), the
 * op composition (`fused: false`) with 8+ tensors on webgpu (tfjs's AddN
 * used to drop the command buffer there: the norm read 0), the scale bit for
 * bit against `tf.mul`, and clipGradNorm's GPU program count against the
 * naive composition's.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NO_BROWSER, openPage, type BrowserPage } from './harness.js';
import type { CaseResult, GpuKernelTests } from './entries/gpu-kernels.entry.js';

const ENTRY = join(import.meta.dirname, 'entries', 'gpu-kernels.entry.ts');

let bp: BrowserPage | undefined;
before(async () => {
  if (NO_BROWSER) return;
  bp = await openPage({ entry: ENTRY, isolated: false, timeoutMs: 120_000 });
});
after(async () => {
  await bp?.close();
});

type Method = 'values' | 'counts' | 'scale';
function call(m: Method): Promise<CaseResult[]> {
  return bp!.page.evaluate((m) => (window as unknown as { gradclipTests: GpuKernelTests }).gradclipTests[m](), m);
}
function assertAll(results: CaseResult[]): void {
  const bad = results.filter((r) => !r.ok);
  assert.ok(results.length > 0, 'no cases ran');
  assert.deepEqual(bad.map((r) => `${r.name}: ${r.detail}`), [], `${bad.length} of ${results.length} cases failed`);
}

for (const backend of ['webgl', 'webgpu']) {
  test(`${backend}: the kernels are registered and the backend runs`, { skip: NO_BROWSER, timeout: 60_000 }, async () => {
    const r = await bp!.page.evaluate((b) => (window as unknown as { gradclipTests: GpuKernelTests }).gradclipTests.init(b), backend);
    assert.deepEqual(r, { backend, norm: true, scale: true });
  });
  test(`${backend}: norms p = 2, 1, ∞, 3 within 1e-6 of float64 (overflowing squares, subnormals, NaN, Inf, empty)`, { skip: NO_BROWSER, timeout: 120_000 }, async () => {
    const before = await bp!.page.evaluate(() => (window as unknown as { gradclipTests: GpuKernelTests }).gradclipTests.numTensors());
    assertAll(await call('values'));
    const afterN = await bp!.page.evaluate(() => (window as unknown as { gradclipTests: GpuKernelTests }).gradclipTests.numTensors());
    assert.equal(afterN, before, 'tensors leaked');
  });
  test(`${backend}: 1, 7, 8, 9, 50, 300 tensors (kernel and op composition), mixed layouts, slices`, { skip: NO_BROWSER, timeout: 120_000 }, async () => {
    assertAll(await call('counts'));
  });
  test(`${backend}: GradclipScale is bit-identical to tf.mul; clipGradNorm end to end`, { skip: NO_BROWSER, timeout: 120_000 }, async () => {
    assertAll(await call('scale'));
  });
  test(`${backend}: clipGradNorm runs at most half the GPU programs of the naive composition`, { skip: NO_BROWSER, timeout: 60_000 }, async () => {
    const r = await bp!.page.evaluate(() => (window as unknown as { gradclipTests: GpuKernelTests }).gradclipTests.programs());
    assert.ok(r.fused * 2 <= r.naive, `clipGradNorm ran ${r.fused} programs, the naive composition ${r.naive}`);
  });
  test(`${backend}: no page errors or WebGPU validation warnings`, { skip: NO_BROWSER }, () => {
    assert.deepEqual(bp!.errors, []);
    assert.deepEqual(bp!.warnings.filter((w) => /storage buffers|Invalid|validat/i.test(w)), []);
  });
}

/**
 * Proves the browser harness: in Chromium with SwiftShader, each TF.js
 * browser backend (webgl, webgpu, wasm) initialises and computes a matMul
 * equal to a plain JS reference, and with cross-origin isolation the wasm
 * backend runs tfjs's threaded SIMD build.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NO_BROWSER, openPage, type BrowserPage } from './harness.js';
import type { HarnessTests } from './entries/harness.entry.js';

const ENTRY = join(import.meta.dirname, 'entries', 'harness.entry.ts');
const M = 37;
const K = 64;
const N = 29;

/** Small integers, so every product sum is exact in float32 on every backend. */
function ints(count: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push((s >>> 28) % 7 - 3);
  }
  return out;
}
const A = ints(M * K, 1);
const B = ints(K * N, 2);
const EXPECTED: number[] = [];
for (let i = 0; i < M; i++) {
  for (let j = 0; j < N; j++) {
    let acc = 0;
    for (let p = 0; p < K; p++) acc += A[i * K + p] * B[p * N + j];
    EXPECTED.push(acc);
  }
}

function matMulIn(bp: BrowserPage, backend: string) {
  return bp.page.evaluate(
    ([backend, a, b, m, k, n]) => (window as unknown as { gradclipTests: HarnessTests }).gradclipTests.matMul(backend, a, b, m, k, n),
    [backend, A, B, M, K, N] as const,
  );
}

let plain: BrowserPage | undefined;
let isolated: BrowserPage | undefined;
before(async () => {
  if (NO_BROWSER) return;
  [plain, isolated] = await Promise.all([openPage({ entry: ENTRY, isolated: false }), openPage({ entry: ENTRY, isolated: true })]);
});
after(async () => {
  await plain?.close();
  await isolated?.close();
});

for (const backend of ['webgl', 'webgpu', 'wasm']) {
  test(`${backend} initialises and computes a known matMul`, { skip: NO_BROWSER, timeout: 60_000 }, async () => {
    const r = await matMulIn(plain!, backend);
    assert.equal(r.backend, backend);
    assert.deepEqual(r.values, EXPECTED);
    assert.deepEqual(plain!.errors, []);
  });
}

test('not isolated: wasm runs the single-threaded SIMD build', { skip: NO_BROWSER, timeout: 60_000 }, async () => {
  const r = await matMulIn(plain!, 'wasm');
  assert.deepEqual(r.values, EXPECTED);
  const info = await plain!.page.evaluate(() => (window as unknown as { gradclipTests: HarnessTests }).gradclipTests.wasmInfo());
  assert.deepEqual({ ...info, threads: undefined }, { crossOriginIsolated: false, multithread: false, simd: true, pthreads: false, threads: undefined });
});

test('isolated: crossOriginIsolated, wasm runs the threaded SIMD build', { skip: NO_BROWSER, timeout: 60_000 }, async () => {
  const r = await matMulIn(isolated!, 'wasm');
  assert.equal(r.backend, 'wasm');
  assert.deepEqual(r.values, EXPECTED);
  const info = await isolated!.page.evaluate(() => (window as unknown as { gradclipTests: HarnessTests }).gradclipTests.wasmInfo());
  assert.deepEqual({ ...info, threads: undefined }, { crossOriginIsolated: true, multithread: true, simd: true, pthreads: true, threads: undefined });
  assert.ok(info.threads >= 1, `XNNPACK threads: ${info.threads}`);
  assert.deepEqual(isolated!.errors, []);
});

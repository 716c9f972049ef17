/**
 * gradclip's wasm kernels in Chromium, on tfjs-backend-wasm's threaded SIMD
 * build (cross-origin isolated page: emscripten pthreads, a shared
 * WebAssembly.Memory) and on its single-threaded SIMD build (plain page):
 * the kernels must take the SIMD path on both (`wasmKernelPath`), and
 * `getTotalNorm` / `clipGradNorm` must equal float64 references computed here
 * from the same float32 data, including after the memory has grown.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NO_BROWSER, callEntry, openPage, type BrowserPage } from './harness.js';
import type { GradSet, WasmTests } from './entries/wasm.entry.js';
import { rng } from '../helpers/rng.js';

const ENTRY = join(import.meta.dirname, 'entries', 'wasm.entry.ts');

function makeSet(seed: number, shapes: number[][], magnitude: number): GradSet {
  const r = rng(seed);
  const data = shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, () => Math.fround((r() * 2 - 1) * magnitude));
  });
  return { shapes, data };
}

/** float64 p-norm of every element of `set` (the values are float32 already). */
function refNorm(set: GradSet, p: number): number {
  const xs = set.data.flat();
  if (p === Infinity) return xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const m = xs.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
  if (m === 0) return 0;
  let s = 0;
  for (const x of xs) s += Math.pow(Math.abs(x) / m, p);
  return m * Math.pow(s, 1 / p);
}

const SHAPES = [[37, 5], [4099], [3, 3, 3], [1], [8195], [64, 65]];
const SETS: Array<{ name: string; set: GradSet; maxNorm: number }> = [
  { name: 'mixed shapes, |g| < 1 (clip binds)', set: makeSet(1, SHAPES, 1), maxNorm: 1 },
  { name: '|g| ~ 1e20 (squares overflow float32)', set: makeSet(2, SHAPES, 1e20), maxNorm: 1 },
  { name: '|g| ~ 1e-25 (squares underflow float32)', set: makeSet(3, SHAPES, 1e-25), maxNorm: 1e-7 },
  { name: 'norm below maxNorm (clip does not bind)', set: makeSet(4, [[100], [7, 3]], 0.01), maxNorm: 1 },
];

const call = <K extends keyof WasmTests & string>(bp: BrowserPage, m: K, ...a: Parameters<WasmTests[K]>) => callEntry<WasmTests, K>(bp, m, ...(a as never));

function relErr(got: number, want: number): number {
  return want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
}

async function checkClipAndNorms(bp: BrowserPage, label: string): Promise<void> {
  for (const { name, set, maxNorm } of SETS) {
    for (const p of [2, 1, Infinity, 3]) {
      const got = await call(bp, 'totalNorm', set, p);
      const want = refNorm(set, p);
      assert.ok(relErr(got, want) <= 1e-6, `${label}, ${name}: getTotalNorm p=${p} = ${got}, float64 ${want}`);
    }
    const r = await call(bp, 'clip', set, maxNorm);
    const total = refNorm(set, 2);
    assert.ok(relErr(r.totalNorm, total) <= 1e-6, `${label}, ${name}: clipGradNorm totalNorm = ${r.totalNorm}, float64 ${total}`);
    const coef = Math.min(1, maxNorm / (total + 1e-6));
    set.data.forEach((d, i) => {
      assert.equal(r.grads[i].length, d.length);
      for (let j = 0; j < d.length; j++) {
        const want = d[j] * coef;
        if (coef === 1) assert.equal(r.grads[i][j], d[j], `${label}, ${name}: unclipped value changed`);
        else if (!(Math.abs(r.grads[i][j] - want) <= 2e-6 * Math.abs(want) + 1.5e-45)) assert.fail(`${label}, ${name}: tensor ${i}[${j}] = ${r.grads[i][j]}, float64 ${want}`);
      }
    });
  }
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


test('isolated: the threaded build is active and gradclip takes its SIMD path on the shared memory', { skip: NO_BROWSER, timeout: 60_000 }, async () => {
  const info = await call(isolated!, 'init');
  assert.deepEqual(info, { backend: 'wasm', crossOriginIsolated: true, multithread: true, pthreads: true, kernels: { path: 'simd', memory: 'shared' } });
});

test('isolated (threaded build): getTotalNorm and clipGradNorm equal float64 references, also after the memory grows', { skip: NO_BROWSER, timeout: 60_000 }, async () => {
  await call(isolated!, 'init');
  const before = await call(isolated!, 'numTensors');
  await checkClipAndNorms(isolated!, 'threaded');
  const bytes0 = await call(isolated!, 'grow', 0);
  const bytes1 = await call(isolated!, 'grow', 64);
  assert.ok(bytes1 > bytes0, `the memory grew (${bytes0} -> ${bytes1} bytes)`);
  await checkClipAndNorms(isolated!, 'threaded, after growth');
  assert.equal(await call(isolated!, 'numTensors'), before + 2, 'no leaked tensors (2 kept by grow)');
  assert.deepEqual((await call(isolated!, 'init')).kernels, { path: 'simd', memory: 'shared' });
  assert.deepEqual(isolated!.errors, []);
  assert.deepEqual(isolated!.warnings.filter((w) => w.startsWith('gradclip:')), []);
});

test('not isolated (single-threaded SIMD build): SIMD path on the plain memory, same references', { skip: NO_BROWSER, timeout: 60_000 }, async () => {
  const info = await call(plain!, 'init');
  assert.deepEqual(info, { backend: 'wasm', crossOriginIsolated: false, multithread: false, pthreads: false, kernels: { path: 'simd', memory: 'plain' } });
  await checkClipAndNorms(plain!, 'single-threaded');
  assert.deepEqual(plain!.errors, []);
  assert.deepEqual(plain!.warnings.filter((w) => w.startsWith('gradclip:')), []);
});

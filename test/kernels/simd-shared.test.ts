// The shared-memory variant of gradclip's SIMD module (for tfjs-backend-wasm's threaded
// build, whose memory is a shared WebAssembly.Memory), tested in Node on a shared memory
// shaped like the threaded build's (256 initial pages, 65536 maximum), and the kernel-path
// report on the (plain) Node wasm backend. test/browser/wasm-threaded.test.ts runs it on
// the real threaded build in Chromium.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { instantiateSimd, isSharedMemory, tryInstantiateSimd } from '../../packages/gradclip/src/kernels/wasm/simd/index.js';
import { setWasmSimdEnabled, wasmKernelPath } from '../../packages/gradclip/src/kernels/wasm/simd-instance.js';
import { getTotalNorm } from 'gradclip';
import { rng } from '../helpers/rng.js';
import { SIMD_WASM_BASE64 } from '../../packages/gradclip/src/kernels/wasm/simd/module.generated.js';
import { SIMD_WASM_SHARED_BASE64 } from '../../packages/gradclip/src/kernels/wasm/simd/module-shared.generated.js';

function sharedMemory(maximum = 65536): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 256, maximum, shared: true });
}

describe('simd kernels on a shared memory', () => {
  it('instantiates the shared variant and computes in place (float64 references), also after the memory grows', () => {
    const mem = sharedMemory();
    assert.ok(isSharedMemory(mem));
    const k = instantiateSimd(mem);
    assert.equal(instantiateSimd(mem), k, 'cached per memory');
    const r = rng(7);
    for (const [ptr, len] of [[64, 4099], [16 << 20, 1000]] as const) {
      if (ptr + 8 * len > mem.buffer.byteLength) mem.grow(((ptr + 8 * len - mem.buffer.byteLength) >> 16) + 1);
      const x = new Float32Array(mem.buffer, ptr, len);
      for (let i = 0; i < len; i++) x[i] = (r() * 2 - 1) * 3;
      let sq = 0;
      let abs = 0;
      let max = 0;
      for (let i = 0; i < len; i++) {
        sq += x[i] * x[i];
        abs += Math.abs(x[i]);
        max = Math.max(max, Math.abs(x[i]));
      }
      assert.ok(Math.abs(k.sumSquares(ptr, len) - sq) <= 1e-6 * sq, `sumSquares at ${ptr}`);
      assert.ok(Math.abs(k.sumAbs(ptr, len) - abs) <= 1e-6 * abs, `sumAbs at ${ptr}`);
      assert.equal(k.maxAbs(ptr, len), max);
      const dst = ptr + 4 * len;
      k.scale(ptr, dst, len, 0.375);
      const y = new Float32Array(mem.buffer, dst, len);
      for (let i = 0; i < len; i++) assert.equal(y[i], Math.fround(x[i] * Math.fround(0.375)));
    }
  });

  it('each variant links only with its kind of memory (why there are two)', () => {
    const plainModule = new WebAssembly.Module(Buffer.from(SIMD_WASM_BASE64, 'base64'));
    const sharedModule = new WebAssembly.Module(Buffer.from(SIMD_WASM_SHARED_BASE64, 'base64'));
    const plain = new WebAssembly.Memory({ initial: 1 });
    const shared = sharedMemory();
    assert.throws(() => new WebAssembly.Instance(plainModule, { env: { memory: shared } }), WebAssembly.LinkError);
    assert.throws(() => new WebAssembly.Instance(sharedModule, { env: { memory: plain } }), WebAssembly.LinkError);
    // a smaller maximum (as another emscripten build might choose) links too
    assert.ok(new WebAssembly.Instance(sharedModule, { env: { memory: sharedMemory(32768) } }));
    // the loader picks the right one for each
    assert.ok(!isSharedMemory(plain));
    assert.ok(tryInstantiateSimd(plain) !== null);
    assert.ok(tryInstantiateSimd(shared) !== null);
  });
});

describe('wasmKernelPath', () => {
  it("is 'simd' on Node's wasm backend (plain memory) and the norm matches float64", async () => {
    await useBackend('wasm');
    assert.deepEqual(wasmKernelPath(), { path: 'simd', memory: 'plain' });
    assert.deepEqual(wasmKernelPath(tf.backend()), { path: 'simd', memory: 'plain' });
    const x = new Float32Array(5000).map((_, i) => Math.sin(i) * 1e20);
    let ref = 0;
    for (const v of x) ref += v * v;
    const t = tf.tensor1d(x);
    const n = getTotalNorm([t]);
    assert.ok(Math.abs(n.dataSync()[0] - Math.fround(Math.sqrt(ref))) <= 1e-6 * Math.sqrt(ref));
    tf.dispose([t, n]);
  });

  it("reports 'js' with the reason when SIMD is turned off, and throws without a wasm backend object", () => {
    setWasmSimdEnabled(false);
    try {
      assert.deepEqual(wasmKernelPath(), { path: 'js', memory: 'plain', reason: 'disabled' });
    } finally {
      setWasmSimdEnabled(true);
    }
    assert.equal(wasmKernelPath().path, 'simd');
    assert.throws(() => wasmKernelPath({}), /no tfjs wasm backend/);
  });

  it("reports 'js' with the reason and warns once when the backend has no memory", () => {
    const warnings: string[] = [];
    const orig = console.warn;
    console.warn = (m: string) => warnings.push(m);
    try {
      const fake = { wasm: { HEAPU8: new Uint8Array(16) } };
      assert.deepEqual(wasmKernelPath(fake), { path: 'js', memory: 'none', reason: 'no-memory' });
      wasmKernelPath(fake);
    } finally {
      console.warn = orig;
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /exposes no WebAssembly.Memory/);
  });
});

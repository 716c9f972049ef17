#!/usr/bin/env node
// Builds the gradclip WebAssembly SIMD kernels.
//   node scripts/build-wasm.mjs           compile and (re)write the generated loader module
//   node scripts/build-wasm.mjs --check   compile and fail if a committed file differs
//
// Compiles src/kernels/wasm/simd/assembly/index.ts with the AssemblyScript compiler from
// node_modules (`asc` API), twice: for an ordinary imported memory into
// src/kernels/wasm/simd/module.generated.ts and for a shared one (the threaded tfjs wasm
// build) into src/kernels/wasm/simd/module-shared.generated.ts, each holding the .wasm bytes
// as base64, so the module loads the same way in Node and in the browser (no
// file fetching). The output is deterministic: the same sources give the same bytes.
import asc from 'assemblyscript/asc';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const simdDir = join(root, 'packages/gradclip/src/kernels/wasm/simd');
const entry = join(simdDir, 'assembly/index.ts');
const check = process.argv.includes('--check');

/** Exports the loader (src/kernels/wasm/simd/index.ts) relies on. */
const REQUIRED_EXPORTS = [
  'sumSquares', 'sumAbs', 'maxAbs', 'scale', 'clampValue', 'copy', 'sumF32',
  'sgdUpdate', 'adamUpdate',
];

/**
 * The two variants of the module. tfjs-backend-wasm's plain and SIMD builds export an
 * ordinary memory; its threaded SIMD build (emscripten pthreads, chosen under cross-origin
 * isolation) creates a shared one (`new WebAssembly.Memory({initial: 256, maximum: 65536,
 * shared: true})` in wasm-out/tfjs-backend-wasm-threaded-simd.js, kept as
 * `Module.wasmMemory`). A memory import only links when its `shared` flag matches, and a
 * shared import must declare a maximum no smaller than the memory's: the shared variant
 * declares 65536 pages (4 GiB, the wasm32 limit and the threaded build's maximum).
 */
const VARIANTS = [
  { name: 'plain', file: 'module.generated.ts', prefix: 'SIMD_WASM', args: [], memoryImport: /\(import "env" "memory" \(memory \$0 \d+\)\)/, what: 'plain memory (tfjs-backend-wasm, tfjs-backend-wasm-simd)' },
  {
    name: 'shared',
    file: 'module-shared.generated.ts',
    prefix: 'SIMD_WASM_SHARED',
    args: ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'],
    memoryImport: /\(import "env" "memory" \(memory \$0 \d+ 65536 shared\)\)/,
    what: 'shared memory with at most 65536 pages (tfjs-backend-wasm-threaded-simd)',
  },
];

let stale = false;
for (const variant of VARIANTS) {
  const outputs = {};
  const { error, stderr } = await asc.main(
    [
      entry,
      '--outFile', 'kernels.wasm',
      '--textFile', 'kernels.wat',
      '--optimizeLevel', '3',
      '--shrinkLevel', '0',
      '--converge',
      '--noAssert',
      '--enable', 'simd',
      '--runtime', 'stub',
      '--importMemory',
      '--noExportMemory',
      '--use', 'abort=',
      ...variant.args,
    ],
    {
      writeFile(name, contents) {
        outputs[name] = contents;
      },
    },
  );
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: asc failed (${variant.name} variant): ${error.message}`);
    process.exit(1);
  }
  const wasm = outputs['kernels.wasm'];
  const wat = String(outputs['kernels.wat'] ?? '');
  if (!(wasm instanceof Uint8Array)) {
    console.error(`build-wasm: asc produced no kernels.wasm (${variant.name} variant)`);
    process.exit(1);
  }

  // The module imports the tfjs backend's memory: it must never write to it on instantiation.
  if (process.env.GRADCLIP_WAT_OUT) writeFileSync(variant.name === 'plain' ? process.env.GRADCLIP_WAT_OUT : `${process.env.GRADCLIP_WAT_OUT}.${variant.name}`, wat);
  if (/\(data\b/.test(wat)) {
    console.error('build-wasm: the module has a data segment; it would overwrite the imported memory');
    process.exit(1);
  }
  if (/\(start\b/.test(wat)) {
    console.error('build-wasm: the module has a start function; it must have none');
    process.exit(1);
  }
  if (!variant.memoryImport.test(wat)) {
    console.error(`build-wasm: the ${variant.name} variant must import a ${variant.what}; got ${wat.match(/\(import "env" "memory"[^\n]*/)?.[0] ?? 'no memory import'}`);
    process.exit(1);
  }
  const mod = new WebAssembly.Module(wasm);
  const exported = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));
  const missing = REQUIRED_EXPORTS.filter((n) => !exported.has(n));
  if (missing.length > 0) {
    console.error(`build-wasm: missing exports (${variant.name} variant): ${missing.join(', ')}`);
    process.exit(1);
  }
  const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}:${i.kind}`);
  if (imports.length !== 1 || imports[0] !== 'env.memory:memory') {
    console.error(`build-wasm: expected exactly one import env.memory, got ${imports.join(', ')}`);
    process.exit(1);
  }

  const b64 = Buffer.from(wasm).toString('base64');
  const sha = createHash('sha256').update(wasm).digest('hex');
  const lines = [];
  for (let i = 0; i < b64.length; i += 100) lines.push(`  '${b64.slice(i, i + 100)}'`);
  const P = variant.prefix;
  const kind = variant.name === 'plain' ? '' : ' (shared-memory variant, for the threaded tfjs wasm build)';
  const text = `// GENERATED by scripts/build-wasm.mjs from packages/gradclip/src/kernels/wasm/simd/assembly/*.ts. Do not edit.
// Rebuild with: node scripts/build-wasm.mjs

/** Size in bytes of the compiled SIMD kernel module${kind}. */
export const ${P}_BYTES = ${wasm.length};

/** SHA-256 of the compiled SIMD kernel module${kind} (hex). */
export const ${P}_SHA256 = '${sha}';

/** The compiled SIMD kernel module${kind} (.wasm), base64-encoded. */
export const ${P}_BASE64 =
${lines.join(' +\n')};
`;
  const outFile = join(simdDir, variant.file);
  if (check) {
    const old = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
    if (old !== text) {
      console.error(`build-wasm: ${variant.file} is out of date; run node scripts/build-wasm.mjs`);
      stale = true;
    } else {
      console.log(`build-wasm: ${variant.file} up to date (${wasm.length} bytes, sha256 ${sha.slice(0, 16)})`);
    }
  } else {
    writeFileSync(outFile, text);
    console.log(`build-wasm: wrote ${outFile} (${wasm.length} bytes, sha256 ${sha.slice(0, 16)})`);
  }
}
if (stale) process.exit(1);

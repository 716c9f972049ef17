/**
 * Browser benchmark runner: opens Debian's Chromium through the browser test harness
 * (test/browser/harness.ts: SwiftShader WebGL/WebGPU, optional cross-origin isolation) and
 * times gradclip's global-norm clip against the naive TF.js composition, side by side in one
 * page per backend configuration.
 *
 *   npm run bench:browser -- [--backends wasm,wasm-threaded] [--set S2] [--reps 40] [--wasm-threads N] [--json]
 *
 * Backend configurations: `wasm` (not isolated: tfjs's single-threaded SIMD build) and
 * `wasm-threaded` (COOP/COEP: the threaded SIMD build, a shared memory; `--wasm-threads`
 * sets its XNNPACK thread count; tfjs caps it at half of navigator.hardwareConcurrency, 1 on a 2-core machine).
 * Prints a Markdown
 * table of median / min ms per case and the ratio naive / gradclip; `--json` prints the raw
 * results instead.
 */
import { join } from 'node:path';
import { NO_BROWSER, callEntry, openPage } from '../../test/browser/harness.js';
import type { BenchResult, ClipBench } from './clip.entry.js';

/** A page configuration: which TF.js backend, whether cross-origin isolated. */
interface Config {
  backend: string;
  isolated: boolean;
}

const CONFIGS: Record<string, Config> = {
  wasm: { backend: 'wasm', isolated: false },
  'wasm-threaded': { backend: 'wasm', isolated: true },
};

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const names = arg('backends', 'wasm,wasm-threaded').split(',').map((s) => s.trim()).filter(Boolean);
const setName = arg('set', 'S2');
const reps = Number(arg('reps', '40'));
const json = process.argv.includes('--json');
const wasmThreads = process.argv.includes('--wasm-threads') ? Number(arg('wasm-threads', '')) : undefined;
if (wasmThreads !== undefined && !(Number.isInteger(wasmThreads) && wasmThreads >= 1)) {
  console.error(`bench:browser: --wasm-threads must be a positive integer, got ${arg('wasm-threads', '')}`);
  process.exit(2);
}
for (const n of names) {
  if (!(n in CONFIGS)) {
    console.error(`bench:browser: unknown backend configuration '${n}' (known: ${Object.keys(CONFIGS).join(', ')})`);
    process.exit(2);
  }
}
if (!Number.isInteger(reps) || reps < 1) {
  console.error(`bench:browser: --reps must be a positive integer, got ${arg('reps', '')}`);
  process.exit(2);
}
if (NO_BROWSER) {
  console.error(`bench:browser: ${NO_BROWSER}`);
  process.exit(2);
}

const results: Array<BenchResult & { config: string }> = [];
for (const name of names) {
  const cfg = CONFIGS[name];
  const bp = await openPage({ entry: join(import.meta.dirname, 'clip.entry.ts'), isolated: cfg.isolated, timeoutMs: 120_000 });
  try {
    bp.page.setDefaultTimeout(600_000);
    const r = await callEntry<ClipBench, 'run'>(bp, 'run', cfg.backend, setName, reps, cfg.isolated ? wasmThreads : undefined);
    results.push({ config: name, ...r });
    if (bp.errors.length) console.error(`page errors (${name}):\n${bp.errors.join('\n')}`);
  } finally {
    await bp.close();
  }
}

if (json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  for (const r of results) {
    const k = r.kernels ? `, gradclip wasm kernels: ${r.kernels.path} on a ${r.kernels.memory} memory${r.kernels.reason ? ` (${r.kernels.reason})` : ''}` : '';
    console.log(`\n### ${r.config}: ${r.set}, ${r.elements.toLocaleString('en-US')} elements in ${r.tensors} tensors`);
    console.log(`crossOriginIsolated: ${r.crossOriginIsolated}, threaded tfjs build: ${r.threaded}${r.wasmThreads !== null ? `, XNNPACK threads: ${r.wasmThreads}` : ''}${k}\n`);
    console.log('| case | median ms | min ms | GB/s (12 B/elem) | naive / case |');
    console.log('|---|---|---|---|---|');
    const naive = r.rows[0].timing.median;
    for (const row of r.rows) {
      const gbs = (12 * r.elements) / (row.timing.median * 1e6);
      console.log(`| ${row.impl} | ${row.timing.median.toFixed(2)} | ${row.timing.min.toFixed(2)} | ${gbs.toFixed(1)} | ${(naive / row.timing.median).toFixed(2)}x |`);
    }
  }
}

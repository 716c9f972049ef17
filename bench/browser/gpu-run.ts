// gradclip browser benchmark: `npm run bench:browser:gpu` (table) / `npm run bench:browser:gpu -- --json`.
//
// clipGradNorm(grads, 1) against the naive composition a user writes
// (tf.tidy: square, sum, addN (at most 7 inputs at a time), sqrt, minimum, mul per tensor),
// on webgl and webgpu in Debian's Chromium through test/browser/harness.ts, side by side in
// one page, round-robin. Sets (bench/lib/sets.ts): S2 LSTM (8 tensors, 3.4M elements),
// S3 2000 x 1000, S4 4-layer transformer (50 tensors, 21.5M). The gradients are outputs of a
// GPU op (as backprop's are; packed textures on webgl). Each timed rep runs one clip and reads
// back its norm and its last scaled tensor, so the GPU work is complete. Programs: GPU programs
// one clip runs (calls of the backend's runWebGLProgram / runWebGPUProgram). Error: the norm's
// relative error against float64 from the tensors' own values, as they are and x1e20.
//
// SwiftShader renders on the CPU: its times are not a GPU's; read them as ratios.
// Options: --backends webgl,webgpu  --sets S2,S3,S4  --reps n (default 5)  --json
import { openPage } from '../../test/browser/harness.js';
import { lstmSizes, manySmallSizes, transformerSizes } from '../lib/sets.js';
import type { BenchApi, SetResult } from './gpu-clip.entry.js';

function opt(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}
const JSON_OUT = process.argv.includes('--json');
const REPS = Number(opt('--reps') ?? 5);
if (!Number.isInteger(REPS) || REPS < 1) throw new Error(`--reps must be an integer >= 1, got ${opt('--reps')}`);
const BACKENDS = (opt('--backends') ?? 'webgl,webgpu').split(',');
for (const b of BACKENDS) if (b !== 'webgl' && b !== 'webgpu') throw new Error(`--backends takes webgl and/or webgpu, got ${b}`);
const SETS: Record<string, number[]> = { S2: lstmSizes(), S3: manySmallSizes(), S4: transformerSizes() };
const SET_NAMES = (opt('--sets') ?? 'S2,S3,S4').split(',');
for (const s of SET_NAMES) if (!(s in SETS)) throw new Error(`--sets takes some of ${Object.keys(SETS).join(',')}, got ${s}`);

const bp = await openPage({ entry: new URL('./gpu-clip.entry.ts', import.meta.url).pathname, isolated: false, timeoutMs: 600_000 });
const rows: SetResult[] = [];
try {
  for (const backend of BACKENDS) {
    for (const set of SET_NAMES) {
      const r = await bp.page.evaluate(
        ([b, s, sizes, reps]) => (window as unknown as { gradclipBench: BenchApi }).gradclipBench.run(b, s, sizes, reps),
        [backend, set, SETS[set], REPS] as const,
      );
      rows.push(r);
      if (JSON_OUT) console.log(JSON.stringify(r));
      else console.error(`${backend} ${set}: naive ${r.naive.ms.toFixed(1)} ms, clipGradNorm ${r.fused.ms.toFixed(1)} ms`);
    }
  }
  if (bp.errors.length > 0) console.error(`page errors:\n${bp.errors.join('\n')}`);
} finally {
  await bp.close();
}
if (!JSON_OUT) {
  const fmtErr = (x: number): string => (Number.isFinite(x) ? x.toExponential(1) : String(x));
  console.log('| backend | set | tensors | elements | naive ms | clipGradNorm ms | speed-up | programs naive / clipGradNorm | norm error naive / clipGradNorm | same ×1e20 |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.backend} | ${r.set} | ${r.tensors} | ${(r.elements / 1e6).toFixed(1)}M | ${r.naive.ms.toFixed(1)} | ${r.fused.ms.toFixed(1)} | ${(r.naive.ms / r.fused.ms).toFixed(2)}× | ${r.naive.programs} / ${r.fused.programs} | ${fmtErr(r.error.naive)} / ${fmtErr(r.error.fused)} | ${fmtErr(r.error.naive1e20)} / ${fmtErr(r.error.fused1e20)} |`,
    );
  }
  console.log(`\n${REPS} timed reps each (median), round-robin, Chromium ${'with SwiftShader (CPU)'}; times include reading back the norm and the last clipped tensor.`);
}

// gradclip benchmark: `npm run bench` (table) / `npm run bench -- --json` (one JSON object per line).
//
// Global-norm clip (max_norm 1.0, float32) of three gradient sets (bench/lib/sets.ts):
//   S1 GPT-2 small shapes (124.4M elements, 148 tensors), S2 LSTM (3.4M, 8), S3 2000 x 1000
// Implementations, on the wasm and cpu backends, timed round-robin in the same run:
//   naive        TF.js as users write it: tf.tidy(square, sum, addN, sqrt, minimum, mul per tensor)
//   fused        gradclip clipGradNorm(grads, 1) (fused norm + fused scale kernels; new outputs)
//   fused-owned  clipGradNorm(grads, 1, {inPlace: true}): the gradients handed over (what withClipping does in minimize/model.fit):
//                scaled in place, no output allocation
//   composition  gradclip clipGradNorm(grads, 1, {fused: false}) (TF.js op composition)
//   bw-read, bw-copy (wasm): memory-bandwidth references over the same bytes, single thread:
//                SIMD float32 sum (read only) and SIMD copy (read + write); bw-clip = their sum,
//                the time a clip needs at the bandwidth limit (12 bytes per element)
// GB/s count 12 bytes per element for the clips (read for the norm, read + write for the scale).
// Peak memory: the highest number of bytes of tensor buffers allocated during one clip
// (bench/lib/memory.ts), as a multiple of the gradients' size.
// Also: the share of a training step spent clipping (wasm, the repo's LSTM and transformer), and
// PyTorch's clip_grad_norm_ on the same shapes when /usr/bin/python3 has torch.
//
// Also (wasm): the whole optimizer step, withClipping(adam, {globalClipnorm: 1}).applyGradients vs plain adam's.
// Also (cpu): S2 with its real 2-D LSTM shapes in fresh Node processes (bench/cpu-fresh.ts), naive/fused/fused-owned,
//   warmed and first call: the naive TF.js kernels there have run nothing else (here they already have).
// Options: --sets S1,S2,S3  --backends wasm,cpu  --reps n  --quick  --json  --no-torch  --no-steps  --no-optim  --only-optim  --no-fresh
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { tf, useBackend } from '../test/helpers/backends.js';
import { clipGradNorm, getTotalNorm } from '../packages/gradclip/src/clip/index.js';
import { instantiateSimd } from '../packages/gradclip/src/kernels/wasm/simd/index.js';
import { withClipping } from '../packages/gradclip/src/optim/index.js';
import { createModel } from '../packages/cli/src/tasks/models/index.js';
import { benchSets, fillGradientLike, type BenchSet } from './lib/sets.js';
import { measurePeak } from './lib/memory.js';
import { timeRoundRobin, type TimedCase } from './lib/timing.js';
import { runFresh, summarize, type FreshImpl, type FreshResult } from './lib/fresh.js';

// ---------------------------------------------------------------- options
function opt(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}
const QUICK = process.argv.includes('--quick');
const JSON_OUT = process.argv.includes('--json');
const REPS_ARG = opt('--reps');
const REPS = REPS_ARG === undefined ? (QUICK ? 3 : 9) : Number(REPS_ARG);
if (!Number.isInteger(REPS) || REPS < 1) throw new Error(`--reps must be an integer >= 1, got ${REPS_ARG}`);
const SET_NAMES = (opt('--sets') ?? 'S1,S2,S3').split(',');
const BACKENDS = (opt('--backends') ?? 'wasm,cpu').split(',') as Array<'wasm' | 'cpu'>;
for (const b of BACKENDS) if (b !== 'wasm' && b !== 'cpu') throw new Error(`--backends takes wasm and/or cpu, got ${b}`);
const SETS = benchSets(QUICK).filter((s) => SET_NAMES.includes(s.name));
if (SETS.length === 0) throw new Error(`--sets must list some of S1,S2,S3, got ${SET_NAMES.join(',')}`);

const MAX_NORM = 1.0;
const log = (s: string): void => {
  if (!JSON_OUT) console.log(s);
  else console.error(s);
};

// ---------------------------------------------------------------- results
interface Row {
  name: string;
  set: string;
  backend: string;
  impl: string;
  ms: number;
  min: number;
  max: number;
  GBps: number | null;
  runs: number;
  peakMemX?: number | null;
  elements: number;
  tensors: number;
}
const rows: Row[] = [];
function emit(r: Row): void {
  rows.push(r);
  if (JSON_OUT) console.log(JSON.stringify(r));
}

// ---------------------------------------------------------------- implementations
function naiveClip(grads: tf.Tensor[]): void {
  const out = tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    const c = tf.minimum(1, tf.div(MAX_NORM, tf.add(norm, 1e-6)));
    return [norm, ...grads.map((g) => tf.mul(g, c))];
  });
  tf.dispose(out);
}
function gradclipClip(grads: tf.Tensor[], fused: boolean | undefined): void {
  const r = clipGradNorm(grads, MAX_NORM, { fused });
  tf.dispose([...r.grads, r.totalNorm]);
}
/**
 * The owned-gradient path, `clipGradNorm(grads, 1, {inPlace: true})` (what the
 * optimizer wrapper does with the gradients of minimize/model.fit):
 * `holder.grads` is replaced by the returned aliases.
 */
function ownedClip(holder: { grads: tf.Tensor[] }): void {
  const r = clipGradNorm(holder.grads, MAX_NORM, { inPlace: true });
  tf.dispose([...holder.grads, r.totalNorm]);
  holder.grads = r.grads;
}

interface WasmView {
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } };
}

function makeGrads(set: BenchSet): tf.Tensor[] {
  let seed = 12345;
  return set.sizes.map((n) => {
    const x = new Float32Array(n);
    seed = fillGradientLike(x, seed);
    return tf.tensor1d(x);
  });
}

function benchSet(set: BenchSet, backend: 'wasm' | 'cpu'): void {
  const elements = set.sizes.reduce((a, b) => a + b, 0);
  const holder = { grads: makeGrads(set) };
  const gradBytes = 4 * elements;
  const big = elements > 5e7;
  // Slow baselines on big sets: few runs (cpu naive S1 takes ~2 s per run).
  const slow = big ? Math.min(REPS, backend === 'cpu' ? 2 : 3) : REPS;
  const fast = big ? Math.min(REPS, 5) : REPS * 3;
  const cases: Array<TimedCase & { impl: string; bytes: number; memo?: () => void }> = [
    { impl: 'naive', bytes: 12, reps: slow, fn: () => naiveClip(holder.grads), memo: () => naiveClip(holder.grads) },
    { impl: 'fused', bytes: 12, reps: fast, fn: () => gradclipClip(holder.grads, undefined), memo: () => gradclipClip(holder.grads, undefined) },
    { impl: 'fused-owned', bytes: 12, reps: fast, fn: () => ownedClip(holder), memo: () => ownedClip(holder) },
    { impl: 'composition', bytes: 12, reps: slow, fn: () => gradclipClip(holder.grads, false), memo: () => gradclipClip(holder.grads, false) },
  ];
  let dst: tf.Tensor[] = [];
  if (backend === 'wasm') {
    const view = tf.backend() as unknown as WasmView;
    const k = instantiateSimd(view.wasm.asm.memory);
    dst = set.sizes.map((n) => tf.zeros([n]));
    const off = (t: tf.Tensor): number => view.dataIdMap.get(t.dataId).memoryOffset;
    let sink = 0;
    cases.push(
      {
        impl: 'bw-read',
        bytes: 4,
        reps: fast,
        fn: () => {
          for (const g of holder.grads) sink += k.raw.sumF32(off(g), g.size);
        },
      },
      {
        impl: 'bw-copy',
        bytes: 8,
        reps: fast,
        fn: () => {
          holder.grads.forEach((g, i) => k.raw.copy(off(g), off(dst[i]), g.size));
        },
      },
    );
    if (sink === 1234.5) log('');
  }
  log(`  ${backend} ${set.name}: timing ${cases.map((c) => `${c.impl} x${c.reps}`).join(', ')}`);
  const timings = timeRoundRobin(cases);
  const peaks = cases.map((c) => {
    if (!c.memo) return null;
    // the naive peak at S1 size on cpu needs ~2 GB: measure it like the others
    return measurePeak(c.memo).peakExtraBytes / gradBytes;
  });
  tf.dispose(dst);
  tf.dispose(holder.grads);
  cases.forEach((c, i) => {
    const t = timings[i];
    emit({
      name: `${set.name}/${backend}/${c.impl}`,
      set: set.name,
      backend,
      impl: c.impl,
      ms: t.median,
      min: t.min,
      max: t.max,
      GBps: (c.bytes * elements) / (t.median * 1e6),
      runs: t.runs,
      peakMemX: peaks[i],
      elements,
      tensors: set.sizes.length,
    });
  });
  const bwRead = rows.find((r) => r.name === `${set.name}/${backend}/bw-read`);
  const bwCopy = rows.find((r) => r.name === `${set.name}/${backend}/bw-copy`);
  if (bwRead && bwCopy) {
    const ms = bwRead.ms + bwCopy.ms;
    emit({
      name: `${set.name}/${backend}/bw-clip`,
      set: set.name,
      backend,
      impl: 'bw-clip',
      ms,
      min: bwRead.min + bwCopy.min,
      max: bwRead.max + bwCopy.max,
      GBps: (12 * elements) / (ms * 1e6),
      runs: Math.min(bwRead.runs, bwCopy.runs),
      elements,
      tensors: set.sizes.length,
    });
  }
}

// ---------------------------------------------------------------- cpu, fresh processes
/**
 * S2 (2-D LSTM shapes, N(0, 1e-3²) gradients) timed in new Node processes (bench/cpu-fresh.ts),
 * naive first. In this process TF.js's cpu Mul has already run after other binary ops (the
 * composition rows, S1): its per-element loop shares its type feedback with every binary op
 * (createSimpleBinaryKernelImpl), which makes it ~2.5x and naive ~2x slower; in a fresh process
 * it does not (docs/benchmarks.md, cpu section). Rows `cpu fresh` (each process's median of the warmed
 * calls; min/max = range over processes) and `cpu fresh, 1st call` (the first call in each process).
 */
function freshCpuRows(): void {
  const procs = QUICK ? 1 : 3;
  const impls: FreshImpl[] = ['naive', 'fused', 'fused-owned'];
  log(`  cpu S2 in ${procs} fresh processes (2-D shapes, normal data): ${impls.join(', ')}`);
  const results: FreshResult[] = [];
  for (let p = 0; p < procs; p++) {
    results.push(runFresh({ shapes: '2d', data: 'normal', history: 'none', impls, reps: QUICK ? 5 : 15, gc: false }));
  }
  const { elements, tensors } = results[0];
  for (const first of [false, true]) {
    for (const impl of impls) {
      const s = summarize(results, impl);
      if (!s) continue;
      const ms = first ? s.first : s.median;
      const backend = first ? 'cpu fresh, 1st call' : 'cpu fresh';
      emit({
        name: `S2/${backend}/${impl}`,
        set: 'S2',
        backend,
        impl,
        ms,
        min: first ? s.firstLo : s.lo,
        max: first ? s.firstHi : s.hi,
        GBps: (12 * elements) / (ms * 1e6),
        runs: s.procs,
        elements,
        tensors,
      });
    }
  }
}

// ---------------------------------------------------------------- optimizer step (wasm)
interface OptRow {
  set: string;
  clippedMs: number;
  plainMs: number;
  unfusedMs: number;
}
/**
 * The whole `applyGradients` of `withClipping(tf.train.adam(1e-3), {globalClipnorm: 1})`
 * (norm + clip + Adam update; the fused update on wasm, new buffers for the weights and
 * moments) against plain `tf.train.adam(1e-3)`'s unclipped `applyGradients`, and the
 * wrapper with `fusedUpdate: false`, on the same variables and gradients, timed round-robin.
 */
function optimizerStep(set: BenchSet): OptRow {
  const grads = makeGrads(set);
  const vars = set.sizes.map((n, i) => tf.variable(tf.zeros([n]), true, `benchopt/${set.name}/${i}`));
  const g: Array<{ name: string; tensor: tf.Tensor }> = vars.map((v, i) => ({ name: v.name, tensor: grads[i] }));
  const big = set.sizes.reduce((a, b) => a + b, 0) > 5e7;
  const reps = big ? Math.min(REPS, 5) : REPS * 2;
  const make = {
    clipped: () => withClipping(tf.train.adam(1e-3), { globalClipnorm: MAX_NORM }),
    plain: () => tf.train.adam(1e-3),
    unfused: () => withClipping(tf.train.adam(1e-3), { globalClipnorm: MAX_NORM }, { fusedUpdate: false }),
  };
  let tc: { median: number };
  let tp: { median: number };
  let tu: { median: number } | undefined;
  if (!big) {
    log(`  wasm ${set.name}: optimizer step, timing clipped/plain/unfused x${reps} round-robin`);
    const opts = [make.clipped(), make.plain(), make.unfused()];
    [tc, tp, tu] = timeRoundRobin(opts.map((o) => ({ reps, fn: () => o.applyGradients(g) })));
    for (const o of opts) o.dispose();
  } else {
    // S1: two Adam states (2 × 1 GB) next to the weights and gradients do not fit in wasm's 4 GB
    // memory, so each optimizer is timed in its own block of the same run (first step untimed).
    log(`  wasm ${set.name}: optimizer step, timing clipped then plain x${reps} (one Adam state at a time)`);
    const block = (o: tf.Optimizer): { median: number } => {
      o.applyGradients(g);
      const [t] = timeRoundRobin([{ reps, fn: () => o.applyGradients(g) }]);
      o.dispose();
      return t;
    };
    tc = block(make.clipped());
    tp = block(make.plain());
  }
  tf.dispose([...vars, ...grads]);
  return { set: set.name, clippedMs: tc.median, plainMs: tp.median, unfusedMs: tu?.median ?? Number.NaN };
}

// ---------------------------------------------------------------- training-step share (wasm)
interface StepRow {
  model: string;
  params: number;
  tensors: number;
  stepMs: number;
  stepNoClipMs: number;
  clipMs: number;
  share: number;
}
function stepShare(): StepRow[] {
  const out: StepRow[] = [];
  const reps = QUICK ? 5 : 15;
  const specs: Array<{ label: string; build: () => { vars: tf.Variable[]; loss: () => tf.Scalar; dispose: () => void } }> = [
    {
      label: 'LSTM (repo lstm, 256 units, in 64, out 64, T 35, batch 20)',
      build: () => {
        const m = createModel({ name: 'lstm', inputSize: 64, outputSize: 64, hidden: 256, output: 'last', seed: 1, prefix: 'benchlstm/' });
        if (m.input !== 'sequence') throw new Error('lstm must be a sequence model');
        const x = tf.randomNormal([35, 20, 64], 0, 1, 'float32', 1) as tf.Tensor3D;
        const y = tf.randomNormal([20, 64], 0, 1, 'float32', 2);
        return {
          vars: [...m.variables],
          loss: () => tf.losses.meanSquaredError(y, m.forward(x)) as tf.Scalar,
          dispose: () => {
            m.dispose();
            tf.dispose([x, y]);
          },
        };
      },
    },
    {
      label: 'transformer (CLI default: vocab 65, d 64, 2 layers, 4 heads, T 64, batch 16)',
      build: () => {
        const m = createModel({ name: 'transformer', vocabSize: 65, seed: 1, prefix: 'benchtf/' });
        if (m.input !== 'tokens') throw new Error('transformer must be a token model');
        const ids = tf.randomUniform([16, 64], 0, 65, 'int32', 3) as tf.Tensor2D;
        const targets = tf.oneHot(tf.randomUniform([16, 64], 0, 65, 'int32', 4) as tf.Tensor2D, 65);
        return {
          vars: [...m.variables],
          loss: () => tf.losses.softmaxCrossEntropy(targets, m.forward(ids)) as tf.Scalar,
          dispose: () => {
            m.dispose();
            tf.dispose([ids, targets]);
          },
        };
      },
    },
  ];
  for (const s of specs) {
    const b = s.build();
    const clipped = withClipping(tf.train.adam(1e-3), { globalClipnorm: MAX_NORM });
    const plain = tf.train.adam(1e-3);
    const { grads, value } = tf.variableGrads(b.loss, b.vars);
    const gl = Object.values(grads);
    const [tStep, tPlain, tClip] = timeRoundRobin([
      { reps, fn: () => clipped.minimize(b.loss) },
      { reps, fn: () => plain.minimize(b.loss) },
      // the clip itself on this model's gradients: norm + in-place-equivalent fused clip
      { reps: reps * 4, fn: () => gradclipClip(gl, undefined) },
    ]);
    out.push({
      model: s.label,
      params: b.vars.reduce((a, v) => a + v.size, 0),
      tensors: b.vars.length,
      stepMs: tStep.median,
      stepNoClipMs: tPlain.median,
      clipMs: tClip.median,
      share: tClip.median / tStep.median,
    });
    tf.dispose([...gl, value]);
    clipped.dispose();
    plain.dispose();
    b.dispose();
  }
  return out;
}

// ---------------------------------------------------------------- PyTorch
interface TorchRow {
  set: string;
  ms: number;
  min: number;
  max: number;
  threads: number;
  torch: string;
}
function torchRows(): TorchRow[] {
  if (process.argv.includes('--no-torch')) return [];
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    log('  PyTorch: /usr/bin/python3 -c "import torch" failed, skipping the comparison');
    return [];
  }
  const script = fileURLToPath(new URL('./torch_clip.py', import.meta.url));
  const cfg = {
    sets: Object.fromEntries(SETS.map((s) => [s.name, s.sizes])),
    reps: SETS.some((s) => s.sizes.length > 1000) ? REPS * 3 : REPS,
    threads: 2,
  };
  const r = spawnSync('/usr/bin/python3', [script, JSON.stringify(cfg)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    log(`  PyTorch run failed: ${r.stderr.slice(-500)}`);
    return [];
  }
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TorchRow);
}

// ---------------------------------------------------------------- main
const cpuModel = (() => {
  try {
    const m = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? m[1].trim() : cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
})();
const load0 = loadavg();
log(
  `gradclip bench: ${cpuModel}, ${cpus().length} cores, node ${process.version}, load ${load0.map((x) => x.toFixed(2)).join(' ')}` +
    `${QUICK ? ' (--quick)' : ''}, reps ${REPS}`,
);
const ONLY_OPTIM = process.argv.includes('--only-optim');
for (const backend of ONLY_OPTIM ? [] : BACKENDS) {
  await useBackend(backend);
  for (const set of SETS) benchSet(set, backend);
}
if (BACKENDS.includes('cpu') && SETS.some((s) => s.name === 'S2') && !process.argv.includes('--no-fresh')) freshCpuRows();
const torch = torchRows();
for (const t of torch) {
  const set = SETS.find((s) => s.name === t.set);
  const elements = set ? set.sizes.reduce((a, b) => a + b, 0) : 0;
  emit({
    name: `${t.set}/torch/clip_grad_norm_`,
    set: t.set,
    backend: `torch ${t.torch} (${t.threads} threads)`,
    impl: 'torch',
    ms: t.ms,
    min: t.min,
    max: t.max,
    GBps: (12 * elements) / (t.ms * 1e6),
    runs: 0,
    elements,
    tensors: set?.sizes.length ?? 0,
  });
}
const optRows: OptRow[] = [];
if (BACKENDS.includes('wasm') && !process.argv.includes('--no-optim')) {
  await useBackend('wasm');
  for (const set of SETS.filter((x) => x.name === 'S1' || x.name === 'S2')) {
    const r = optimizerStep(set);
    optRows.push(r);
    if (JSON_OUT) console.log(JSON.stringify({ name: `optim/wasm/${r.set}`, ...r }));
  }
}
let steps: StepRow[] = [];
if (!process.argv.includes('--no-steps')) {
  await useBackend('wasm');
  steps = stepShare();
  for (const s of steps) if (JSON_OUT) console.log(JSON.stringify({ name: `step/wasm/${s.model}`, ...s }));
}
const load1 = loadavg();

// ---------------------------------------------------------------- table
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const get = (set: string, backend: string, impl: string): Row | undefined =>
  rows.find((r) => r.set === set && r.backend === backend && r.impl === impl);
const lines: string[] = [];
lines.push('| set | backend | impl | median ms | min | max | GB/s | peak mem (x grads) | vs naive |');
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const naive = get(r.set, r.backend, 'naive');
  const ratio = naive && r.impl !== 'naive' && !r.impl.startsWith('bw') ? `${fmt(naive.ms / r.ms)}x` : '';
  const mem = r.peakMemX === undefined || r.peakMemX === null ? '' : `${r.peakMemX.toFixed(2)}`;
  lines.push(
    `| ${r.set} | ${r.backend} | ${r.impl} | ${fmt(r.ms)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.GBps === null ? '' : fmt(r.GBps)} | ${mem} | ${ratio} |`,
  );
}
lines.push('');
lines.push('| set | fused vs naive (wasm) | fused-owned vs naive (wasm) | bandwidth ref / fused-owned (wasm) | fused vs naive (cpu) | fused vs naive (cpu, fresh process) | torch / fused-owned (wasm) |');
lines.push('|---|---|---|---|---|---|---|');
for (const s of SETS) {
  const n = get(s.name, 'wasm', 'naive');
  const f = get(s.name, 'wasm', 'fused');
  const o = get(s.name, 'wasm', 'fused-owned');
  const bw = get(s.name, 'wasm', 'bw-clip');
  const nc = get(s.name, 'cpu', 'naive');
  const fc = get(s.name, 'cpu', 'fused');
  const ncf = get(s.name, 'cpu fresh', 'naive');
  const fcf = get(s.name, 'cpu fresh', 'fused');
  const t = rows.find((r) => r.set === s.name && r.impl === 'torch');
  const x = (a?: Row, b?: Row): string => (a && b ? `${fmt(a.ms / b.ms)}x` : 'n/a');
  lines.push(`| ${s.name} | ${x(n, f)} | ${x(n, o)} | ${x(bw, o)} | ${x(nc, fc)} | ${x(ncf, fcf)} | ${x(t, o)} |`);
}
if (optRows.length > 0) {
  lines.push('');
  lines.push('| set (wasm) | withClipping(adam, {globalClipnorm: 1}) applyGradients ms | plain adam applyGradients ms (no clip) | clipped, fusedUpdate: false ms | plain / clipped |');
  lines.push('|---|---|---|---|---|');
  for (const r of optRows) {
    lines.push(`| ${r.set} | ${fmt(r.clippedMs)} | ${fmt(r.plainMs)} | ${Number.isNaN(r.unfusedMs) ? 'n/a' : fmt(r.unfusedMs)} | ${fmt(r.plainMs / r.clippedMs)}x |`);
  }
}
if (steps.length > 0) {
  lines.push('');
  lines.push('| model (wasm, Adam, globalClipnorm 1) | params | tensors | step ms (clipped, fused) | step ms (no clip) | clip ms | clip share of step |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const s of steps) {
    lines.push(
      `| ${s.model} | ${s.params.toLocaleString('en')} | ${s.tensors} | ${fmt(s.stepMs)} | ${fmt(s.stepNoClipMs)} | ${fmt(s.clipMs)} | ${(100 * s.share).toFixed(2)}% |`,
    );
  }
}
lines.push('');
lines.push(`load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`);
if (!JSON_OUT) console.log(lines.join('\n'));
else console.error(lines.join('\n'));

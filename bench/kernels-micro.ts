// Micro-benchmark of the WebAssembly SIMD kernels on the tfjs wasm backend's own memory.
//
//   npx tsx bench/kernels-micro.ts                 S1: GPT-2 small shapes, 124.4M float32 in 148 tensors
//   npx tsx bench/kernels-micro.ts --scale 0.25    the same 148 tensors with every size x0.25
//   npx tsx bench/kernels-micro.ts --reps 9 --json last stdout line is a JSON object
//
// Global-norm clip (max_norm 1.0): sum of squares over every tensor, then every tensor scaled
// in place by the clip coefficient. Effective GB/s count 12 bytes per element (4 read for the
// norm, 4 read + 4 written for the scale), as in DESIGN.md section 5. Measured in the same
// run: the SIMD kernels, plain JS loops over Float32Array views, TF.js naive
// (tf.tidy square/sum/addN/sqrt/mul), and two memory-bandwidth references over the same
// bytes: a read-only SIMD float32 sum and a SIMD copy.
import { tf, useBackend } from '../test/helpers/backends.js';
import { instantiateSimd } from '../packages/gradclip/src/kernels/wasm/simd/index.js';
import { median, timeRoundRobin, type TimedCase } from './lib/timing.js';

interface WasmBackendView {
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } };
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${process.argv[i + 1]}`);
  return v;
}
const SCALE = arg('--scale', 1);
const REPS = Math.round(arg('--reps', 7));
const JSON_OUT = process.argv.includes('--json');

/** GPT-2 small parameter shapes (148 tensors, 124,439,808 elements). */
function gpt2SmallSizes(): number[] {
  const d = 768;
  const sizes = [50257 * d, 1024 * d];
  for (let l = 0; l < 12; l++) {
    sizes.push(d, d, d * 3 * d, 3 * d, d * d, d, d, d, d * 4 * d, 4 * d, 4 * d * d, d);
  }
  sizes.push(d, d);
  return sizes;
}

interface Case extends TimedCase {
  name: string;
  bytesPerElement: number;
}


await useBackend('wasm');
const backend = tf.backend() as unknown as WasmBackendView;
const memory = backend.wasm.asm.memory;
const k = instantiateSimd(memory);

const sizes = gpt2SmallSizes().map((n) => Math.max(1, Math.round(n * SCALE)));
const total = sizes.reduce((a, b) => a + b, 0);
const grads = sizes.map((n) => tf.zeros([n]));
const offs = grads.map((g) => backend.dataIdMap.get(g.dataId).memoryOffset);

// Fill with deterministic pseudo-random values of gradient-like magnitude (~1e-3).
let seed = 12345;
for (let i = 0; i < grads.length; i++) {
  const v = new Float32Array(memory.buffer, offs[i], sizes[i]);
  for (let j = 0; j < v.length; j++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    v[j] = (seed / 4294967296 - 0.5) * 2e-3;
  }
}

// float64 norm of the initial data: the clip coefficient used by the scale-only rows.
let ref = 0;
for (let i = 0; i < grads.length; i++) {
  const v = new Float32Array(memory.buffer, offs[i], sizes[i]);
  for (let j = 0; j < v.length; j++) ref += v[j] * v[j];
}
const maxNorm = 1.0; // DESIGN.md section 5: max_norm 1.0 (below the data's norm, so it clips)
const coef = Math.min(1, maxNorm / (Math.sqrt(ref) + 1e-6));

const raw = k.raw;
let sink = 0; // results fed here so no call is optimised away

// The clip rows apply the real coefficient: the first run scales the data to norm maxNorm,
// later runs multiply by ~1 (same bytes read and written, no drift towards subnormals).
// The scale-only and SGD rows alternate c and 1/c (or +lr and -lr) for the same reason.
const factor = (rep: number): number => (rep % 2 === 0 ? coef : 1 / coef);

function simdNorm(): number {
  let s = 0;
  for (let i = 0; i < offs.length; i++) s += raw.sumSquares(offs[i], sizes[i]);
  return Math.sqrt(s);
}
function simdClip(): number {
  const norm = simdNorm();
  const c = Math.min(1, maxNorm / (norm + 1e-6));
  for (let i = 0; i < offs.length; i++) raw.scale(offs[i], offs[i], sizes[i], c);
  return norm;
}
function jsNorm(): number {
  const buf = memory.buffer;
  let s = 0;
  for (let i = 0; i < offs.length; i++) {
    const v = new Float32Array(buf, offs[i], sizes[i]);
    for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  }
  return Math.sqrt(s);
}
function jsClip(): number {
  const norm = jsNorm();
  const c = Math.min(1, maxNorm / (norm + 1e-6));
  const buf = memory.buffer;
  for (let i = 0; i < offs.length; i++) {
    const v = new Float32Array(buf, offs[i], sizes[i]);
    for (let j = 0; j < v.length; j++) v[j] *= c;
  }
  return norm;
}
/** TF.js naive clip; returns the norm TF.js computed (float32 accumulation in its sum). */
function tfClip(): number {
  const out = tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    const c = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return { norm, clipped: grads.map((g) => tf.mul(g, c)) };
  });
  const n = out.norm.dataSync()[0];
  out.norm.dispose();
  for (const t of out.clipped) t.dispose();
  return n;
}

const dst = sizes.map((n) => tf.zeros([n]));
const dOffs = dst.map((t) => backend.dataIdMap.get(t.dataId).memoryOffset);
const slowReps = Math.min(REPS, 5);
const cases: Case[] = [
  { name: 'wasm SIMD sumSquares + scale (clip)', bytesPerElement: 12, reps: REPS, fn: () => (sink += simdClip()) },
  { name: 'wasm SIMD sumSquares only', bytesPerElement: 4, reps: REPS, fn: () => (sink += simdNorm()) },
  {
    name: 'wasm SIMD scale only (in place)',
    bytesPerElement: 8,
    reps: REPS,
    fn: (rep) => {
      const c = factor(rep);
      for (let i = 0; i < offs.length; i++) raw.scale(offs[i], offs[i], sizes[i], c);
    },
  },
  {
    name: 'wasm SIMD maxAbs (Inf-norm)',
    bytesPerElement: 4,
    reps: REPS,
    fn: () => {
      for (let i = 0; i < offs.length; i++) sink += raw.maxAbs(offs[i], sizes[i]);
    },
  },
  {
    name: 'bandwidth ref: SIMD f32 sum (read only)',
    bytesPerElement: 4,
    reps: REPS,
    fn: () => {
      for (let i = 0; i < offs.length; i++) sink += raw.sumF32(offs[i], sizes[i]);
    },
  },
  {
    name: 'bandwidth ref: SIMD copy (read + write)',
    bytesPerElement: 8,
    reps: REPS,
    fn: () => {
      for (let i = 0; i < offs.length; i++) raw.copy(offs[i], dOffs[i], sizes[i]);
    },
  },
  {
    // Fused clip + SGD (w -= lr * c * g: read w, g, write w) vs the two passes it replaces.
    name: 'wasm SIMD fused sgdUpdate(c) (w,g -> w)',
    bytesPerElement: 12,
    reps: REPS,
    fn: (rep) => {
      const lr = rep % 2 === 0 ? 1e-3 : -1e-3;
      for (let i = 0; i < offs.length; i++) raw.sgdUpdate(dOffs[i], dOffs[i], offs[i], sizes[i], lr, coef);
    },
  },
  {
    name: 'wasm SIMD scale, then sgdUpdate(1) (unfused)',
    bytesPerElement: 20,
    reps: REPS,
    fn: (rep) => {
      const lr = rep % 2 === 0 ? 1e-3 : -1e-3;
      const c = factor(rep);
      for (let i = 0; i < offs.length; i++) {
        raw.scale(offs[i], offs[i], sizes[i], c);
        raw.sgdUpdate(dOffs[i], dOffs[i], offs[i], sizes[i], lr, 1);
      }
    },
  },
  { name: 'plain JS loops (f64 sum, then scale)', bytesPerElement: 12, reps: slowReps, fn: () => (sink += jsClip()) },
  { name: 'TF.js naive (tidy square/sum/addN/sqrt/mul)', bytesPerElement: 12, reps: slowReps, fn: () => (sink += tfClip()) },
];
const timings = timeRoundRobin(cases);
for (const t of dst) t.dispose();
const rows = cases.map((c, i) => ({
  name: c.name,
  bytesPerElement: c.bytesPerElement,
  ms: timings[i].median,
  minMs: timings[i].min,
  normRelErr: undefined as number | undefined,
}));

// Accuracy (untimed) on the data as it is now: each clip's norm against float64.
{
  const want = jsNorm(); // float64 accumulation of exact float32 squares: the reference
  let r = 0;
  for (let i = 0; i < grads.length; i++) {
    const v = new Float32Array(memory.buffer, offs[i], sizes[i]);
    for (let j = 0; j < v.length; j++) r += Math.fround(v[j]) ** 2;
  }
  const ref64 = Math.sqrt(r);
  rows[0].normRelErr = Math.abs(simdNorm() - ref64) / ref64;
  rows[rows.length - 2].normRelErr = Math.abs(want - ref64) / ref64;
  rows[rows.length - 1].normRelErr = Math.abs(tfClip() - ref64) / ref64;
}

const device = `${process.platform} ${process.arch}, node ${process.version}`;
console.log(
  `kernels-micro: ${grads.length} tensors, ${total.toLocaleString('en')} float32 (${((total * 4) / 1e9).toFixed(2)} GB), ` +
    `scale ${SCALE}, ${REPS} runs round-robin (JS/TF.js: ${slowReps}), ${device}`,
);
console.log(
  'implementation'.padEnd(46) + 'median ms'.padStart(10) + 'GB/s'.padStart(7) + 'min ms'.padStart(9) + 'GB/s'.padStart(7) +
    '  B/elem  norm rel.err vs f64',
);
for (const r of rows) {
  const gbs = (total * r.bytesPerElement) / (r.ms * 1e6);
  const gbsMin = (total * r.bytesPerElement) / (r.minMs * 1e6);
  console.log(
    r.name.padEnd(46) + r.ms.toFixed(2).padStart(10) + gbs.toFixed(1).padStart(7) +
      r.minMs.toFixed(2).padStart(9) + gbsMin.toFixed(1).padStart(7) +
      String(r.bytesPerElement).padStart(8) + (r.normRelErr === undefined ? '' : `  ${r.normRelErr.toExponential(1)}`),
  );
}
for (const g of grads) g.dispose();
if (!Number.isFinite(sink)) console.log('(non-finite sink)');
if (JSON_OUT) {
  console.log(
    JSON.stringify({
      tensors: sizes.length,
      elements: total,
      reps: REPS,
      rows: rows.map((r) => ({ ...r, gbPerS: (total * r.bytesPerElement) / (r.ms * 1e6) })),
    }),
  );
}

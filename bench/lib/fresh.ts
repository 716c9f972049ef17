/**
 * Fresh-process cpu measurements: one clip configuration timed in a new Node
 * process (`bench/cpu-fresh.ts --child <config>`), so that the JIT state of
 * TF.js's cpu kernels and of gradclip's is only what that configuration
 * creates. Used by `bench/cpu-fresh.ts` (the factor study) and by
 * `bench/run.ts` (the fresh-process cpu rows of `npm run bench`).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lstmSizes } from './sets.js';
import { median } from './timing.js';

/** Tensor shapes of the set. `2d`: S2's tensors with their real LSTM shapes; `1d`: the same sizes as 1-D tensors (what `npm run bench` uses). */
export type FreshShapes = '1d' | '2d';
/** Gradient values: `normal` N(0, 1e-3²); `uniform` bench/lib/sets.ts' ±1e-3; `zeros`; `tiny` N(0, 1e-3²)·1e-18 (float32 squares underflow to subnormals). */
export type FreshData = 'normal' | 'uniform' | 'zeros' | 'tiny';
/**
 * What the process ran before the clips: `none` (fresh); `binops` (add, sub,
 * div, maximum once on a 64x64 tensor, as any model's forward pass does);
 * `train` (3 `model.fit` epochs of a small LSTM on the cpu backend: a user's
 * process before its first clip); `composition` (2 runs of
 * `clipGradNorm(grads, 1, {fused: false})` on the set, what `npm run bench`'s
 * warm-up runs before the cpu naive rows).
 */
export type FreshHistory = 'none' | 'binops' | 'train' | 'composition';
/**
 * Implementations: the naive TF.js clip, `clipGradNorm`, `clipGradNorm` with `inPlace: true`, its
 * two passes alone (`norm`: `getTotalNorm`; `scale`: `clipGradsWithNorm` with that norm), and the
 * naive clip's last pass alone (`mul`: `tf.mul(g, c)` for every gradient, c a scalar).
 */
export type FreshImpl = 'naive' | 'fused' | 'fused-owned' | 'norm' | 'scale' | 'mul';

/** One configuration, timed in one fresh process. */
export interface FreshConfig {
  shapes: FreshShapes;
  data: FreshData;
  history: FreshHistory;
  /** Implementations in the order of their first calls and of every round. */
  impls: FreshImpl[];
  /** Timed calls per implementation after the first call (round-robin). */
  reps: number;
  /** `global.gc()` before every timed call (the child runs with --expose-gc). */
  gc: boolean;
}

/** Timings of one implementation in one process, ms. */
export interface FreshTiming {
  /** The first call in the process (includes JIT compilation). */
  first: number;
  /** Median of the `reps` later calls. */
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** What a child process reports. */
export interface FreshResult {
  config: FreshConfig;
  /** 1-minute load average when the child started. */
  load: number;
  elements: number;
  tensors: number;
  timings: Partial<Record<FreshImpl, FreshTiming>>;
}

/** S2 (2-layer LSTM, 460 units) with its real shapes: per layer kernel [in, 4h], recurrent [h, 4h], two biases [4h] (in = h = 460). */
export function lstmShapes2d(): number[][] {
  const h = 460;
  const layer = [
    [h, 4 * h],
    [h, 4 * h],
    [4 * h],
    [4 * h],
  ];
  const shapes = [...layer, ...layer];
  const sizes = lstmSizes();
  const same = shapes.length === sizes.length && shapes.every((s, i) => s.reduce((a, b) => a * b, 1) === sizes[i]);
  if (!same) throw new Error('lstmShapes2d must have the sizes of lstmSizes()');
  return shapes;
}

/** Fills `out` with N(0, std²) values (Box-Muller on an LCG seeded with `seed`); returns the next seed. */
export function fillNormal(out: Float32Array, seed: number, std: number): number {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296; // in (0, 1)
  };
  for (let j = 0; j < out.length; j += 2) {
    const r = Math.sqrt(-2 * Math.log(next())) * std;
    const a = 2 * Math.PI * next();
    out[j] = r * Math.cos(a);
    if (j + 1 < out.length) out[j + 1] = r * Math.sin(a);
  }
  return s;
}

const CHILD = fileURLToPath(new URL('../cpu-fresh.ts', import.meta.url));

/** Runs `config` in a new Node process (through tsx) and returns what it measured. */
export function runFresh(config: FreshConfig): FreshResult {
  const args = [...(config.gc ? ['--expose-gc'] : []), '--import', 'tsx', CHILD, '--child', JSON.stringify(config)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 22 });
  if (r.status !== 0) throw new Error(`fresh cpu child failed (${r.status}): ${r.stderr.slice(-1500)}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as FreshResult;
}

/** Summary of one implementation over several processes. */
export interface FreshSummary {
  /** Median over processes of the per-process medians, ms. */
  median: number;
  /** Smallest and largest per-process median, ms. */
  lo: number;
  hi: number;
  /** Median over processes of the first call, ms. */
  first: number;
  firstLo: number;
  firstHi: number;
  procs: number;
}

/** Per implementation: the per-process figures summarized over `results`. */
export function summarize(results: readonly FreshResult[], impl: FreshImpl): FreshSummary | undefined {
  const ts = results.map((r) => r.timings[impl]).filter((t): t is FreshTiming => t !== undefined);
  if (ts.length === 0) return undefined;
  const meds = ts.map((t) => t.median);
  const firsts = ts.map((t) => t.first);
  return {
    median: median(meds),
    lo: Math.min(...meds),
    hi: Math.max(...meds),
    first: median(firsts),
    firstLo: Math.min(...firsts),
    firstHi: Math.max(...firsts),
    procs: ts.length,
  };
}

/** Per process: `a`'s median over `b`'s (e.g. naive / fused); median, min and max over processes. */
export function ratio(results: readonly FreshResult[], a: FreshImpl, b: FreshImpl, which: 'median' | 'first' = 'median'): { median: number; lo: number; hi: number } | undefined {
  const rs = results
    .map((r) => {
      const x = r.timings[a];
      const y = r.timings[b];
      return x && y ? x[which] / y[which] : undefined;
    })
    .filter((v): v is number => v !== undefined);
  if (rs.length === 0) return undefined;
  return { median: median(rs), lo: Math.min(...rs), hi: Math.max(...rs) };
}

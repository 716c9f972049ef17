/**
 * AutoClip's per-step cost against the length of its norm history (issue 13,
 * point 5). Side by side in one run, round-robin, at 10k, 100k and 1M norms:
 *
 *   old-array     the earlier state: a sorted plain array, validated (`isNormList`, as the earlier
 *                 update did with every state it was given), `insertSorted` (a full copy every
 *                 step, states being immutable) + `percentileOfSorted`
 *   new-blocks    the persistent sorted blocks of core/order-statistics.ts: `insert` + `percentileAt`
 *   window rows   the same with a full bounded window (`history` = n): insert, drop the oldest
 *                 (`removeSorted` / `remove`) and the arrival-order queue (array copy / `BlockQueue`)
 *   update rows   the whole `transforms.autoClip().update` on the cpu backend with a one-element
 *                 gradient (norm read, percentile, scale, info, state), so the history dominates:
 *                 the earlier update (written out below from the previous auto-clip.ts) and the new
 *   withTransforms  `withTransforms(tf.train.sgd, autoClip()).applyGradients` (the new update plus the
 *                 wrapper's statistics and state bookkeeping, the SGD step), from a state of n norms
 *
 * Each rep runs `--steps` consecutive steps from the same prefilled state (states are immutable,
 * so every rep starts alike) and records time / steps; the median over reps is reported in ms
 * per step. Usage: node --conditions=gradclip-source --import tsx bench/autoclip-history.ts
 * [--sizes 10000,100000,1000000] [--reps 9] [--steps 20] [--json]
 */
import { loadavg, cpus } from 'node:os';
import { tf, useBackend } from '../test/helpers/backends.js';
import { BlockQueue, SortedBlocks } from '../packages/gradclip/src/core/order-statistics.js';
import { insertSorted, removeSorted } from '../test/helpers/sorted-reference.js';
import { percentileAt, percentileOfSorted } from '../packages/gradclip/src/core/stats/index.js';
import { isNormList, requireState } from '../packages/gradclip/src/core/errors.js';
import { TORCH_CLIP_EPS } from '../packages/gradclip/src/core/constants.js';
import { clipInfo, readGlobalNorm, requireFloatUpdates, scaleAll } from '../packages/gradclip/src/transforms/internal.js';
import type { TransformResult } from '../packages/gradclip/src/transforms/types.js';
import { autoClip, type AdaptiveClipInfo, type AutoClipState } from '../packages/gradclip/src/transforms/adaptive/index.js';
import { timeRoundRobin, type TimedCase } from './lib/timing.js';
import { withTransforms } from '../packages/gradclip/src/optim/index.js';

function opt(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}
const SIZES = (opt('--sizes') ?? '10000,100000,1000000').split(',').map(Number);
const REPS = Number(opt('--reps') ?? 9);
const STEPS = Number(opt('--steps') ?? 20);
const JSON_OUT = process.argv.includes('--json');
const P = 10;

/** Deterministic norms (LCG), log-uniform over three decades like a real run's. */
function normSource(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    return Math.fround(10 ** ((s / 2 ** 32) * 3 - 1));
  };
}

interface PlainState {
  sorted: number[];
  recent: number[];
}

/** The earlier autoClip update (unbounded history), as auto-clip.ts had it before the sorted blocks. */
function oldUpdate(updates: tf.NamedTensorMap, state: PlainState, percentile: number): TransformResult<PlainState> & { info: AdaptiveClipInfo } {
  const FN = 'transforms.autoClip';
  requireFloatUpdates(FN, updates);
  requireState(FN, isNormList(state.sorted, true) && isNormList(state.recent));
  const norm = readGlobalNorm(FN, updates);
  const sorted = insertSorted(state.sorted, norm);
  const threshold = percentileOfSorted(sorted, percentile);
  const coef = norm > threshold ? threshold / (norm + TORCH_CLIP_EPS) : 1;
  return {
    updates: coef === 1 ? { ...updates } : scaleAll(FN, updates, coef),
    state: { sorted, recent: [] },
    info: { ...clipInfo(norm, coef), threshold },
  };
}

interface Row {
  n: number;
  impl: string;
  msPerStep: number;
  min: number;
  max: number;
  reps: number;
}
const rows: Row[] = [];

async function main(): Promise<void> {
  await useBackend('cpu');
  const load0 = loadavg()[0];
  for (const n of SIZES) {
    const next = normSource(n);
    const history = Array.from({ length: n }, next);
    const arr = Float64Array.from(history).sort();
    const sortedArr = Array.from(arr);
    // the new structure as a run builds it (inserts, so block sizes vary as they do in training)
    let blocks = SortedBlocks.EMPTY;
    for (const x of history) blocks = blocks.insert(x);
    const queue = BlockQueue.from(history);
    const steps = Array.from({ length: STEPS }, next);
    const t = autoClip({ percentile: P });
    // a state of n norms as update returns it (the plain record converted once, then one step)
    const grad0 = { a: tf.tensor1d([steps[0]]) };
    const first = t.update(grad0, { sorted: sortedArr, recent: [] } as AutoClipState);
    Object.values(first.info).forEach((v) => v instanceof tf.Tensor && v.dispose());
    const state0 = first.state;
    const grads = steps.map((x) => ({ a: tf.tensor1d([x]) }));
    const oldReps = n >= 1_000_000 ? Math.min(REPS, 5) : REPS;
    const variable = tf.variable(tf.tensor1d([1]), true, `ach-${n}`);
    const wrapped = withTransforms(tf.train.sgd(1e-3), autoClip({ percentile: P }));
    wrapped.setTransformState(state0);
    let sink = 0;
    const cases: Array<[string, TimedCase]> = [
      ['old-array', { reps: oldReps, fn: () => {
        let s: number[] = sortedArr;
        for (const x of steps) {
          if (!isNormList(s, true)) throw new Error('not sorted');
          s = insertSorted(s, x);
          sink += percentileOfSorted(s, P);
        }
      } }],
      ['new-blocks', { reps: REPS, fn: () => {
        let s = blocks;
        for (const x of steps) {
          s = s.insert(x);
          const l = s;
          sink += percentileAt(l.size, (k) => l.at(k) as number, P);
        }
      } }],
      ['old-array, window', { reps: oldReps, fn: () => {
        let s: number[] = sortedArr;
        let recent: number[] = history;
        for (const x of steps) {
          if (!isNormList(s, true) || !isNormList(recent)) throw new Error('not sorted');
          s = insertSorted(s, x);
          recent = [...recent, x];
          s = removeSorted(s, recent.shift() as number);
          sink += percentileOfSorted(s, P);
        }
      } }],
      ['new-blocks, window', { reps: REPS, fn: () => {
        let s = blocks;
        let q = queue;
        for (const x of steps) {
          s = s.insert(x);
          q = q.push(x);
          const o = q.shift() as { value: number; rest: BlockQueue };
          q = o.rest;
          s = s.remove(o.value);
          const l = s;
          sink += percentileAt(l.size, (k) => l.at(k) as number, P);
        }
      } }],
      ['update (cpu), old', { reps: oldReps, fn: () => {
        let s: PlainState = { sorted: sortedArr, recent: [] };
        for (const g of grads) {
          const r = oldUpdate(g, s, P);
          for (const v of Object.values(r.info)) if (v instanceof tf.Tensor) v.dispose();
          if (r.updates.a !== g.a) r.updates.a!.dispose();
          s = r.state;
        }
      } }],
      ['update (cpu), new', { reps: REPS, fn: () => {
        let s = state0;
        for (const g of grads) {
          const r = t.update(g, s);
          for (const v of Object.values(r.info)) if (v instanceof tf.Tensor) v.dispose();
          if (r.updates.a !== g.a) r.updates.a!.dispose();
          s = r.state;
        }
      } }],
    ];
    cases.push(['withTransforms step (cpu), new', { reps: REPS, fn: () => {
      for (const g of grads) wrapped.applyGradients({ [variable.name]: g.a });
    } }]);
    const timings = timeRoundRobin(cases.map(([, c]) => c));
    cases.forEach(([impl], i) => {
      const tm = timings[i];
      const row = { n, impl, msPerStep: tm.median / STEPS, min: tm.min / STEPS, max: tm.max / STEPS, reps: tm.runs };
      rows.push(row);
      if (JSON_OUT) console.log(JSON.stringify(row));
    });
    tf.dispose([grad0, ...grads]);
    wrapped.dispose();
    variable.dispose();
    if (!Number.isFinite(sink)) console.error('unexpected');
  }
  const load1 = loadavg()[0];
  const fmt = (x: number): string => (x >= 1 ? x.toFixed(2) : x >= 0.01 ? x.toFixed(3) : x.toFixed(4));
  const out = JSON_OUT ? console.error : console.log;
  out(`autoClip history: ms per step (median of reps; ${STEPS} steps per rep), ${cpus()[0]?.model ?? '?'} x${cpus().length}, Node ${process.version}, load ${load0.toFixed(1)} -> ${load1.toFixed(1)}`);
  const impls = [...new Set(rows.map((r) => r.impl))];
  out(`| history | ${impls.join(' | ')} | old / new |`);
  out(`|---|${impls.map(() => '---|').join('')}---|`);
  for (const n of SIZES) {
    const by = (impl: string): Row => rows.find((r) => r.n === n && r.impl === impl) as Row;
    const ratio = by('old-array').msPerStep / by('new-blocks').msPerStep;
    out(`| ${n.toLocaleString('en')} | ${impls.map((i) => fmt(by(i).msPerStep)).join(' | ')} | ${ratio.toFixed(0)}x |`);
  }
}

await main();

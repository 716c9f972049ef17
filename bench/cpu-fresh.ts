// Fresh-process cpu study (issue 9): gradclip's fused clip vs the naive TF.js clip on S2
// (2-layer LSTM, 460 units, 3.39M float32 in 8 tensors), each configuration in new Node
// processes, one factor changed at a time from the baseline (2-D LSTM shapes, N(0, 1e-3²)
// gradients, nothing run before, naive timed first, no forced GC).
//
//   npx tsx bench/cpu-fresh.ts                      every configuration, 3 processes each
//   npx tsx bench/cpu-fresh.ts --procs 5 --reps 21  more processes / timed calls per process
//   npx tsx bench/cpu-fresh.ts --only baseline,history-binops
//   npx tsx bench/cpu-fresh.ts --json               one JSON object per configuration on stdout
//   (child mode, used by the above and by bench/run.ts: --child '<FreshConfig JSON>')
//
// Per process: the first call of every implementation (in the configuration's order), then
// `reps` round-robin rounds; per configuration the table shows the median over processes of
// the per-process medians (and their range), and naive/fused per process (median, range).
import { loadavg } from 'node:os';
import { tf, useBackend } from '../test/helpers/backends.js';
import { clipGradNorm, clipGradsWithNorm, getTotalNorm } from '../packages/gradclip/src/clip/index.js';
import {
  fillNormal,
  lstmShapes2d,
  ratio,
  runFresh,
  summarize,
  type FreshConfig,
  type FreshImpl,
  type FreshResult,
  type FreshTiming,
} from './lib/fresh.js';
import { fillGradientLike } from './lib/sets.js';
import { median } from './lib/timing.js';

const MAX_NORM = 1.0;

// ---------------------------------------------------------------- child: one configuration in this process
async function child(config: FreshConfig): Promise<FreshResult> {
  const load = loadavg()[0];
  await useBackend('cpu');
  const shapes = lstmShapes2d();
  const makeGrads = (seed: number): tf.Tensor[] =>
    shapes.map((shape, i) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = new Float32Array(n);
      if (config.data === 'normal') fillNormal(x, seed + i, 1e-3);
      else if (config.data === 'tiny') fillNormal(x, seed + i, 1e-21);
      else if (config.data === 'uniform') fillGradientLike(x, seed + i);
      return config.shapes === '2d' ? tf.tensor(x, shape) : tf.tensor1d(x);
    });
  const grads = makeGrads(12345);
  const owned = { grads: config.impls.includes('fused-owned') ? makeGrads(12345) : [] };
  const normValue = config.impls.includes('scale') ? getTotalNorm(grads) : undefined;
  const coef = tf.scalar(0.54);

  // what the process ran before
  if (config.history === 'binops') {
    tf.tidy(() => {
      const a = tf.randomNormal([64, 64], 0, 1, 'float32', 1);
      tf.add(a, a);
      tf.sub(a, a);
      tf.div(a, 2);
      tf.maximum(a, 0);
    });
  } else if (config.history === 'train') {
    const model = tf.sequential({
      layers: [tf.layers.lstm({ units: 16, inputShape: [10, 8] }), tf.layers.dense({ units: 4 })],
    });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
    const xs = tf.randomNormal([32, 10, 8], 0, 1, 'float32', 2);
    const ys = tf.randomNormal([32, 4], 0, 1, 'float32', 3);
    await model.fit(xs, ys, { epochs: 3, batchSize: 16, verbose: 0 });
    tf.dispose([xs, ys]);
    model.dispose();
  } else if (config.history === 'composition') {
    for (let k = 0; k < 2; k++) {
      const r = clipGradNorm(grads, MAX_NORM, { fused: false });
      tf.dispose([...r.grads, r.totalNorm]);
    }
  }

  const impls: Record<FreshImpl, () => void> = {
    naive: () => {
      const out = tf.tidy(() => {
        const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
        const c = tf.minimum(1, tf.div(MAX_NORM, tf.add(norm, 1e-6)));
        return [norm, ...grads.map((g) => tf.mul(g, c))];
      });
      tf.dispose(out);
    },
    fused: () => {
      const r = clipGradNorm(grads, MAX_NORM);
      tf.dispose([...r.grads, r.totalNorm]);
    },
    'fused-owned': () => {
      const r = clipGradNorm(owned.grads, MAX_NORM, { inPlace: true });
      tf.dispose([...owned.grads, r.totalNorm]);
      owned.grads = r.grads;
    },
    norm: () => getTotalNorm(grads).dispose(),
    scale: () => tf.dispose(clipGradsWithNorm(grads, MAX_NORM, normValue as tf.Scalar)),
    mul: () => tf.dispose(grads.map((g) => tf.mul(g, coef))),
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  if (config.gc && gc === undefined) throw new Error('gc: true needs node --expose-gc');
  const time = (f: () => void): number => {
    if (config.gc) gc?.();
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  const first = config.impls.map((k) => time(impls[k]));
  const ts: number[][] = config.impls.map(() => []);
  for (let r = 0; r < config.reps; r++) config.impls.forEach((k, i) => ts[i].push(time(impls[k])));
  const timings: Partial<Record<FreshImpl, FreshTiming>> = {};
  config.impls.forEach((k, i) => {
    timings[k] = { first: first[i], median: median(ts[i]), min: Math.min(...ts[i]), max: Math.max(...ts[i]), runs: ts[i].length };
  });
  tf.dispose([...grads, ...owned.grads, coef, ...(normValue ? [normValue] : [])]);
  return {
    config,
    load,
    elements: shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0),
    tensors: shapes.length,
    timings,
  };
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const result = await child(JSON.parse(process.argv[childAt + 1]) as FreshConfig);
  console.log(JSON.stringify(result));
} else {
  study();
}

// ---------------------------------------------------------------- study: every factor, fresh processes
function study(): void {
  const opt = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const PROCS = Number(opt('--procs') ?? 3);
  const REPS = Number(opt('--reps') ?? 15);
  if (!Number.isInteger(PROCS) || PROCS < 1) throw new Error(`--procs must be an integer >= 1, got ${opt('--procs')}`);
  if (!Number.isInteger(REPS) || REPS < 1) throw new Error(`--reps must be an integer >= 1, got ${opt('--reps')}`);
  const JSON_OUT = process.argv.includes('--json');
  const log = (s: string): void => (JSON_OUT ? console.error(s) : console.log(s));

  const base: FreshConfig = { shapes: '2d', data: 'normal', history: 'none', impls: ['naive', 'fused', 'fused-owned'], reps: REPS, gc: false };
  const variants: Array<{ id: string; what: string; config: FreshConfig }> = [
    { id: 'baseline', what: 'baseline: 2-D shapes, normal data, fresh, naive first', config: base },
    { id: 'shapes-1d', what: 'shapes: 1-D tensors of the same sizes', config: { ...base, shapes: '1d' } },
    { id: 'data-uniform', what: "data: the bench's uniform ±1e-3", config: { ...base, data: 'uniform' } },
    { id: 'data-zeros', what: 'data: zeros', config: { ...base, data: 'zeros' } },
    { id: 'data-tiny', what: 'data: N(0,1e-3²)·1e-18 (squares subnormal in float32)', config: { ...base, data: 'tiny' } },
    { id: 'order-fused-first', what: 'order: fused timed first', config: { ...base, impls: ['fused', 'fused-owned', 'naive'] } },
    { id: 'gc', what: 'GC: global.gc() before every call', config: { ...base, gc: true } },
    { id: 'history-binops', what: 'history: add/sub/div/maximum once on 64x64', config: { ...base, history: 'binops' } },
    { id: 'history-train', what: 'history: 3 epochs of model.fit (small LSTM)', config: { ...base, history: 'train' } },
    { id: 'history-composition', what: "history: 2 composition clips (bench's warm-up)", config: { ...base, history: 'composition' } },
    {
      id: 'bench-conditions',
      what: "npm run bench's conditions: 1-D, uniform, after composition",
      config: { ...base, shapes: '1d', data: 'uniform', history: 'composition' },
    },
    { id: 'passes', what: 'the two passes alone: norm, scale', config: { ...base, impls: ['naive', 'fused', 'norm', 'scale'] } },
    { id: 'mul', what: "naive's tf.mul pass alone, fresh", config: { ...base, impls: ['mul'] } },
    { id: 'mul-binops', what: "naive's tf.mul pass alone, after binops", config: { ...base, impls: ['mul'], history: 'binops' } },
  ];
  const only = opt('--only')?.split(',');
  const chosen = only ? variants.filter((v) => only.includes(v.id)) : variants;
  if (chosen.length === 0) throw new Error(`--only must name some of ${variants.map((v) => v.id).join(',')}`);

  const load0 = loadavg();
  log(`cpu fresh-process study: S2, ${chosen.length} configurations x ${PROCS} processes, ${REPS} timed calls each; load ${load0.map((x) => x.toFixed(2)).join(' ')}`);
  const results = new Map<string, FreshResult[]>(chosen.map((v) => [v.id, []]));
  // processes interleaved over configurations, so load drift hits all of them alike
  for (let p = 0; p < PROCS; p++) {
    for (const v of chosen) {
      results.get(v.id)?.push(runFresh(v.config));
      if (!JSON_OUT) process.stdout.write('.');
    }
  }
  if (!JSON_OUT) process.stdout.write('\n');
  const load1 = loadavg();

  const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const lines = [
    '| configuration | naive ms | fused ms | fused-owned ms | naive / fused | naive / fused-owned | 1st call naive / fused ms | 1st call naive / fused | other |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const v of chosen) {
    const rs = results.get(v.id) ?? [];
    const s = (k: FreshImpl): string => {
      const x = summarize(rs, k);
      return x ? `${f(x.median)} (${f(x.lo)}-${f(x.hi)})` : '';
    };
    const q = (a: FreshImpl, b: FreshImpl, which: 'median' | 'first' = 'median'): string => {
      const x = ratio(rs, a, b, which);
      return x ? `**${f(x.median)}x** (${f(x.lo)}-${f(x.hi)})` : '';
    };
    const n = summarize(rs, 'naive');
    const fu = summarize(rs, 'fused');
    const other = (['norm', 'scale', 'mul'] as const)
      .map((k) => (summarize(rs, k) ? `${k} ${s(k)}` : ''))
      .filter((x) => x)
      .join(', ');
    lines.push(
      `| ${v.what} | ${s('naive')} | ${s('fused')} | ${s('fused-owned')} | ${q('naive', 'fused')} | ${q('naive', 'fused-owned')} | ` +
        `${n && fu ? `${f(n.first)} / ${f(fu.first)}` : ''} | ${q('naive', 'fused', 'first')} | ${other} |`,
    );
    if (JSON_OUT) {
      console.log(
        JSON.stringify({
          id: v.id,
          what: v.what,
          config: v.config,
          procs: rs.length,
          loads: rs.map((r) => r.load),
          summary: Object.fromEntries(v.config.impls.map((k) => [k, summarize(rs, k)])),
          naiveOverFused: ratio(rs, 'naive', 'fused'),
          naiveOverOwned: ratio(rs, 'naive', 'fused-owned'),
          firstNaiveOverFused: ratio(rs, 'naive', 'fused', 'first'),
          perProcess: rs.map((r) => r.timings),
        }),
      );
    }
  }
  lines.push('');
  lines.push(
    `ms: median over ${PROCS} processes of each process's median of ${REPS} calls (range over processes); ratios per process, median (range). ` +
      `load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`,
  );
  log(lines.join('\n'));
}

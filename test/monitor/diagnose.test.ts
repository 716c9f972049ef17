import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, type Diagnosis } from '../../packages/gradclip/src/monitor/diagnose/index.js';
import type { StepStats } from '../../packages/gradclip/src/core/step-stats.js';
import { clipRate } from '../../packages/gradclip/src/core/run-metrics.js';
import { GradclipArgumentError } from '../../packages/gradclip/src/core/errors.js';

function rec(step: number, loss: number | null, preClipNorm: number | null, extra: Partial<StepStats> = {}): StepStats {
  return { step, loss, preClipNorm, postClipNorm: preClipNorm, clipCoef: 1, clipped: false, skipped: false, ...extra };
}

/** Deterministic PRNG (mulberry32) + Box-Muller normals, local to the test. */
function normals(seed: number, n: number): number[] {
  let a = seed >>> 0;
  const u = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: number[] = [];
  while (out.length < n) out.push(Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u()));
  return out;
}

const kinds = (d: Diagnosis): string[] => d.findings.map((f) => f.kind);
const find = (d: Diagnosis, kind: string) => d.findings.find((f) => f.kind === kind);

test('exploding: norm x3 per step after step 40, then NaN -> first spike at step 43, loss spike at 44, NaN at 52', () => {
  const stats: StepStats[] = [];
  for (let s = 1; s <= 60; s++) {
    if (s >= 52) {
      stats.push(rec(s, Number.NaN, Number.NaN));
      continue;
    }
    const norm = s <= 40 ? 1 : 3 ** (s - 40);
    const loss = s <= 43 ? 2 : 2 * 3 ** (s - 43);
    stats.push(rec(s, loss, norm));
  }
  const d = diagnose(stats);
  assert.equal(d.status, 'exploding');
  // Step 41: 3 vs 10 x median 1; step 42: 9 < 10; step 43: 27 > 10 x median(18 ones, 3, 9) = 10.
  assert.equal(d.firstEventStep, 43);
  assert.equal(d.findings[0].kind, 'norm-spike');
  assert.equal(d.findings[0].step, 43);
  assert.match(d.findings[0].message, /At step 43 the gradient norm 27 was 27x the median \(1\) of the previous 20 steps/);
  // Step 44: loss 6 > 2 x running median 2.
  assert.equal(find(d, 'loss-spike')?.step, 44);
  assert.match(find(d, 'loss-spike')!.message, /1 step after the gradient-norm spike at step 43/);
  assert.equal(find(d, 'non-finite')?.step, 52);
  assert.match(find(d, 'non-finite')!.message, /At step 52 the gradient norm became NaN and the loss became NaN/);
  assert.deepEqual([...d.flags].sort(), ['loss-spikes', 'non-finite']);
  // Threshold from the 42 norms before the event: 40 ones, 3 and 9. Log-space MAD = 0, so the spike cut-off is
  // 3 x median 1 = 3 and only 9 is a spike; p95 of the other 41 is 1; max(1, 1.5 x 1) = 1.5, already a nice value.
  assert.equal(d.recommendedThreshold, 1.5);
  assert.ok(d.recommendations.some((r) => /Clip gradients by global norm at 1\.5/.test(r)));
  assert.ok(d.recommendations.some((r) => /Lower the learning rate/.test(r)));
  assert.ok(d.recommendations.some((r) => /skipNonFinite/.test(r)));
  assert.match(d.summary, /^Exploding gradients from step 43\./);
  assert.equal(d.maxPreClipNorm, 3 ** 11);
  // The record is plain data (the CLI prints it as JSON).
  assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
});

test('vanishing: early layers at 1e-9 vs last layers at 1e-1, norms falling while the loss stays flat', () => {
  const stats: StepStats[] = [];
  for (let t = 1; t <= 100; t++) {
    stats.push(
      rec(t, 0.69 + 0.001 * (t % 3), 0.9 ** t, {
        layerNorms: {
          'rnn/kernel': 1e-9,
          'rnn/recurrent_kernel': 2e-9,
          'rnn/bias': 1e-9,
          'dense/kernel': 1e-1,
          'dense/bias': 5e-2,
        },
      }),
    );
  }
  const d = diagnose(stats);
  assert.equal(d.status, 'vanishing');
  const gap = find(d, 'layer-gap');
  assert.ok(gap);
  assert.deepEqual(gap.layers, ['rnn/kernel', 'rnn/recurrent_kernel', 'rnn/bias']);
  assert.equal(gap.step, 1);
  assert.match(gap.message, /versus 0\.1 for dense\/kernel/);
  assert.match(gap.message, /up to 8 orders of magnitude/); // log10(0.1 / 1e-9) = 8
  // First-window median (steps 1..20) = (0.9^10 + 0.9^11) / 2; last (81..100) = (0.9^90 + 0.9^91) / 2:
  // ratio 0.9^-80 = 4.6e3 >= 1000. The collapse step is the first with 0.9^t < first / 10.
  const first = (0.9 ** 10 + 0.9 ** 11) / 2;
  let expectedStep = 1;
  while (0.9 ** expectedStep >= first / 10) expectedStep++;
  assert.equal(expectedStep, 33);
  const col = find(d, 'norm-collapse');
  assert.equal(col?.step, 33);
  assert.match(col!.message, /while the loss stayed high/);
  assert.equal(d.firstEventStep, 1);
  assert.deepEqual(kinds(d).slice(0, 2), ['layer-gap', 'norm-collapse']);
  const recs = d.recommendations.join('\n');
  assert.match(recs, /residual/);
  assert.match(recs, /LSTM or GRU instead of a vanilla RNN/);
  assert.match(recs, /orthogonal/);
  assert.match(recs, /Glorot/);
  assert.match(recs, /normalisation layers/);
  assert.match(d.summary, /^Vanishing gradients\./);
  assert.match(d.summary, /rnn\/kernel/);
});

test('healthy: 300 noisy log-normal norms, decreasing noisy loss, balanced layers', () => {
  const z = normals(5, 300);
  const zl = normals(6, 300);
  const stats = z.map((v, i) =>
    rec(i + 1, 2 * Math.exp(-(i + 1) / 300) * (1 + 0.05 * zl[i]), Math.exp(0.3 * v), {
      layerNorms: { l1: 0.3 * Math.exp(0.3 * v), l2: 0.5, l3: 0.4, l4: 0.6 },
    }),
  );
  const d = diagnose(stats);
  assert.equal(d.status, 'healthy');
  assert.deepEqual(d.findings, []);
  assert.deepEqual(d.flags, []);
  assert.deepEqual(d.recommendations, []);
  assert.equal(d.firstEventStep, null);
  assert.equal(d.clipRate, 0);
  assert.match(d.summary, /^Healthy: over 300 steps the gradient norm stayed within 10x of its running median/);
  // recommendThreshold still gives a value for this run.
  assert.ok(d.recommendedThreshold !== null && d.recommendedThreshold > d.medianPreClipNorm!);
});

test('clip rate 0.9: clipping-saturated flag and "lower the learning rate / raise the threshold"', () => {
  const z = normals(9, 100);
  const stats = z.map((v, i) => {
    const norm = 5 * Math.exp(0.2 * v);
    const clipped = (i + 1) % 10 !== 0; // 90 of 100 steps
    return rec(i + 1, 1, norm, clipped ? { clipped, postClipNorm: 1, clipCoef: 1 / norm } : {});
  });
  const d = diagnose(stats);
  assert.equal(d.status, 'healthy');
  assert.equal(d.clipRate, 0.9);
  assert.deepEqual(d.flags, ['clipping-saturated']);
  const f = find(d, 'clipping-saturated');
  assert.match(f!.message, /Clipping fired on 90% of the steps \(90 of 100\): the threshold \(about 1\)/);
  const r = d.recommendations.find((x) => /Clipping fired on 90%/.test(x));
  assert.ok(r);
  assert.match(r, /lower the learning rate/);
  assert.match(r, /raise the clipping threshold/);
  assert.match(d.summary, /Clipping fired on 90%/);
  // Exactly at the threshold (0.5) is not saturated: the rule is "more than".
  const half = stats.map((s, i) => ({ ...s, clipped: i % 2 === 0 }));
  assert.ok(!diagnose(half).flags.includes('clipping-saturated'));
});

test('hand-made: NaN loss at step 7 -> exploding at step 7', () => {
  const stats = Array.from({ length: 12 }, (_, i) => rec(i + 1, i + 1 === 7 ? Number.NaN : 1, 1));
  const d = diagnose(stats);
  assert.equal(d.status, 'exploding');
  assert.equal(d.firstEventStep, 7);
  assert.deepEqual(kinds(d), ['non-finite']);
  assert.equal(d.findings[0].message, 'At step 7 the loss became NaN.');
});

test('hand-made: spike rule is strict (>) and needs minHistory previous norms', () => {
  // Steps 1-10 norm 1, step 11 norm exactly 10 (= 10 x median, not above), step 12 norm 10.5 (> 10 x median 1).
  const norms = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 10, 10.5, 1, 1];
  const d = diagnose(norms.map((n, i) => rec(i + 1, 1, n)));
  assert.equal(d.status, 'exploding');
  assert.equal(d.firstEventStep, 12);
  assert.match(d.findings[0].message, /At step 12 the gradient norm 10.5 was 10.5x the median \(1\)/);
  // A 50x jump at step 5 has only 4 previous norms (minHistory 5): not tested, run is healthy.
  const early = [1, 1, 1, 1, 50, ...new Array<number>(15).fill(1)];
  assert.equal(diagnose(early.map((n, i) => rec(i + 1, 1, n))).status, 'healthy');
  // ... but with minHistory 4 it is a spike at step 5.
  const d4 = diagnose(
    early.map((n, i) => rec(i + 1, 1, n)),
    { minHistory: 4 },
  );
  assert.equal(d4.status, 'exploding');
  assert.equal(d4.firstEventStep, 5);
});

test('hand-made: slow steady growth (x1.1 per step) is caught by the trend rule, not the spike rule', () => {
  const v = Array.from({ length: 100 }, (_, i) => 1.1 ** (i + 1));
  const d = diagnose(v.map((n, i) => rec(i + 1, 1, n)));
  assert.equal(d.status, 'exploding');
  assert.ok(!kinds(d).includes('norm-spike')); // 1.1^10.5 = 2.7 < 10 against the trailing median
  const first = (v[9] + v[10]) / 2; // median of steps 1..20
  const last = (v[89] + v[90]) / 2; // median of steps 81..100
  assert.ok(last / first >= 1000); // 1.1^80 = 2048
  let step = 1;
  while (v[step - 1] <= 10 * first) step++;
  assert.equal(step, 35);
  assert.equal(find(d, 'norm-growth')?.step, 35);
  assert.equal(d.firstEventStep, 35);
});

test('hand-made: norms and loss falling together is convergence, not vanishing', () => {
  const stats = Array.from({ length: 100 }, (_, i) => rec(i + 1, 0.9 ** (i + 1), 0.9 ** (i + 1)));
  const d = diagnose(stats);
  assert.equal(d.status, 'healthy');
  assert.match(find(d, 'norm-collapse')!.message, /looks like convergence, not vanishing gradients/);
  assert.deepEqual(d.recommendations, []);
});

test('hand-made: a loss spike with no norm spike before it is not reported; skipped steps are', () => {
  const stats = Array.from({ length: 30 }, (_, i) =>
    rec(i + 1, i + 1 === 20 ? 50 : 1, 1, i + 1 === 25 ? { skipped: true } : {}),
  );
  const d = diagnose(stats);
  assert.equal(d.status, 'healthy');
  assert.deepEqual(kinds(d), ['skipped-steps']);
  assert.deepEqual(d.flags, ['skipped-steps']);
  assert.equal(d.skippedSteps, 1);
  assert.equal(d.findings[0].message, '1 of 30 steps were skipped by a guard (weights and optimizer state left untouched).');
});

test('hand-made: a non-finite layer norm names the layer', () => {
  const stats = Array.from({ length: 12 }, (_, i) =>
    rec(i + 1, 1, 1, { layerNorms: { a: 1, b: i + 1 === 9 ? Number.POSITIVE_INFINITY : 1 } }),
  );
  const d = diagnose(stats);
  assert.equal(d.status, 'exploding');
  assert.equal(d.firstEventStep, 9);
  assert.deepEqual(d.findings[0].layers, ['b']);
  assert.equal(d.findings[0].message, 'At step 9 some layer gradients became non-finite (layers: b).');
});

test('insufficient data: empty input and too few steps', () => {
  const e = diagnose([]);
  assert.equal(e.status, 'insufficient-data');
  assert.equal(e.steps, 0);
  assert.equal(e.summary, 'No steps were recorded, so there is nothing to diagnose.');
  const few = diagnose([1, 2, 3, 4, 5].map((s) => rec(s, 1, 1)));
  assert.equal(few.status, 'insufficient-data');
  assert.match(few.summary, /Only 5 steps recorded \(at least 10 are needed\)/);
  assert.ok(few.recommendations.some((r) => /Record at least 10 steps/.test(r)));
  // A NaN is conclusive even in a short run.
  assert.equal(diagnose([rec(1, 1, 1), rec(2, 1, Number.POSITIVE_INFINITY)]).status, 'exploding');
});

test('validation: malformed records and options throw with the field named', () => {
  assert.throws(() => diagnose('x' as unknown as StepStats[]), {
    message: 'diagnose: stats must be an array of StepStats records, got string',
  });
  assert.throws(() => diagnose([rec(1, 1, 1), rec(2, 1, -3)]), {
    message: 'diagnose: stats[1].preClipNorm is -3; a norm must be >= 0 (or NaN/Infinity for a diverged step)',
  });
  assert.throws(() => diagnose([{ loss: 1 } as unknown as StepStats]), {
    message: 'diagnose: stats[0].step must be a finite number, got undefined',
  });
  assert.throws(() => diagnose([rec(1, '1' as unknown as number, 1)]), {
    message: 'diagnose: stats[0].loss must be a number or null, got string',
  });
  assert.throws(() => diagnose([], { window: 0 }), { message: 'diagnose: window must be an integer >= 1, got 0' });
  assert.throws(() => diagnose([], { spikeFactor: 1 }), { message: 'diagnose: spikeFactor must be a finite number > 1, got 1' });
  assert.throws(() => diagnose([], { minHistory: 30 }), { message: 'diagnose: minHistory must be <= window (20), got 30' });
  assert.throws(() => diagnose([], { windw: 5 } as never), {
    message:
      'diagnose: unknown option "windw"; known options: window, spikeFactor, minHistory, lossLag, lossSpikeFactor, trendFactor, convergedLossRatio, layerGapFactor, clipRateThreshold, minSteps',
  });
  assert.throws(() => diagnose([], { clipRateThreshold: 1 }), {
    message: 'diagnose: clipRateThreshold must be in [0, 1), got 1',
  });
});

test('clip rate = clipped / applied steps: skipped steps are in neither count (core/run-metrics clipRate)', () => {
  // 100 steps: 20 skipped by a guard (never clipped), 48 of the other 80 clipped.
  const stats = Array.from({ length: 100 }, (_, i) => {
    const skipped = i % 5 === 4;
    const clipped = !skipped && i % 5 !== 3 && i < 80;
    return rec(i + 1, 1, 2, { skipped, clipped, postClipNorm: clipped ? 1 : 2 });
  });
  const applied = stats.filter((s) => !s.skipped);
  assert.equal(applied.length, 80);
  assert.equal(applied.filter((s) => s.clipped).length, 48);
  const d = diagnose(stats);
  assert.equal(d.clipRate, 48 / 80); // not 48 / 100: a skipped step applied nothing
  assert.equal(d.clipRate, clipRate(stats));
  assert.deepEqual(d.flags, ['clipping-saturated', 'skipped-steps']);
  assert.match(find(d, 'clipping-saturated')!.message, /^Clipping fired on 60% of the steps \(48 of 80 applied steps\)/);
  assert.ok(d.recommendations.some((r) => r.startsWith('Clipping fired on 60% of the steps: lower the learning rate')));
  // Every step skipped: no step was applied, so there is no clip rate.
  const allSkipped = diagnose(stats.map((s) => ({ ...s, skipped: true, clipped: false })));
  assert.equal(allSkipped.clipRate, null);
  assert.ok(!allSkipped.flags.includes('clipping-saturated'));
});

test('argument errors are GradclipArgumentError', () => {
  assert.throws(() => diagnose('x' as unknown as StepStats[]), GradclipArgumentError);
  assert.throws(() => diagnose([rec(1, 1, -1)]), GradclipArgumentError);
  assert.throws(() => diagnose([], { lossLag: 0 }), GradclipArgumentError);
  assert.throws(() => diagnose([], { convergedLossRatio: 1 }), GradclipArgumentError);
});

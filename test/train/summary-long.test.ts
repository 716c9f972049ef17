/**
 * Long runs: the run summary, the report's chart data and diagnose handle
 * 300k steps (a spread `Math.max(...norms)` threw "Maximum call stack size
 * exceeded" past ~100k values).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxOf, minOf } from '../../packages/gradclip/src/core/stats/index.js';
import { diagnose, type StepStats } from '../../packages/gradclip/src/index.js';
import { summarizeRun } from '../../packages/cli/src/train/summary.js';

const N = 300_000;

function stats(): StepStats[] {
  const out: StepStats[] = [];
  for (let i = 1; i <= N; i++) {
    const norm = 1 + ((i * 7919) % 1000) / 1000; // in [1, 2)
    out.push({ step: i, loss: 1 / i, preClipNorm: i === 123_456 ? 50 : norm, postClipNorm: Math.min(norm, 1), clipCoef: 1, clipped: norm > 1, skipped: false });
  }
  return out;
}

test('maxOf / minOf equal Math.max / Math.min (NaN and empty included)', () => {
  for (const xs of [[], [3], [1, -2, 5], [NaN, 1], [1, NaN], [-Infinity], [Infinity, 2]]) {
    assert.ok(Object.is(maxOf(xs), Math.max(...xs)), `max ${xs}`);
    assert.ok(Object.is(minOf(xs), Math.min(...xs)), `min ${xs}`);
  }
  const big = Array.from({ length: N }, (_, i) => (i * 37) % 1001);
  assert.equal(maxOf(big), 1000);
  assert.equal(minOf(big), 0);
});

test(`summarizeRun and diagnose on ${N.toLocaleString('en')} steps`, () => {
  const s = stats();
  const summary = summarizeRun({ config: { task: 'addition', model: 'rnn', steps: N } as never, stats: s, divergedAtStep: null, finalEval: null, entropyBaseline: null, wallSeconds: 1, backend: 'cpu' });
  assert.equal(summary.maxPreClipNorm, 50);
  assert.equal(summary.steps, N);
  const d = diagnose(s);
  assert.equal(typeof d.status, 'string');
});

test('summarizeRun: clip rate over applied steps (0 when none was applied); nonFiniteSteps counts steps with a non-finite loss or pre-clip norm (isNonFiniteStep)', () => {
  const rec = (step: number, over: Partial<StepStats>): StepStats => ({ step, loss: 1, preClipNorm: 2, postClipNorm: 1, clipCoef: 0.5, clipped: true, skipped: false, ...over });
  const config = { task: 'addition', model: 'rnn', steps: 4 } as never;
  const input = { config, divergedAtStep: null, finalEval: null, entropyBaseline: null, wallSeconds: 1, backend: 'cpu' };
  // The step a run diverges at typically has an infinite loss and a finite norm: it is a non-finite step.
  const stats = [rec(1, {}), rec(2, { clipped: false }), rec(3, { preClipNorm: Number.NaN, skipped: true, clipped: false }), rec(4, { loss: Number.POSITIVE_INFINITY })];
  const s = summarizeRun({ ...input, stats });
  assert.equal(s.clipRate, 2 / 3);
  assert.equal(s.skippedSteps, 1);
  assert.equal(s.nonFiniteSteps, 2);
  assert.equal(s.maxPreClipNorm, 2);
  assert.equal(s.medianPreClipNorm, 2);
  assert.equal(s.finalLoss, null);
  const none = summarizeRun({ ...input, stats: [rec(1, { skipped: true })] });
  assert.equal(none.clipRate, 0);
});

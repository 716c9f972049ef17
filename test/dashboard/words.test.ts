import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pct, specNumber, statusLine, thresholdAdvice, plainDiagnosis } from '../../packages/cli/dashboard/src/words.js';
import { RunSeries, logSafe, shortLayerName } from '../../packages/cli/dashboard/src/series.js';
import { diagnose, recommendThreshold, type StepStats } from '../../packages/gradclip/src/index.js';
import { formatNumber } from '../../packages/gradclip/src/internal.js';

function rec(step: number, loss: number, pre: number, clipped = false, skipped = false): StepStats {
  return { step, loss, preClipNorm: pre, postClipNorm: Math.min(pre, 1), clipCoef: pre > 1 ? 1 / pre : 1, clipped, skipped, layerNorms: { 'gc3/rnn/W_hh': pre / 2 } };
}

test('formatNumber (the dashboard writes numbers with it) / pct / specNumber', () => {
  assert.equal(formatNumber(0.08912), '0.0891');
  assert.equal(formatNumber(1234.5), '1230');
  assert.equal(formatNumber(4.2e19), '4.2e19'); // was '4.20e19': formatNumber drops trailing zeros
  assert.equal(formatNumber(Number.POSITIVE_INFINITY), 'Infinity');
  assert.equal(formatNumber(Number.NaN), 'NaN');
  assert.equal(formatNumber(null), '—'); // was '–' (en dash): formatNumber's missing glyph is the em dash
  assert.equal(pct(0.34), '34%');
  assert.equal(pct(0.054), '5.4%');
  assert.equal(specNumber(4e19), '4e19');
  assert.equal(specNumber(1.5), '1.5');
});

test('statusLine: divergence, running and finished runs in words', () => {
  const stats = [rec(1, 0.5, 2, true), rec(2, 0.3, 0.5), rec(3, 0.2, 3, true)];
  // 2 of 3 applied steps clipped = 67%
  assert.deepEqual(statusLine({ stats, divergedAtStep: null, totalSteps: 10, finished: false, clip: 'norm:1' }), {
    text: 'step 3 of 10 · loss 0.2 · clipping on 67% of steps',
    tone: 'running',
  });
  assert.equal(statusLine({ stats, divergedAtStep: null, totalSteps: 3, finished: true, clip: 'none' }).text, 'finished 3 steps · loss 0.2 · no clipping');
  const div = [...stats, rec(4, Number.POSITIVE_INFINITY, Number.NaN)];
  assert.deepEqual(statusLine({ stats: div, divergedAtStep: 4, totalSteps: 10, finished: true, clip: 'none' }), { text: 'diverged at step 4 (loss became Infinity)', tone: 'bad' });
  const skipped = [rec(1, 0.5, 2, true), rec(2, 0.4, 2, false, true)];
  assert.equal(statusLine({ stats: skipped, divergedAtStep: null, totalSteps: null, finished: false, clip: 'norm:1' }).text, 'step 2 · loss 0.4 · clipping on 100% of steps · 1 step skipped');
  assert.deepEqual(statusLine({ stats: [], divergedAtStep: null, totalSteps: 5, finished: false, clip: null }), { text: 'not started', tone: 'idle' });
});

test('RunSeries: log columns keep positive finite values only; markers for non-finite and skipped steps', () => {
  const s = new RunSeries();
  s.push(rec(1, 0.5, 2, true));
  s.push({ step: 2, loss: Number.POSITIVE_INFINITY, preClipNorm: Number.NaN, postClipNorm: Number.NaN, clipCoef: Number.NaN, clipped: false, skipped: true, layerNorms: { 'gc3/rnn/W_hh': Number.NaN, 'gc3/out/b': 1 } });
  s.push(rec(3, 0, 0));
  assert.deepEqual(s.steps, [1, 2, 3]);
  assert.deepEqual(s.loss, [0.5, null, null]);
  assert.deepEqual(s.pre, [2, null, null]);
  assert.deepEqual(s.coef, [0.5, null, 1]);
  assert.deepEqual(s.nonFiniteSteps, [2]);
  assert.deepEqual(s.skippedSteps, [2]);
  assert.deepEqual(s.layerNames, ['gc3/rnn/W_hh', 'gc3/out/b']);
  assert.deepEqual(s.layers, [[1, null, null], [null, 1, null]]); // a layer first seen at step 2 is back-filled
  assert.equal(s.clipRate, 1 / 2); // 1 clipped of 2 applied
  assert.equal(s.lastFiniteLoss, 0.5);
  assert.equal(shortLayerName('gc12/rnn/W_hh'), 'rnn/W_hh');
});

test('logSafe is null exactly for non-positive or non-finite input (property)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.double(), fc.constant(null)), (x) => {
      const y = logSafe(x);
      const ok = x !== null && Number.isFinite(x) && x > 0;
      return ok ? y === x : y === null;
    }),
    { seed: 11, numRuns: 500 },
  );
});

test('thresholdAdvice and plainDiagnosis put the library results in words', () => {
  const norms = Array.from({ length: 40 }, (_, i) => 1 + (i % 5) * 0.1);
  const r = recommendThreshold(norms);
  const text = thresholdAdvice(r, 'the unclipped run');
  assert.match(text, new RegExp(`^Clip the global gradient norm at ${formatNumber(r.threshold)} \\(clip spec norm:${r.threshold}\\)\\. From 40 gradient norms of the unclipped run`));
  assert.ok(text.includes(r.rationale));
  assert.doesNotMatch(text, /Caution/);
  const stats = Array.from({ length: 30 }, (_, i) => rec(i + 1, 0.5, 1 + (i % 3) * 0.1));
  const d = plainDiagnosis(diagnose(stats));
  assert.equal(d.verdict, 'healthy');
  assert.ok(d.summary.length > 0);
});

test('plainDiagnosis: the ranked causes in words, titles with their confidence, evidence and fixes kept', () => {
  const stats = Array.from({ length: 40 }, (_, i) => ({ step: i + 1, loss: 1, preClipNorm: i === 20 ? Number.NaN : 1, postClipNorm: 1, clipCoef: 1, clipped: false, skipped: false }));
  const d = diagnose(stats);
  const p = plainDiagnosis(d);
  assert.equal(p.causes.length, (d.causes ?? []).length);
  assert.ok(p.causes.length > 0);
  (d.causes ?? []).forEach((c, i) => {
    assert.match(p.causes[i].title, new RegExp(`\\(confidence ${c.confidence.toFixed(2)}\\)$`));
    assert.deepEqual(p.causes[i].evidence, c.evidence);
    assert.deepEqual(p.causes[i].fixes, c.fixes);
  });
  assert.match(p.causes[0].title, /^a bad batch or a numerical fault/);
});

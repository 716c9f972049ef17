import { it } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../packages/gradclip/src/monitor/diagnose/index.js';
import type { StepStats } from '../../packages/gradclip/src/core/step-stats.js';

function run(normAt: (i: number) => number, n: number): StepStats[] {
  return Array.from({ length: n }, (_, i) => {
    const v = normAt(i);
    return { step: i + 1, loss: Number.isFinite(v) ? 1 : Number.NaN, preClipNorm: v, postClipNorm: v, clipCoef: 1, clipped: false, skipped: false };
  });
}

it('never recommends a threshold taken from the explosion itself', () => {
  // 10 ordinary steps (too few to calibrate from), then ×100 per step up to Inf.
  const d = diagnose(run((i) => (i < 10 ? 1 + (i % 3) * 0.1 : i < 20 ? 100 ** (i - 9) : Number.POSITIVE_INFINITY), 25));
  assert.equal(d.status, 'exploding');
  assert.equal(d.recommendedThreshold, null);
  assert.ok(d.recommendations.some((r) => /record a few hundred unclipped steps/.test(r)));
});

it('recommends from the norms before the first event when there are enough', () => {
  const d = diagnose(run((i) => (i < 60 ? 1 + (i % 5) * 0.1 : 10 ** (i - 55)), 70));
  assert.equal(d.status, 'exploding');
  assert.ok(d.recommendedThreshold !== null && d.recommendedThreshold >= 1.2 && d.recommendedThreshold < 10, `got ${d.recommendedThreshold}`);
});

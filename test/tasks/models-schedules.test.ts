// Learning-rate schedules (src/tasks/schedules.ts) against hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { noamLearningRate, warmupSchedule } from '../../packages/cli/src/tasks/schedules.js';

const near = (got: number, want: number, what: string): void => assert.ok(Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);

test('linear warm-up then constant: 0.25, 0.5, 0.75, 1, 1 (x peak) for warmup 4', () => {
  const lr = warmupSchedule({ peakLr: 0.2, warmupSteps: 4 });
  [0.05, 0.1, 0.15, 0.2, 0.2, 0.2].forEach((v, i) => near(lr(i + 1), v, `step ${i + 1}`));
  const flat = warmupSchedule({ peakLr: 0.3 });
  near(flat(1), 0.3, 'no warm-up');
});

test('inverse-sqrt: peak * sqrt(w / s) after warm-up (step 16, w 4 -> peak / 2)', () => {
  const lr = warmupSchedule({ peakLr: 1e-3, warmupSteps: 4, decay: 'inverse-sqrt' });
  near(lr(2), 5e-4, 'warm-up');
  near(lr(4), 1e-3, 'peak');
  near(lr(16), 5e-4, 'step 16');
  near(lr(400), 1e-4, 'step 400');
});

test('inverse-sqrt with warm-up is Vaswani et al. eq. 3 rescaled to the peak (d=512, w=4000)', () => {
  const d = 512;
  const w = 4000;
  // Paper's rate at step w: d^-0.5 * w^-0.5
  const peak = 1 / Math.sqrt(d * w);
  near(noamLearningRate(w, d, w), peak, 'noam at warm-up end');
  near(noamLearningRate(1, d, w), d ** -0.5 * w ** -1.5, 'noam step 1');
  const lr = warmupSchedule({ peakLr: peak, warmupSteps: w, decay: 'inverse-sqrt' });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200000 }), (s) => {
      const a = lr(s);
      const b = noamLearningRate(s, d, w);
      assert.ok(Math.abs(a - b) <= 1e-12 * b, `step ${s}: ${a} vs ${b}`);
    }),
    { seed: 3, numRuns: 200 },
  );
});

test('cosine: half-way is (peak + min) / 2, end and after are minLr', () => {
  const lr = warmupSchedule({ peakLr: 1, warmupSteps: 10, decay: 'cosine', totalSteps: 110, minLr: 0.1 });
  near(lr(5), 0.5, 'warm-up');
  near(lr(10), 1, 'peak');
  near(lr(60), 0.55, 'half-way');
  near(lr(35), 0.1 + 0.9 * (1 + Math.cos(Math.PI / 4)) / 2, 'quarter');
  near(lr(110), 0.1, 'end');
  near(lr(1000), 0.1, 'after');
});

test('schedule errors name the option', () => {
  assert.throws(() => warmupSchedule({ peakLr: 0 }), { message: 'peakLr must be a finite number > 0, got 0' });
  assert.throws(() => warmupSchedule({ peakLr: 1, warmupSteps: -1 }), { message: 'warmupSteps must be an integer >= 0, got -1' });
  assert.throws(() => warmupSchedule({ peakLr: 1, decay: 'linear' as 'cosine' }), { message: "decay must be one of constant, inverse-sqrt, cosine; got 'linear'" });
  assert.throws(() => warmupSchedule({ peakLr: 1, decay: 'inverse-sqrt' }), {
    message: "warmupSteps must be >= 1 for decay 'inverse-sqrt' (lr = peakLr * sqrt(warmupSteps / step)), got 0",
  });
  assert.throws(() => warmupSchedule({ peakLr: 1, decay: 'cosine' }), { message: "totalSteps is required for decay 'cosine'" });
  assert.throws(() => warmupSchedule({ peakLr: 1, warmupSteps: 5, decay: 'cosine', totalSteps: 5 }), { message: 'totalSteps must be an integer > warmupSteps (5), got 5' });
  assert.throws(() => warmupSchedule({ peakLr: 1, decay: 'cosine', totalSteps: 5, minLr: 2 }), { message: 'minLr must be in [0, peakLr = 1], got 2' });
  assert.throws(() => warmupSchedule({ peakLr: 1 })(0), { message: 'step must be an integer >= 1 (steps are 1-based), got 0' });
  assert.throws(() => noamLearningRate(1, 0, 10), { message: 'dModel must be a finite number > 0, got 0' });
});

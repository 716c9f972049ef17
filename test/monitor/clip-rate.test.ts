import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClipRateWindow, rollingClipRate } from 'gradclip';

describe('rolling clip rate', () => {
  it('counts clipped steps among the last `window` applied steps, ignoring skipped ones', () => {
    const s = (clipped: boolean, skipped = false) => ({ clipped, skipped });
    const rates = rollingClipRate([s(true), s(false), s(true, true), s(true), s(false), s(false)], 3);
    // windows: [T]=1, [T,F]=1/2, skipped → unchanged 1/2, [T,F,T]=2/3, [F,T,F]=1/3, [T,F,F]=1/3
    assert.deepEqual(rates, [1, 1 / 2, 1 / 2, 2 / 3, 1 / 3, 1 / 3]);
    assert.equal(new ClipRateWindow(5).rate, null);
  });
  it('equals a direct count over the window (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ clipped: fc.boolean(), skipped: fc.boolean() }), { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (steps, window) => {
        const rates = rollingClipRate(steps, window);
        steps.forEach((_, i) => {
          const applied = steps.slice(0, i + 1).filter((x) => !x.skipped).slice(-window);
          const expected = applied.length === 0 ? null : applied.filter((x) => x.clipped).length / applied.length;
          assert.equal(rates[i], expected);
        });
      }),
      { seed: 7, numRuns: 100 },
    );
  });
  it('rejects a bad window', () => {
    assert.throws(() => new ClipRateWindow(0), /window must be an integer >= 1, got 0/);
  });
});

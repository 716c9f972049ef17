import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAD_NORMAL_SCALE,
  emaMomentsUpdate,
  mad,
  mean,
  median,
  percentileOfSorted,
  rollingPush,
  std,
  trailingMedians,
  variance,
} from '../../packages/gradclip/src/core/stats/index.js';

const SEED = 20240611;
const finiteDouble = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const sample = fc.array(finiteDouble, { minLength: 1, maxLength: 60 });

/** Independent reference: Hyndman & Fan definition 7 written directly on a numerically sorted copy. */
function refPercentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = ((s.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

function close(actual: number, expected: number, rel: number, abs = 0, msg?: string): void {
  const tol = Math.max(abs, rel * Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol, msg ?? `expected ${expected}, got ${actual} (tol ${tol})`);
}

test('median: hand-computed values (NumPy linear rule)', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([5, 1, 3, 2]), 2.5);
});

test('median: recorded NumPy 2.4 output', () => {
  // Generated offline with: python3 -c "import numpy as np; print(repr(float(np.percentile(a, p))))"
  const b = [3.0, -1.5, 1e10, 7.25, 0.0, -2e-5];
  assert.equal(median(b), 1.5);
});

test('median: property vs middle element(s) of the sorted sample', () => {
  fc.assert(
    fc.property(sample, (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      const k = s.length >> 1;
      const ref = s.length % 2 === 1 ? s[k] : (s[k - 1] + s[k]) / 2;
      close(median(xs), ref, 0, 2 * Number.EPSILON * Math.max(Math.abs(s[0]), Math.abs(s[s.length - 1])) + Number.MIN_VALUE);
    }),
    { seed: SEED + 1, numRuns: 300 },
  );
});

test('median / percentileOfSorted: validation messages', () => {
  assert.throws(() => median([1, Number.POSITIVE_INFINITY]), /median: values\[1\] is Infinity/);
  assert.throws(() => percentileOfSorted([], 5), /sorted must not be empty/);
});

test('mean / variance (Welford): hand-computed values, including a large offset', () => {
  // [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32 -> var 4, sample var 32/7
  const xs = [2, 4, 4, 4, 5, 5, 7, 9];
  assert.equal(mean(xs), 5);
  assert.equal(variance(xs), 4);
  close(variance(xs, { ddof: 1 }), 32 / 7, 1e-15);
  assert.equal(std(xs), 2);
  // 1e9 + [4, 7, 13, 16]: mean 1e9 + 10, deviations -6, -3, 3, 6 -> 90 / 4 = 22.5 (naive sum of squares loses this)
  const big = [4, 7, 13, 16].map((v) => 1e9 + v);
  assert.equal(mean(big), 1e9 + 10);
  close(variance(big), 22.5, 1e-12);
  // Recorded NumPy: np.var(a) and np.var(a, ddof=1) for a = [0.1, 0.7, 0.2, 0.3, 1e-3, 5.5, 2.2]
  const a = [0.1, 0.7, 0.2, 0.3, 1e-3, 5.5, 2.2];
  close(variance(a), 3.449428693877551, 1e-14);
  close(variance(a, { ddof: 1 }), 4.024333476190477, 1e-14);
  close(mean(a), 1.285857142857143, 1e-15);
});

test('mean / variance: property vs two-pass float64 reference', () => {
  fc.assert(
    fc.property(fc.array(finiteDouble, { minLength: 2, maxLength: 80 }), (xs) => {
      const m = xs.reduce((s, v) => s + v, 0) / xs.length;
      const v = xs.reduce((s, x) => s + (x - m) * (x - m), 0) / xs.length;
      const scale = Math.max(...xs.map(Math.abs));
      close(mean(xs), m, 0, 1e-12 * scale + 1e-300);
      close(variance(xs), v, 1e-9, 1e-12 * scale * scale + 1e-300);
    }),
    { seed: SEED + 2, numRuns: 200 },
  );
});

test('mean / variance: validation messages', () => {
  assert.throws(() => variance([1], { ddof: 1 }), { message: 'variance: need more than ddof=1 values, got 1' });
  assert.throws(() => variance([1, 2], { ddof: 0.5 }), /variance: ddof must be a non-negative integer, got 0.5/);
  assert.throws(() => mean([]), { message: 'mean: values must not be empty' });
});

test('emaMomentsUpdate: ZClip order (variance around the updated mean)', () => {
  // mean 1, var 0.5, decay 0.9, x = 3: mean' = 0.9 + 0.3 = 1.2; var' = 0.45 + 0.1 * (1.8)^2 = 0.45 + 0.324 = 0.774
  const r = emaMomentsUpdate({ mean: 1, variance: 0.5 }, 3, 0.9);
  close(r.mean, 1.2, 1e-15);
  close(r.variance, 0.774, 1e-14);
});

test('rollingPush: property vs slice(-capacity) of the full history', () => {
  fc.assert(
    fc.property(fc.array(finiteDouble, { maxLength: 50 }), fc.integer({ min: 1, max: 10 }), (xs, cap) => {
      let w: number[] = [];
      for (let i = 0; i < xs.length; i++) {
        const before = w;
        w = rollingPush(w, xs[i], cap);
        const ref = xs.slice(Math.max(0, i + 1 - cap), i + 1);
        assert.deepEqual(w, ref);
        assert.notEqual(before, w, 'a new array each time');
      }
    }),
    { seed: SEED + 3, numRuns: 150 },
  );
  assert.throws(() => rollingPush([], 1, 2.5), { message: 'rollingPush: capacity must be a positive integer, got 2.5' });
});

test('trailingMedians: previous-window medians, non-finite skipped', () => {
  // window 3, minHistory 2: index 0,1 -> NaN (fewer than 2 previous); 2 -> median(1,5)=3; 3 -> median(1,5,2)=2;
  // 4 (previous finite: 5,2 after NaN skipped... window holds last 3 finite: 1,5,2) -> 2; 5 -> window 5,2,9 -> 5
  const r = trailingMedians([1, 5, 2, Number.NaN, 9, 0], 3, 2);
  assert.ok(Number.isNaN(r[0]) && Number.isNaN(r[1]));
  assert.deepEqual(r.slice(2), [3, 2, 2, 5]);
  fc.assert(
    fc.property(fc.array(finiteDouble, { maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (xs, w) => {
      const r2 = trailingMedians(xs, w, 1);
      for (let i = 1; i < xs.length; i++) {
        const prev = xs.slice(Math.max(0, i - w), i);
        close(r2[i], refPercentile(prev, 50), 0, (w + 4) * Number.EPSILON * Math.max(...prev.map(Math.abs)) + Number.MIN_VALUE);
      }
    }),
    { seed: SEED + 4, numRuns: 100 },
  );
  assert.throws(() => trailingMedians([1], 3, 4), /minHistory must be an integer in \[1, window=3\], got 4/);
});

test('mad: textbook example', () => {
  // Wikipedia "Median absolute deviation": [1,1,2,2,4,6,9] -> median 2, |dev| [1,1,0,0,2,4,7] -> MAD 1
  assert.equal(mad([1, 1, 2, 2, 4, 6, 9]), 1);
  assert.equal(mad([1, 1, 2, 2, 4, 6, 9], { scale: MAD_NORMAL_SCALE }), MAD_NORMAL_SCALE);
  // 1 / Phi^-1(3/4), Phi^-1(0.75) = 0.6744897501960817
  close(MAD_NORMAL_SCALE, 1 / 0.6744897501960817, 1e-15);
  assert.throws(() => mad([1, 2], { scale: 0 }), { message: 'mad: scale must be a finite number > 0, got 0' });
  fc.assert(
    fc.property(sample, finiteDouble, (xs, shift) => {
      // MAD is shift invariant and robust: moving one point to +huge changes it by at most a sorted-neighbour step.
      const m1 = mad(xs);
      const m2 = mad(xs.map((v) => v + shift));
      close(m2, m1, 1e-6, 1e-6 * (Math.abs(shift) + Math.max(...xs.map(Math.abs))));
    }),
    { seed: SEED + 5, numRuns: 100 },
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAD_NORMAL_SCALE,
  RingBuffer,
  emaDebiased,
  emaInit,
  emaMomentsUpdate,
  emaSeries,
  emaUpdate,
  logSpaceStats,
  mad,
  mean,
  median,
  percentile,
  percentileOfSorted,
  percentiles,
  robustZScores,
  rollingPush,
  sortedCopy,
  splitFinite,
  std,
  trailingMedians,
  variance,
  welfordInit,
  welfordUpdate,
  welfordVariance,
} from '../../packages/gradclip/src/core/stats.js';

const SEED = 20240611;
const finiteDouble = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const sample = fc.array(finiteDouble, { minLength: 1, maxLength: 60 });
const pct = fc.double({ min: 0, max: 100, noNaN: true });

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

test('percentile: hand-computed values (NumPy linear rule)', () => {
  // [1,2,3,4]: h = 3 * 0.25 = 0.75 -> 1 + 0.75 * (2 - 1) = 1.75
  assert.equal(percentile([4, 1, 3, 2], 25), 1.75);
  // h = 3 * 0.5 = 1.5 -> 2 + 0.5 * 1 = 2.5
  assert.equal(percentile([4, 1, 3, 2], 50), 2.5);
  assert.equal(percentile([4, 1, 3, 2], 0), 1);
  assert.equal(percentile([4, 1, 3, 2], 100), 4);
  // [10, 20, 30, 40, 50], p = 90: h = 4 * 0.9 = 3.6 -> 40 + 0.6 * 10 = 46
  close(percentile([50, 10, 40, 20, 30], 90), 46, 1e-15);
  assert.equal(percentile([7], 37), 7);
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([5, 1, 3, 2]), 2.5);
});

test('percentile: bit-identical to np.percentile on recorded NumPy 2.4 outputs', () => {
  // Generated offline with: python3 -c "import numpy as np; print(repr(float(np.percentile(a, p))))"
  const a = [0.1, 0.7, 0.2, 0.3, 1e-3, 5.5, 2.2];
  const expectedA: [number, number][] = [
    [0, 0.001],
    [10, 0.06040000000000001],
    [33.3, 0.19979999999999998],
    [50, 0.3],
    [66.7, 0.703000000000001],
    [90, 3.5200000000000014],
    [95, 4.509999999999998],
    [99, 5.301999999999999],
    [100, 5.5],
  ];
  for (const [p, e] of expectedA) assert.equal(percentile(a, p), e, `p=${p}`);
  const b = [3.0, -1.5, 1e10, 7.25, 0.0, -2e-5];
  const expectedB: [number, number][] = [
    [12.5, -0.5625125000000001],
    [37.5, -2.5e-6],
    [62.5, 3.53125],
    [87.5, 3750000004.53125],
    [99.9, 9950000000.03626],
  ];
  for (const [p, e] of expectedB) assert.equal(percentile(b, p), e, `p=${p}`);
  assert.equal(median(b), 1.5);
  assert.deepEqual(
    percentiles(a, [90, 10, 50]),
    [3.5200000000000014, 0.06040000000000001, 0.3],
  );
});

test('percentile: property vs sorting-based reference, bounds, monotonicity, permutation invariance', () => {
  fc.assert(
    fc.property(sample, pct, pct, (xs, p, q) => {
      const v = percentile(xs, p);
      const ref = refPercentile(xs, p);
      const span = Math.max(...xs.map(Math.abs));
      // The two interpolation formulas can differ by rounding only.
      close(v, ref, 0, (xs.length + 4) * Number.EPSILON * span + Number.MIN_VALUE);
      assert.ok(v >= Math.min(...xs) && v <= Math.max(...xs));
      const [lo, hi] = p <= q ? [p, q] : [q, p];
      assert.ok(percentile(xs, lo) <= percentile(xs, hi), 'non-decreasing in p');
      // === rather than Object.is: -0 and 0 are the same percentile (NumPy's a + 0*d turns -0 into 0 too).
      assert.ok(percentile([...xs].reverse(), p) === v, 'order of input does not matter');
      assert.ok(percentile(xs, 0) === Math.min(...xs));
      assert.ok(percentile(xs, 100) === Math.max(...xs));
    }),
    { seed: SEED, numRuns: 300 },
  );
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

test('percentile: validation messages', () => {
  assert.throws(() => percentile([1, 2], 120), { message: 'percentile: percentile must be in [0, 100], got 120' });
  assert.throws(() => percentile([1, 2], -1), { message: 'percentile: percentile must be in [0, 100], got -1' });
  assert.throws(() => percentile([1, 2], Number.NaN), { message: 'percentile: percentile must be in [0, 100], got NaN' });
  assert.throws(() => percentile([], 50), { message: 'percentile: values must not be empty' });
  assert.throws(() => percentile([1, Number.NaN, 3], 50), {
    message: 'percentile: values[1] is NaN; every value must be a finite number (drop non-finite values first, e.g. with splitFinite)',
  });
  assert.throws(() => median([1, Number.POSITIVE_INFINITY]), /median: values\[1\] is Infinity/);
  assert.throws(() => percentiles([1], [50, 101]), /percentiles: percentile must be in \[0, 100\], got 101/);
  assert.throws(() => percentileOfSorted([], 5), /sorted must not be empty/);
});

test('percentile does not modify its input; sortedCopy sorts numerically', () => {
  const xs = [10, 9, 100, 1];
  percentile(xs, 50);
  assert.deepEqual(xs, [10, 9, 100, 1]);
  assert.deepEqual(sortedCopy(xs), [1, 9, 10, 100]);
  assert.deepEqual(xs, [10, 9, 100, 1]);
});

test('splitFinite keeps order and reports dropped indices', () => {
  const r = splitFinite([1, Number.NaN, -2, Number.POSITIVE_INFINITY, 3, Number.NEGATIVE_INFINITY]);
  assert.deepEqual(r.finite, [1, -2, 3]);
  assert.deepEqual(r.nonFiniteIndices, [1, 3, 5]);
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
      let st = welfordInit();
      for (const x of xs) st = welfordUpdate(st, x);
      assert.equal(st.count, xs.length);
      close(welfordVariance(st, 1), (v * xs.length) / (xs.length - 1), 1e-9, 1e-12 * scale * scale + 1e-300);
    }),
    { seed: SEED + 2, numRuns: 200 },
  );
});

test('Welford state is immutable and validated', () => {
  const s0 = welfordInit();
  const s1 = welfordUpdate(s0, 3);
  assert.deepEqual(s0, { count: 0, mean: 0, m2: 0 });
  assert.deepEqual(s1, { count: 1, mean: 3, m2: 0 });
  assert.throws(() => welfordUpdate(s1, Number.NaN), { message: 'welfordUpdate: x must be a finite number, got NaN' });
  assert.throws(() => welfordVariance(s1, 1), { message: 'welfordVariance: need more than ddof=1 values, got 1' });
  assert.throws(() => variance([1], { ddof: 1 }), { message: 'variance: need more than ddof=1 values, got 1' });
  assert.throws(() => variance([1, 2], { ddof: 0.5 }), /variance: ddof must be a non-negative integer, got 0.5/);
  assert.throws(() => mean([]), { message: 'mean: values must not be empty' });
});

test('EMA: hand-computed updates and bias correction', () => {
  // decay 0.5: m1 = 0.5*0 + 0.5*2 = 1, m2 = 0.5*1 + 0.5*4 = 2.5
  let s = emaInit();
  s = emaUpdate(s, 2, 0.5);
  assert.deepEqual(s, { value: 1, count: 1 });
  assert.equal(emaDebiased(s, 0.5), 2); // 1 / (1 - 0.5)
  s = emaUpdate(s, 4, 0.5);
  assert.equal(s.value, 2.5);
  close(emaDebiased(s, 0.5), 2.5 / 0.75, 1e-15); // (1 - 0.25)
  assert.deepEqual(emaSeries([2, 4], 0.5, { debias: false }), [1, 2.5]);
  const deb = emaSeries([2, 4], 0.5);
  assert.equal(deb[0], 2);
  close(deb[1], 10 / 3, 1e-15);
  // A constant sequence is its own debiased EMA.
  for (const v of emaSeries(new Array<number>(50).fill(7.5), 0.97)) close(v, 7.5, 1e-12);
  assert.throws(() => emaUpdate(emaInit(), 1, 1), { message: 'emaUpdate: decay must be in [0, 1), got 1' });
  assert.throws(() => emaDebiased(emaInit(), 0.9), { message: 'emaDebiased: the EMA has no updates yet (count = 0)' });
});

test('emaMomentsUpdate: ZClip order (variance around the updated mean)', () => {
  // mean 1, var 0.5, decay 0.9, x = 3: mean' = 0.9 + 0.3 = 1.2; var' = 0.45 + 0.1 * (1.8)^2 = 0.45 + 0.324 = 0.774
  const r = emaMomentsUpdate({ mean: 1, variance: 0.5 }, 3, 0.9);
  close(r.mean, 1.2, 1e-15);
  close(r.variance, 0.774, 1e-14);
});

test('rollingPush and RingBuffer: property vs slice(-capacity) of the full history', () => {
  fc.assert(
    fc.property(fc.array(finiteDouble, { maxLength: 50 }), fc.integer({ min: 1, max: 10 }), (xs, cap) => {
      let w: number[] = [];
      const rb = new RingBuffer(cap);
      for (let i = 0; i < xs.length; i++) {
        const before = w;
        w = rollingPush(w, xs[i], cap);
        rb.push(xs[i]);
        const ref = xs.slice(Math.max(0, i + 1 - cap), i + 1);
        assert.deepEqual(w, ref);
        assert.deepEqual(rb.toArray(), ref);
        assert.equal(rb.size, ref.length);
        assert.equal(rb.full, ref.length === cap);
        assert.equal(rb.get(ref.length - 1), xs[i]);
        assert.notEqual(before, w, 'a new array each time');
      }
      const c = rb.clone();
      c.push(12345);
      if (xs.length > 0) assert.notDeepEqual(c.toArray(), rb.toArray());
    }),
    { seed: SEED + 3, numRuns: 150 },
  );
  assert.throws(() => new RingBuffer(0), { message: 'RingBuffer: capacity must be a positive integer, got 0' });
  assert.throws(() => rollingPush([], 1, 2.5), { message: 'rollingPush: capacity must be a positive integer, got 2.5' });
  assert.throws(() => new RingBuffer(2).get(0), /RingBuffer.get: index must be an integer in \[0, 0\), got 0/);
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

test('mad and robust z-scores: textbook example', () => {
  // Wikipedia "Median absolute deviation": [1,1,2,2,4,6,9] -> median 2, |dev| [1,1,0,0,2,4,7] -> MAD 1
  assert.equal(mad([1, 1, 2, 2, 4, 6, 9]), 1);
  assert.equal(mad([1, 1, 2, 2, 4, 6, 9], { scale: MAD_NORMAL_SCALE }), MAD_NORMAL_SCALE);
  // 1 / Phi^-1(3/4), Phi^-1(0.75) = 0.6744897501960817
  close(MAD_NORMAL_SCALE, 1 / 0.6744897501960817, 1e-15);
  const z = robustZScores([1, 1, 2, 2, 4, 6, 9]);
  assert.equal(z.center, 2);
  close(z.z[6], 7 / MAD_NORMAL_SCALE, 1e-15);
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

test('logSpaceStats: decades, exclusions and geometric mean', () => {
  const r = logSpaceStats([0.01, 1, 100, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]);
  assert.equal(r.count, 3);
  assert.equal(r.nonPositive, 2);
  assert.equal(r.nonFinite, 2);
  // log10 values [-2, 0, 2]: mean 0, population std sqrt(8/3), median 0, MAD 2
  close(r.log10Mean, 0, 0, 1e-15);
  close(r.log10Std, Math.sqrt(8 / 3), 1e-15);
  assert.equal(r.log10Median, 0);
  close(r.log10Sigma, 2 * MAD_NORMAL_SCALE, 1e-15);
  close(r.geometricMean, 1, 1e-15);
  assert.equal(r.min, 0.01);
  assert.equal(r.max, 100);
  const e = logSpaceStats([0, Number.NaN]);
  assert.equal(e.count, 0);
  assert.ok(Number.isNaN(e.log10Mean) && Number.isNaN(e.geometricMean));
});

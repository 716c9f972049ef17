import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { downsampleMinMax, type SeriesPoint } from '../../packages/cli/src/report/downsample.js';

test('downsampleMinMax: hand-worked example keeps bucket min, max and first gap in order', () => {
  const ys = [1, 5, 2, 8, 3, Number.NaN, 4, 9, 0, 7];
  const pts = ys.map((y, x) => ({ x, y }));
  // Has a gap -> buckets = floor(6 / 3) = 2: indices 0..4 and 5..9.
  // Bucket 0: min at x=0 (1), max at x=3 (8). Bucket 1: gap at x=5, max at x=7 (9), min at x=8 (0).
  assert.deepEqual(downsampleMinMax(pts, 6), [
    { x: 0, y: 1 },
    { x: 3, y: 8 },
    { x: 5, y: null },
    { x: 7, y: 9 },
    { x: 8, y: 0 },
  ]);
});

test('downsampleMinMax: short series come back whole with non-finite values as gaps', () => {
  const pts: SeriesPoint[] = [
    { x: 1, y: 2 },
    { x: 2, y: Number.POSITIVE_INFINITY },
    { x: 3, y: null },
    { x: 4, y: Number.NEGATIVE_INFINITY },
  ];
  assert.deepEqual(downsampleMinMax(pts, 4), [
    { x: 1, y: 2 },
    { x: 2, y: null },
    { x: 3, y: null },
    { x: 4, y: null },
  ]);
});

test('downsampleMinMax: rejects maxPoints < 3 with a message naming it', () => {
  assert.throws(() => downsampleMinMax([], 2), /maxPoints must be an integer >= 3, got 2/);
  assert.throws(() => downsampleMinMax([], 10.5), /maxPoints must be an integer >= 3, got 10.5/);
});

const yArb = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, null) },
);

test('downsampleMinMax: bounded size, ordered subsequence, global extremes and gaps kept (property)', () => {
  fc.assert(
    fc.property(fc.array(yArb, { minLength: 0, maxLength: 600 }), fc.integer({ min: 3, max: 200 }), (ys, maxPoints) => {
      const pts = ys.map((y, i) => ({ x: i + 1, y }));
      const out = downsampleMinMax(pts, maxPoints);
      assert.ok(out.length <= Math.max(maxPoints, 0));
      if (pts.length <= maxPoints) assert.equal(out.length, pts.length);
      // Ordered subsequence of the input (x values are unique and increasing).
      for (let i = 1; i < out.length; i++) assert.ok(out[i].x > out[i - 1].x);
      for (const p of out) {
        const src = pts[p.x - 1];
        const expected = src.y !== null && Number.isFinite(src.y) ? src.y : null;
        assert.equal(p.y, expected);
      }
      const finite = pts.map((p) => p.y).filter((y): y is number => y !== null && Number.isFinite(y));
      const outFinite = out.map((p) => p.y).filter((y): y is number => y !== null);
      if (finite.length) {
        assert.equal(Math.max(...outFinite), Math.max(...finite));
        assert.equal(Math.min(...outFinite), Math.min(...finite));
      }
      const hasGap = pts.some((p) => p.y === null || !Number.isFinite(p.y));
      assert.equal(out.some((p) => p.y === null), hasGap);
    }),
    { seed: 20250610, numRuns: 300 },
  );
});

test('downsampleMinMax: an isolated spike in a long series survives', () => {
  const pts = Array.from({ length: 100_000 }, (_, i) => ({ x: i + 1, y: i === 73_210 ? 1e4 : 1 + Math.sin(i) * 1e-3 }));
  const out = downsampleMinMax(pts, 2000);
  assert.ok(out.length <= 2000);
  assert.ok(out.some((p) => p.x === 73_211 && p.y === 1e4));
});

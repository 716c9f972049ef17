import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NICE_MANTISSAS, ceilSignificant, niceCeil, niceFloor } from '../../packages/gradclip/src/core/nice.js';
import { formatNumber } from 'gradclip/internal';

test('niceCeil / niceFloor: hand-picked values', () => {
  const ceil: [number, number][] = [
    [0.93, 1],
    [1, 1],
    [1.07, 1.2],
    [1.3, 1.5],
    [2.6, 3],
    [3.2, 4],
    [7, 8],
    [8.5, 10],
    [0.0113, 0.012],
    [0.11, 0.12],
    [123, 150],
    [4.2e-7, 5e-7],
    [9.99e12, 1e13],
  ];
  for (const [x, e] of ceil) assert.equal(niceCeil(x), e, `niceCeil(${x})`);
  const floor: [number, number][] = [
    [1.07, 1],
    [2.6, 2.5],
    [9.9, 8],
    [0.0113, 0.01],
    [0.3, 0.3],
    [149, 120],
  ];
  for (const [x, e] of floor) assert.equal(niceFloor(x), e, `niceFloor(${x})`);
  // Results print exactly (built from their decimal spelling).
  assert.equal(String(niceCeil(0.11)), '0.12');
  assert.equal(String(niceCeil(0.0011)), '0.0012');
  assert.throws(() => niceCeil(0), { message: 'niceCeil: x must be a finite number > 0, got 0' });
  assert.throws(() => niceFloor(Number.NaN), { message: 'niceFloor: x must be a finite number > 0, got NaN' });
});

test('niceCeil / niceFloor: properties (bracket x, within the largest series gap 4/3, in the series)', () => {
  const inSeries = (v: number): boolean => {
    const k = Math.floor(Math.log10(v) + 1e-12);
    const m = Number((v / Math.pow(10, k)).toPrecision(6));
    return NICE_MANTISSAS.includes(m) || m === 10;
  };
  fc.assert(
    fc.property(fc.double({ min: 1e-12, max: 1e12, noNaN: true }), (x) => {
      const c = niceCeil(x);
      const f = niceFloor(x);
      assert.ok(c >= x && c <= (x * 4) / 3 * (1 + 1e-12), `niceCeil(${x}) = ${c}`);
      assert.ok(f <= x && f >= ((x * 3) / 4) * (1 - 1e-12), `niceFloor(${x}) = ${f}`);
      assert.ok(inSeries(c) && inSeries(f));
    }),
    { seed: 77, numRuns: 500 },
  );
});

test('ceilSignificant: rounds up to n significant digits', () => {
  assert.equal(ceilSignificant(1.234, 2), 1.3);
  assert.equal(ceilSignificant(1.2, 2), 1.2);
  assert.equal(ceilSignificant(0.0123, 1), 0.02);
  assert.equal(ceilSignificant(9.91, 2), 10);
  assert.equal(ceilSignificant(999.1, 3), 1000);
  assert.equal(ceilSignificant(12345, 2), 13000);
  fc.assert(
    fc.property(fc.double({ min: 1e-9, max: 1e9, noNaN: true }), fc.integer({ min: 1, max: 4 }), (x, d) => {
      const r = ceilSignificant(x, d);
      assert.ok(r >= x);
      // at most one unit in the d-th significant digit above x
      assert.ok(r - x <= Math.pow(10, Math.floor(Math.log10(x)) - d + 1) * (1 + 1e-9));
    }),
    { seed: 78, numRuns: 300 },
  );
  assert.throws(() => ceilSignificant(1, 0), { message: 'ceilSignificant: digits must be an integer in [1, 15], got 0' });
});

test('formatNumber: short, noise-free', () => {
  assert.equal(formatNumber(27), '27');
  assert.equal(formatNumber(0.012345), '0.0123');
  assert.equal(formatNumber(0.1 + 0.2), '0.3');
  assert.equal(formatNumber(1.5e-9), '1.5e-9');
  assert.equal(formatNumber(2.5e12), '2.5e12');
  assert.equal(formatNumber(123456), '123000');
  assert.equal(formatNumber(-4.5), '-4.5');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(Number.NaN), 'NaN');
  assert.equal(formatNumber(Number.POSITIVE_INFINITY), 'Infinity');
  assert.equal(formatNumber(1.23456, 6), '1.23456');
  assert.throws(() => formatNumber(1, 0), { message: 'formatNumber: digits must be an integer in [1, 17], got 0' });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StepStats } from '../../packages/gradclip/src/core/step-stats.js';
import { heatCells, markerRanges, seriesRows, stripCommonPrefix } from '../../packages/cli/src/report/chart-data.js';
import { layerOrder } from '../../packages/gradclip/src/internal.js';
import type { RunRecord } from '../../packages/cli/src/report/index.js';
import { syntheticRun } from './fixtures.js';

function rec(step: number, over: Partial<StepStats> = {}): StepStats {
  return { step, loss: 1, preClipNorm: 1, postClipNorm: 1, clipCoef: 1, clipped: false, skipped: false, ...over };
}

function runOf(steps: StepStats[]): RunRecord {
  const base = syntheticRun({ steps: 3 });
  return { ...base, steps };
}

test('markerRanges: consecutive flagged steps merge into ranges with counts and band edges', () => {
  const steps = Array.from({ length: 20 }, (_, i) => {
    const t = i + 1;
    return rec(t, { loss: [3, 4, 5, 12].includes(t) ? Number.NaN : 1, preClipNorm: t === 17 ? Number.POSITIVE_INFINITY : 1, skipped: t === 9 });
  });
  const r = runOf(steps);
  const nf = markerRanges(r, 'non-finite', 0);
  assert.deepEqual(
    nf.map((m) => [m.start, m.end, m.count, m.x0, m.x1, m.xm]),
    [
      [3, 5, 3, 2.5, 5.5, 3],
      [12, 12, 1, 11.5, 12.5, 12],
      [17, 17, 1, 16.5, 17.5, 17],
    ],
  );
  const sk = markerRanges(r, 'skipped', 2);
  assert.deepEqual(sk.map((m) => [m.start, m.end, m.count, m.py]), [[9, 9, 1, 5 + 9 * 2]]);
  // With at most 2 ranges over 20 steps, flagged steps up to ceil(20 / 2) = 10 apart merge: 3..12 and 17.
  assert.deepEqual(markerRanges(r, 'non-finite', 0, 2).map((m) => [m.start, m.end, m.count]), [
    [3, 17, 5],
  ]);
});

test('seriesRows: non-finite and (for log axes) non-positive values become gaps', () => {
  const steps = [rec(1, { preClipNorm: 2 }), rec(2, { preClipNorm: Number.NaN }), rec(3, { preClipNorm: 0 }), rec(4, { preClipNorm: null }), rec(5, { preClipNorm: 0.5 })];
  const r = runOf(steps);
  assert.deepEqual(
    seriesRows(r, 'pre-clip', 'pre', 100, true).map((x) => x.value),
    [2, null, null, null, 0.5],
  );
  assert.deepEqual(
    seriesRows(r, 'pre-clip', 'pre', 100, false).map((x) => x.value),
    [2, null, 0, null, 0.5],
  );
});

test('stripCommonPrefix: removes the shared folder prefix only', () => {
  assert.deepEqual(stripCommonPrefix(['gc3/rnn/W', 'gc3/rnn/U', 'gc3/out/W']), ['rnn/W', 'rnn/U', 'out/W']);
  assert.deepEqual(stripCommonPrefix(['gc3/rnn/W', 'gc3/rnn/U']), ['W', 'U']);
  assert.deepEqual(stripCommonPrefix(['dense/kernel', 'dense_1/kernel']), ['dense/kernel', 'dense_1/kernel']);
  assert.deepEqual(stripCommonPrefix(['a/b']), ['a/b']);
  assert.deepEqual(stripCommonPrefix(['x/', 'x/y']), ['x/', 'x/y']);
});

test('layerOrder and heatCells: key order, bins of consecutive records, max / median / non-finite count', () => {
  const ln = (a: number, b: number): Record<string, number> => ({ 'm/w2': a, 'm/w1': b });
  const steps = [
    rec(1, { layerNorms: ln(1, 10) }),
    rec(2, { layerNorms: ln(3, Number.NaN) }),
    rec(3, { layerNorms: ln(2, 30) }),
    rec(4, { layerNorms: ln(0, 40) }),
    rec(5, { layerNorms: ln(5, 50) }),
    rec(6, { layerNorms: ln(4, Number.POSITIVE_INFINITY) }),
  ];
  assert.deepEqual(layerOrder(steps), ['m/w2', 'm/w1']);
  const { layers, cells } = heatCells(runOf(steps), 2);
  assert.deepEqual(layers, ['w2', 'w1']);
  // Bin 1 = steps 1..3, bin 2 = steps 4..6; zeros are counted apart (a log colour scale cannot show them).
  assert.deepEqual(
    cells.map((c) => [c.layer, c.start, c.end, c.x0, c.x1, c.max, c.median, c.nonFinite, c.zeros]),
    [
      ['w2', 1, 3, 0.5, 3.5, 3, 2, 0, 0],
      ['w1', 1, 3, 0.5, 3.5, 30, 20, 1, 0],
      ['w2', 4, 6, 3.5, 6.5, 5, 4.5, 0, 1],
      ['w1', 4, 6, 3.5, 6.5, 50, 45, 1, 0],
    ],
  );
});

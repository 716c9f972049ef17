import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { recommendThreshold } from '../../packages/gradclip/src/monitor/recommend/index.js';
import { rng } from '../helpers/rng.js';
import { GradclipArgumentError } from '../../packages/gradclip/src/core/errors.js';

function normals(seed: number, n: number): number[] {
  const u = rng(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u1 = u() || 1e-12;
    const u2 = u();
    out.push(Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
  }
  return out;
}
/** Reference percentile (Hyndman-Fan 7) on a numerically sorted copy. */
function refPct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = ((s.length - 1) * p) / 100;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * (s[Math.min(lo + 1, s.length - 1)] - s[lo]);
}
const NICE = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];
function isNice(v: number): boolean {
  const k = Math.floor(Math.log10(v) + 1e-12);
  return NICE.includes(Number((v / 10 ** k).toPrecision(8)));
}

test('log-normal norms with injected spikes: spikes found, median < threshold < smallest spike', () => {
  // 300 steps, norm = 0.8 * exp(0.3 z): median about 0.8, p95 about 0.8 * e^(0.3*1.645) = 1.31.
  const z = normals(11, 300);
  const norms = z.map((v) => 0.8 * Math.exp(0.3 * v));
  const injected = new Map([
    [50, 30],
    [120, 80],
    [250, 12],
  ]);
  for (const [i, v] of injected) norms[i] = v;
  const r = recommendThreshold(norms);

  assert.deepEqual(
    r.spikes.map((s) => s.index),
    [50, 120, 250],
  );
  assert.deepEqual(
    r.spikes.map((s) => s.norm),
    [30, 80, 12],
  );
  const med = refPct(norms, 50);
  assert.equal(r.median, med);
  assert.ok(r.threshold > med, `threshold ${r.threshold} above median ${med}`);
  assert.ok(r.threshold < 12, `threshold ${r.threshold} below the smallest spike 12`);
  // Independent recomputation of the documented rule: max(p95 of non-spikes, 1.5 * median), rounded up in the series.
  const rest = norms.filter((_, i) => !injected.has(i));
  const raw = Math.max(refPct(rest, 95), 1.5 * med);
  assert.ok(Math.abs(r.rawThreshold - raw) <= 1e-12 * raw);
  assert.ok(r.threshold >= r.rawThreshold && r.threshold <= (raw * 4) / 3 + 1e-12);
  assert.ok(isNice(r.threshold), `${r.threshold} is a human-friendly value`);
  // With sigma_ln = 0.3 the p95 sits near 0.8 * e^(0.4935) = 1.31, so the threshold is 1.5 here.
  assert.equal(r.threshold, 1.5);
  assert.equal(r.count, 300);
  assert.equal(r.nonFinite, 0);
  assert.equal(r.percentiles.max, 80);
  assert.equal(r.percentiles.p50, med);
  assert.equal(r.percentiles.p99, refPct(norms, 99));
  // The spike cut-off is about 3.5 * 0.3 / ln(10) = 0.46 decades above the median: every injected spike is far above it.
  assert.ok(r.spikeCutoff > 2 && r.spikeCutoff < 3.5, `cutoff ${r.spikeCutoff}`);
  assert.match(r.rationale, /3 spikes/);
  assert.match(r.rationale, /p95 of the non-spike norms/);
});

test('all-equal norms: no spikes, threshold = nice(1.5 x median)', () => {
  const r = recommendThreshold(new Array<number>(50).fill(2));
  assert.equal(r.spikes.length, 0);
  assert.equal(r.median, 2);
  assert.equal(r.log10Sigma, 0);
  // p95 of the norms = 2, headroom 1.5 * 2 = 3 -> raw 3, already in the series
  assert.equal(r.rawThreshold, 3);
  assert.equal(r.threshold, 3);
  assert.deepEqual(r.percentiles, { p50: 2, p90: 2, p95: 2, p99: 2, max: 2 });
  assert.match(r.rationale, /No spikes/);
});

test('non-finite norms are ignored but counted; zeros are kept', () => {
  const norms = [...new Array<number>(30).fill(1), Number.NaN, Number.POSITIVE_INFINITY, 0, Number.NaN];
  const r = recommendThreshold(norms);
  assert.equal(r.nonFinite, 3);
  assert.equal(r.count, 31);
  assert.equal(r.threshold, 1.5); // p95 of [0, 1 x 30] = 1, 1.5 * median 1 = 1.5
  assert.match(r.rationale, /3 non-finite ignored/);
});

test('rounding falls back to 2 significant digits, then to the raw value, to stay below the smallest spike', () => {
  // 20 norms of 1, 12 of 2.85 and one of 2.95: median 1, MAD(log) = 0, cut-off = 2.9 * 1 (minSpikeRatio 2.9).
  // p95 of the 32 non-spikes = 2.85; niceCeil(2.85) = 3 would reach the spike 2.95, 2 digits: 2.9 < 2.95.
  const a = [...new Array<number>(20).fill(1), ...new Array<number>(12).fill(2.85), 2.95];
  const ra = recommendThreshold(a, { minSpikeRatio: 2.9 });
  assert.deepEqual(
    ra.spikes.map((s) => s.norm),
    [2.95],
  );
  assert.equal(ra.rawThreshold, 2.85);
  assert.equal(ra.threshold, 2.9);
  // Cut-off 2.85, non-spikes up to 2.849, spike 2.8501: 3 and 2.9 both reach it -> raw 2.849.
  const b = [...new Array<number>(20).fill(1), ...new Array<number>(12).fill(2.849), 2.8501];
  const rb = recommendThreshold(b, { minSpikeRatio: 2.85 });
  assert.equal(rb.spikes.length, 1);
  assert.equal(rb.threshold, 2.849);
  assert.match(rb.rationale, /left unrounded/);
  // round: false keeps the raw value.
  assert.equal(recommendThreshold(a, { minSpikeRatio: 2.9, round: false }).threshold, 2.85);
});

test('too few samples, negative norms, all zeros and bad options: errors name the fix', () => {
  assert.throws(() => recommendThreshold(new Array<number>(10).fill(1)), {
    message: 'recommendThreshold: need at least minSamples=20 finite norms, got 10; record a few hundred unclipped steps first',
  });
  assert.throws(() => recommendThreshold([...new Array<number>(17).fill(1), Number.NaN, Number.NaN]), {
    message:
      'recommendThreshold: need at least minSamples=20 finite norms, got 17 (2 non-finite ignored); record a few hundred unclipped steps first',
  });
  assert.throws(() => recommendThreshold([1, 2, 3], { minSamples: 2 }), {
    message: 'recommendThreshold: minSamples must be an integer >= 3, got 2',
  });
  assert.throws(() => recommendThreshold([...new Array<number>(30).fill(1), -0.5]), {
    message: 'recommendThreshold: norms[30] is -0.5; a norm must be >= 0',
  });
  assert.throws(() => recommendThreshold(new Array<number>(30).fill(0)), {
    message: 'recommendThreshold: every finite norm is 0; there is nothing to calibrate a threshold on',
  });
  assert.throws(() => recommendThreshold(new Array<number>(30).fill(1), { percentile: 120 }), {
    message: 'recommendThreshold: percentile must be in [0, 100], got 120',
  });
  assert.throws(() => recommendThreshold(new Array<number>(30).fill(1), { headroom: 3 }), {
    message: 'recommendThreshold: minSpikeRatio must be a finite number > headroom (3), got 3',
  });
  assert.throws(() => recommendThreshold(new Array<number>(30).fill(1), { pct: 90 } as never), {
    message:
      'recommendThreshold: unknown option "pct"; known options: minSamples, percentile, spikeZ, minSpikeRatio, headroom, round',
  });
  assert.throws(() => recommendThreshold(new Array<number>(30).fill(1), { spikeZ: 0 }), {
    message: 'recommendThreshold: spikeZ must be a finite number > 0, got 0',
  });
});

test('property: threshold >= median, >= raw, < every spike; spikes are exactly the norms above the cut-off', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.integer({ min: 20, max: 400 }),
      fc.double({ min: 0.01, max: 1.5, noNaN: true }),
      fc.double({ min: -6, max: 6, noNaN: true }),
      fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { maxLength: 8 }),
      (seed, n, sigma, log10Center, spikeMult) => {
        const center = 10 ** log10Center;
        const norms = normals(seed, n).map((v) => center * Math.exp(sigma * v));
        spikeMult.forEach((m, k) => {
          norms[(k * 37) % n] = center * m;
        });
        const r = recommendThreshold(norms);
        assert.equal(r.count, n);
        assert.ok(r.threshold >= r.median);
        assert.ok(r.threshold >= r.rawThreshold);
        for (const s of r.spikes) {
          assert.ok(r.threshold < s.norm);
          assert.ok(s.norm > r.spikeCutoff);
        }
        const spikeIdx = new Set(r.spikes.map((s) => s.index));
        norms.forEach((v, i) => assert.equal(spikeIdx.has(i), v > r.spikeCutoff));
      },
    ),
    { seed: 4242, numRuns: 200 },
  );
});

test('argument errors are GradclipArgumentError', () => {
  assert.throws(() => recommendThreshold(new Array<number>(10).fill(1)), GradclipArgumentError);
  assert.throws(() => recommendThreshold('x' as unknown as number[]), GradclipArgumentError);
  assert.throws(() => recommendThreshold(new Array<number>(30).fill(0)), GradclipArgumentError);
  assert.throws(() => recommendThreshold(new Array<number>(30).fill(1), { spikeZ: 0 }), GradclipArgumentError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRng, Rng } from '../../packages/cli/src/core/random.js';

// ---------------------------------------------------------------------------
// Independent reference: splitmix32 seeding + sfc32, written from the
// algorithm descriptions in BigInt arithmetic modulo 2^32 (no Math.imul, no
// `| 0` tricks), so an error in the 32-bit JS arithmetic would show up.
// ---------------------------------------------------------------------------
const M = 0xffffffffn;

function refSplitmix(state: bigint): [bigint, bigint] {
  const s = (state + 0x9e3779b9n) & M;
  let z = s;
  z = z ^ (z >> 16n);
  z = (z * 0x21f0aaadn) & M;
  z = z ^ (z >> 15n);
  z = (z * 0x735a2d97n) & M;
  z = z ^ (z >> 15n);
  return [z, s];
}

class RefSfc32 {
  constructor(
    private a: bigint,
    private b: bigint,
    private c: bigint,
    private d: bigint,
  ) {
    for (let i = 0; i < 12; i++) this.next();
  }
  next(): bigint {
    const t = (this.a + this.b + this.d) & M;
    this.d = (this.d + 1n) & M;
    this.a = this.b ^ (this.b >> 9n);
    this.b = (this.c + (this.c << 3n)) & M;
    const rot = ((this.c << 21n) | (this.c >> 11n)) & M;
    this.c = (rot + t) & M;
    return t;
  }
}

function refFromSeed(seed: number): RefSfc32 {
  const lo = BigInt(seed) & M;
  const hi = BigInt(seed) >> 32n;
  let s = lo;
  let a: bigint, b: bigint, c: bigint;
  [a, s] = refSplitmix(s);
  [b, s] = refSplitmix(s);
  [c, s] = refSplitmix(s);
  return new RefSfc32(a, b, c ^ hi, 1n);
}

test('uint32 matches an independent BigInt sfc32/splitmix32 reference (seeds 0, 1, 12345, 2^40 + 7, 2^53 - 1)', () => {
  for (const seed of [0, 1, 12345, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
    const rng = createRng(seed);
    const ref = refFromSeed(seed);
    for (let i = 0; i < 2000; i++) assert.equal(rng.uint32(), Number(ref.next()), `seed ${seed} output ${i}`);
  }
});

test('uniform() is the 53-bit combination of two reference outputs and lies in [0, 1)', () => {
  const rng = createRng(7);
  const ref = refFromSeed(7);
  for (let i = 0; i < 1000; i++) {
    const x = ref.next() >> 5n;
    const y = ref.next() >> 6n;
    const expected = Number((x << 26n) | y) / 2 ** 53;
    const u = rng.uniform();
    assert.equal(u, expected);
    assert.ok(u >= 0 && u < 1);
  }
  const r2 = createRng(3);
  for (let i = 0; i < 1000; i++) {
    const v = r2.uniform(-2, 5);
    assert.ok(v >= -2 && v < 5);
  }
});

test('same seed gives the same stream; different seeds (also differing only above bit 32) differ', () => {
  const a = createRng(42);
  const b = createRng(42);
  for (let i = 0; i < 100; i++) assert.equal(a.uint32(), b.uint32());
  const seeds = [0, 1, 2, 3, 2 ** 32, 2 ** 32 + 1, 2 ** 33];
  const firsts = seeds.map((s) => {
    const r = createRng(s);
    return [r.uint32(), r.uint32(), r.uint32()].join(',');
  });
  assert.equal(new Set(firsts).size, seeds.length);
});

test('int(n) is unbiased: chi-square over 6 and 10 outcomes and the rejection branch for n = 2^31 + 1', () => {
  const rng = createRng(2024);
  for (const n of [6, 10]) {
    const draws = 60000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) counts[rng.int(n)]++;
    const e = draws / n;
    const chi2 = counts.reduce((s, c) => s + ((c - e) * (c - e)) / e, 0);
    // 99.99th percentile of chi-square with 5 / 9 degrees of freedom: 25.7 / 33.7.
    assert.ok(chi2 < (n === 6 ? 25.7 : 33.7), `chi2 = ${chi2} for n = ${n}`);
  }
  // n = 2^31 + 1: limit = 2^32 - (2^32 mod n) = n, so almost half of the raw
  // outputs are rejected and the result is the raw value itself when accepted.
  const n = 2 ** 31 + 1;
  const r = createRng(5);
  const ref = refFromSeed(5);
  for (let i = 0; i < 200; i++) {
    let x: number;
    do x = Number(ref.next());
    while (x >= n);
    assert.equal(r.int(n), x);
  }
  assert.equal(createRng(1).int(1), 0);
  const full = createRng(9);
  const fullRef = refFromSeed(9);
  assert.equal(full.int(2 ** 32), Number(fullRef.next()));
});

test('normal(): Box–Muller of the reference uniforms; sample mean, variance and tails match N(0, 1)', () => {
  const rng = createRng(11);
  const ref = refFromSeed(11);
  const refUniform = (): number => {
    const x = ref.next() >> 5n;
    const y = ref.next() >> 6n;
    return Number((x << 26n) | y) / 2 ** 53;
  };
  for (let i = 0; i < 100; i++) {
    const u1 = 1 - refUniform();
    const u2 = refUniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    assert.equal(rng.normal(), r * Math.cos(2 * Math.PI * u2));
    assert.equal(rng.normal(), r * Math.sin(2 * Math.PI * u2));
  }
  const s = createRng(12);
  const n = 100000;
  let sum = 0;
  let sq = 0;
  let beyond2 = 0;
  for (let i = 0; i < n; i++) {
    const z = s.normal();
    sum += z;
    sq += z * z;
    if (Math.abs(z) > 2) beyond2++;
  }
  const mean = sum / n;
  const variance = sq / n - mean * mean;
  assert.ok(Math.abs(mean) < 0.015, `mean ${mean}`); // 4.7 standard errors
  assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
  // P(|Z| > 2) = 0.0455003
  assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.003, `tail ${beyond2 / n}`);
  const scaled = createRng(13);
  let m2 = 0;
  for (let i = 0; i < 20000; i++) m2 += scaled.normal(3, 0.1);
  assert.ok(Math.abs(m2 / 20000 - 3) < 0.005);
});

test('shuffle and permutation: a permutation of the input, all 6 orders of 3 items equally likely', () => {
  const rng = createRng(99);
  const counts = new Map<string, number>();
  const draws = 30000;
  for (let i = 0; i < draws; i++) {
    const key = rng.shuffle(['a', 'b', 'c']).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  const e = draws / 6;
  const chi2 = [...counts.values()].reduce((s, c) => s + ((c - e) * (c - e)) / e, 0);
  assert.ok(chi2 < 25.7, `chi2 = ${chi2}`);
  const p = createRng(1).permutation(50);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  const arr = [1, 2, 3, 4, 5, 6, 7, 8];
  const same = rng.shuffle(arr);
  assert.equal(same, arr);
  assert.deepEqual([...arr].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('choice picks every element with equal frequency', () => {
  const rng = createRng(4);
  const items = ['x', 'y', 'z', 'w'] as const;
  const counts: Record<string, number> = { x: 0, y: 0, z: 0, w: 0 };
  for (let i = 0; i < 40000; i++) counts[rng.choice(items)]++;
  for (const k of items) assert.ok(Math.abs(counts[k] - 10000) < 500, `${k}: ${counts[k]}`);
});

test('fork: deterministic, children differ from each other and from the parent, streams uncorrelated', () => {
  const [a1, b1] = createRng(8).fork(2);
  const [a2, b2] = createRng(8).fork(2);
  for (let i = 0; i < 50; i++) {
    assert.equal(a1.uint32(), a2.uint32());
    assert.equal(b1.uint32(), b2.uint32());
  }
  const parent = createRng(8);
  const kids = parent.fork(3);
  // The parent advanced by 3 outputs per child.
  const ref = createRng(8);
  for (let i = 0; i < 9; i++) ref.uint32();
  assert.equal(parent.uint32(), ref.uint32());
  const n = 20000;
  const xs = Array.from({ length: 3 }, (_, k) => Float64Array.from({ length: n }, () => kids[k].uniform()));
  const corr = (x: Float64Array, y: Float64Array): number => {
    let mx = 0, my = 0;
    for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
    mx /= n; my /= n;
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) ** 2;
      syy += (y[i] - my) ** 2;
    }
    return sxy / Math.sqrt(sxx * syy);
  };
  // Standard error of a correlation of independent samples is 1/sqrt(n) = 0.007.
  assert.ok(Math.abs(corr(xs[0], xs[1])) < 0.03);
  assert.ok(Math.abs(corr(xs[1], xs[2])) < 0.03);
  assert.notEqual(xs[0][0], xs[1][0]);
});

test('clone continues the same stream independently (including a pending Box–Muller spare)', () => {
  const rng = createRng(21);
  rng.normal();
  const copy = rng.clone();
  assert.ok(copy instanceof Rng);
  for (let i = 0; i < 20; i++) assert.equal(copy.normal(), rng.normal());
  copy.uint32();
  assert.notEqual(copy.uint32(), rng.uint32());
});

test('bad arguments throw errors that name the argument', () => {
  assert.throws(() => createRng(-1), { message: 'seed must be an integer in [0, 2^53), got -1' });
  assert.throws(() => createRng(1.5), { message: 'seed must be an integer in [0, 2^53), got 1.5' });
  assert.throws(() => createRng(Number.NaN), { message: 'seed must be an integer in [0, 2^53), got NaN' });
  const rng = createRng(1);
  assert.throws(() => rng.int(0), { message: 'int(n) needs an integer n in [1, 2^32], got 0' });
  assert.throws(() => rng.int(2.5), { message: 'int(n) needs an integer n in [1, 2^32], got 2.5' });
  assert.throws(() => rng.int(2 ** 32 + 1), { message: 'int(n) needs an integer n in [1, 2^32], got 4294967297' });
  assert.throws(() => rng.uniform(1, 1), { message: 'uniform(low, high) needs finite low < high, got low=1, high=1' });
  assert.throws(() => rng.normal(0, -1), { message: 'normal(mean, std) needs finite mean and std >= 0, got mean=0, std=-1' });
  assert.throws(() => rng.choice([]), { message: 'choice(items) needs a non-empty array, got length 0' });
  assert.throws(() => rng.fork(0), { message: 'fork(k) needs an integer k >= 1, got 0' });
  assert.throws(() => rng.permutation(-1), { message: 'permutation(n) needs an integer n >= 0, got -1' });
});

test('property: int(n) in [0, n) and uniform in [0, 1) for any seed and n (fast-check, fixed seed)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 2 ** 32 }), (seed, n) => {
      const rng = createRng(seed);
      for (let i = 0; i < 20; i++) {
        const k = rng.int(n);
        if (!(Number.isInteger(k) && k >= 0 && k < n)) return false;
        const u = rng.uniform();
        if (!(u >= 0 && u < 1)) return false;
      }
      return true;
    }),
    { seed: 1234, numRuns: 300 },
  );
});

/**
 * `partialNorm` / `combineNorms` (issue 13, point 6): K shards simulated in
 * one process give the norm `getTotalNorm` gives over all of them, to 1e-6,
 * for p = 1, 2, 3, ∞ (and 0.5, 7), with values whose squares overflow
 * float32 (1e20, 3e38), empty shards, subnormal shards, shards whose own norm
 * leaves float32's range, non-finite values, JSON on the wire; mismatched
 * normTypes and malformed records are errors that name the fix.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { rng } from '../helpers/rng.js';
import { combineNorms, getTotalNorm, partialNorm, GradclipArgumentError, type PartialNorm } from 'gradclip';
import { pNorm } from '../../packages/gradclip/src/core/norms.js';
import { binaryExponent, normOfScaledSums } from '../../packages/gradclip/src/core/norms.js';


function relClose(got: number, want: number, rel: number, what: string): void {
  if (Number.isNaN(want)) return assert.ok(Number.isNaN(got), `${what}: want NaN, got ${got}`);
  if (!Number.isFinite(want)) return assert.equal(got, want, what);
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want) || got === want, `${what}: got ${got}, want ${want} (rel ${Math.abs(got - want) / Math.abs(want)})`);
}

/** Splits `values` into `k` shards of random sizes (some empty), each a list of tensors of random sizes (some empty). */
function shard(values: Float32Array, k: number, seed: number): tf.Tensor[][] {
  const r = rng(seed);
  const cuts = Array.from({ length: k - 1 }, () => Math.floor(r() * (values.length + 1))).sort((a, b) => a - b);
  const bounds = [0, ...cuts, values.length];
  const shards: tf.Tensor[][] = [];
  for (let s = 0; s < k; s++) {
    const part = values.subarray(bounds[s], bounds[s + 1]);
    const tensors: tf.Tensor[] = [];
    let i = 0;
    while (i < part.length) {
      const n = Math.min(part.length - i, 1 + Math.floor(r() * 40));
      tensors.push(tf.tensor1d(part.slice(i, i + n)));
      i += n;
    }
    if (r() < 0.3) tensors.push(tf.tensor1d([])); // an empty tensor inside a shard
    shards.push(tensors);
  }
  return shards;
}

const P = [1, 2, 3, Number.POSITIVE_INFINITY, 0.5, 7];

for (const backend of BACKENDS) {
  describe(`partialNorm / combineNorms (${backend})`, () => {
    before(() => useBackend(backend));

    const datasets: Array<[string, Float32Array]> = (() => {
      const r = rng(7);
      const normal = Float32Array.from({ length: 600 }, () => 2 * r() - 1);
      const huge = Float32Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? 1e20 * (1 + r()) : r() - 0.5) * (i % 2 ? 1 : -1));
      const top = Float32Array.from({ length: 200 }, (_, i) => (i === 17 ? 3e38 : i === 150 ? -1e20 : r()));
      const tiny = Float32Array.from({ length: 100 }, () => (r() - 0.5) * 1e-30);
      return [
        ['uniform', normal],
        ['1e20 mixed in', huge],
        ['3e38 and 1e20 mixed in', top],
        ['1e-30 values', tiny],
      ];
    })();

    for (const [label, values] of datasets) {
      it(`${label}: K shards combine to getTotalNorm over all of them, p = 1, 2, 3, ∞, 0.5, 7`, () => {
        for (const k of [1, 2, 5, 13]) {
          const shards = shard(values, k, 100 + k);
          const all = shards.flat();
          for (const p of P) {
            const before = tf.memory().numTensors;
            const partials = shards.map((g) => partialNorm(g, { normType: p }));
            assert.equal(tf.memory().numTensors, before, 'partialNorm leaves no tensor');
            const combined = combineNorms(JSON.parse(JSON.stringify(partials)) as PartialNorm[]);
            const t = getTotalNorm(all, { normType: p });
            const total = t.dataSync()[0];
            t.dispose();
            const ref = pNorm([values], p);
            if (Number.isFinite(total)) relClose(combined, total, 1e-6, `${label} k=${k} p=${p} vs getTotalNorm`);
            relClose(combined, ref, 1e-6, `${label} k=${k} p=${p} vs the float64 reference`);
          }
          tf.dispose(all);
        }
      });
    }

    it('a shard whose own norm leaves float32\'s range (3e38, 3e38; subnormal values) is summed on the host, exactly', () => {
      const cases: number[][][] = [
        [[3e38, 3e38], [1]],
        [[-3e38, 3e38, 3e38], []],
        [[1e-40, -2e-41], [3e-39]],
        [[1e-45], [1e-45]],
      ];
      for (const c of cases) {
        const shards = c.map((v) => [tf.tensor1d(v)]);
        for (const p of [1, 2, 3]) {
          const combined = combineNorms(shards.map((g) => partialNorm(g, { normType: p })));
          const ref = pNorm(shards.map((g) => g[0].dataSync()), p);
          relClose(combined, ref, 1e-9, `${JSON.stringify(c)} p=${p}`);
        }
        tf.dispose(shards.flat());
      }
      // the float64 result stays finite above float32's range, where getTotalNorm's float32 scalar is Infinity
      const g = [tf.tensor1d([3e38, 3e38])];
      const n = getTotalNorm(g);
      assert.equal(n.dataSync()[0], Number.POSITIVE_INFINITY);
      relClose(combineNorms([partialNorm(g)]), Math.SQRT2 * Math.fround(3e38), 1e-12, 'sqrt(2) · 3e38');
      tf.dispose([n, ...g]);
    });

    it('records are small JSON objects; empty shards are {exponent: 0, sum: 0}; non-finite values survive JSON', () => {
      const a = partialNorm([tf.tensor1d([3, 4])]);
      assert.deepEqual(a, { normType: 2, exponent: 3, sum: 25 / 64 });
      assert.deepEqual(partialNorm([]), { normType: 2, exponent: 0, sum: 0 });
      assert.deepEqual(partialNorm({ w: null, b: tf.tensor1d([0, 0]) }, { normType: 3 }), { normType: 3, exponent: 0, sum: 0 });
      assert.deepEqual(partialNorm([tf.tensor1d([-5, 2])], { normType: Infinity }), { normType: 'Infinity', exponent: 0, sum: 5 });
      const nan = partialNorm([tf.tensor1d([1, Number.NaN])]);
      const inf = partialNorm([{ name: 'x', tensor: tf.tensor1d([1, -Infinity]) }]);
      assert.deepEqual([nan.sum, inf.sum], ['NaN', 'Infinity']);
      const wire = JSON.parse(JSON.stringify([a, inf])) as PartialNorm[];
      assert.equal(combineNorms(wire), Number.POSITIVE_INFINITY);
      assert.ok(Number.isNaN(combineNorms([a, inf, nan])), 'NaN wins over Infinity');
      assert.ok(Number.isNaN(combineNorms([partialNorm([tf.tensor1d([Number.NaN])], { normType: Infinity }), partialNorm([tf.tensor1d([Infinity])], { normType: Infinity })])));
      assert.equal(combineNorms([]), 0, 'no shards: the empty vector');
      assert.equal(combineNorms([partialNorm([]), partialNorm([])]), 0);
      assert.equal(combineNorms([{ normType: Infinity as unknown as 'Infinity', exponent: 0, sum: 2 }, { normType: 'Infinity', exponent: 0, sum: 3 }]), 3, 'a live Infinity normType is accepted too');
    });

    it('mismatched normType between partials is an error; malformed records are errors naming the fix', () => {
      const two = partialNorm([tf.tensor1d([1, 2])]);
      const three = partialNorm([tf.tensor1d([1, 2])], { normType: 3 });
      const isArg = (re: RegExp) => (e: unknown) => e instanceof GradclipArgumentError && re.test((e as Error).message);
      assert.throws(() => combineNorms([two, three]), isArg(/^combineNorms: partials\[1\]\.normType is 3 but partials\[0\]\.normType is 2; compute every shard's partialNorm with the same normType$/));
      assert.throws(() => combineNorms([two, partialNorm([], { normType: Infinity })]), isArg(/partials\[1\]\.normType is Infinity but partials\[0\]\.normType is 2/));
      assert.throws(() => combineNorms(two as never), isArg(/^combineNorms: partials must be an array of PartialNorm records/));
      assert.throws(() => combineNorms([two, null] as never), isArg(/partials\[1\] must be a PartialNorm record \{normType, exponent, sum\}/));
      assert.throws(() => combineNorms([{ ...two, normType: -1 }] as never), isArg(/partials\[0\]\.normType must be a number > 0 or "Infinity", got -1/));
      assert.throws(() => combineNorms([{ ...two, exponent: 1.5 }]), isArg(/partials\[0\]\.exponent must be an integer, got 1\.5/));
      assert.throws(() => combineNorms([{ ...two, sum: -1 }]), isArg(/partials\[0\]\.sum must be a number >= 0, "NaN" or "Infinity", got -1/));
      assert.throws(() => combineNorms([{ ...two, sum: 'lots' as never }]), isArg(/partials\[0\]\.sum must be a number >= 0/));
      assert.throws(() => partialNorm([tf.tensor1d([1])], { normType: 0 }), isArg(/^partialNorm: normType must be > 0 or Infinity, got 0/));
      assert.throws(() => partialNorm([tf.tensor1d([1])], { normtype: 2 } as never), isArg(/partialNorm: unknown option "normtype".*did you mean "normType"/));
      assert.throws(() => partialNorm(tf.tensor1d([1]) as never), isArg(/partialNorm: grads must be a container of gradients, got a single Tensor/));
    });
  });
}

describe('the power-of-two helpers (core/norms.ts)', () => {
  it('binaryExponent is frexp\'s exponent, exactly, from subnormals to float64\'s top', () => {
    for (const x of [1, 0.5, 0.75, 2, 3, 1023.9, 1024, Math.fround(3e38), 1e-45, 5e-324, 1e300, Number.MAX_VALUE, 1 - 2 ** -53]) {
      const e = binaryExponent(x);
      const f = (x / 2 ** Math.trunc(e / 2)) / 2 ** (e - Math.trunc(e / 2));
      assert.ok(f >= 0.5 && f < 1, `${x}: ${f} · 2^${e}`);
    }
  });
  it('normOfScaledSums rescales shards to the largest exponent', () => {
    assert.equal(normOfScaledSums([{ exponent: 3, sum: 9 / 64 }, { exponent: 3, sum: 16 / 64 }], 2), 5);
    assert.equal(normOfScaledSums([{ exponent: 200, sum: 0.25 }, { exponent: 0, sum: 0 }], 2), 2 ** 199);
    assert.equal(normOfScaledSums([], 3), 0);
  });
});

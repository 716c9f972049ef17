/**
 * The norm accuracy contract (DESIGN.md §2, "Norm accuracy") over the whole
 * float32 range, as a property: for any finite float32 inputs — subnormals,
 * values near 3.4e38 and everything in between, mixed in one tensor — every
 * norm is within 1e-6 relative (+ 2^-149 absolute, for norms in the subnormal
 * range) of the float64 reference computed here, and a NaN / ±Inf entry makes
 * the norm NaN / Inf. Complements the fixed vectors in conformance.test.ts
 * (which pin the PyTorch / TF semantics) and the lead's properties.test.ts
 * (which uses moderate exponents only).
 *
 * Reference: `(Σ |x|^p)^(1/p)` (`max |x|` for p = ∞) summed in float64 —
 * exact enough (n ≤ 64 terms, each |x|^p ≤ 4e115 for p ≤ 3) to be a 1e-12
 * reference. Cases whose true norm exceeds float32's max (no float32 Scalar
 * can hold it) are skipped. Runs on cpu and wasm, fixed seeds.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { assertNormClose, assertOutputsClose } from '../helpers/vectors.js';
import { clipByNorm, clipGradNorm, getTotalNorm, globalNorm } from 'gradclip';

const F32_MAX = 3.4028234663852886e38;
const P_VALUES = [0.5, 1, 1.5, 2, 3, Infinity] as const;
const RUNS = 120;

/** float64 p-norm of the concatenation of `arrays`. */
function refNorm(arrays: readonly Float32Array[], p: number): number {
  if (p === Infinity) {
    let m = 0;
    for (const a of arrays) for (const v of a) m = Number.isNaN(v) || Number.isNaN(m) ? Number.NaN : Math.max(m, Math.abs(v));
    return m;
  }
  let s = 0;
  for (const a of arrays) for (const v of a) s += Math.abs(v) ** p;
  return s ** (1 / p);
}

/** Any float32 values (fast-check's float is float32: subnormals, ±0 and ±max included). */
const anyFloat32 = (n: number): fc.Arbitrary<Float32Array> =>
  fc.float32Array({ minLength: n, maxLength: n, noNaN: true, noDefaultInfinity: true });

/** Values of one magnitude band 2^e (e in [-149, 127]) — realistic tensors at extreme scales. */
const bandFloat32 = (n: number): fc.Arbitrary<Float32Array> =>
  fc
    .tuple(fc.integer({ min: -149, max: 104 }), fc.array(fc.integer({ min: -(2 ** 23), max: 2 ** 23 }), { minLength: n, maxLength: n }))
    .map(([e, ints]) => Float32Array.from(ints, (i) => i * 2 ** e));

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 });
const tensorArb = shapeArb.chain((shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.tuple(fc.constant(shape), fc.oneof(anyFloat32(n), bandFloat32(n)));
});
const gradsArb = fc.array(tensorArb, { minLength: 1, maxLength: 5 });

function withTensors<T>(specs: readonly (readonly [number[], Float32Array])[], body: (ts: tf.Tensor[]) => T): T {
  const ts = specs.map(([shape, v]) => tf.tensor(v, shape, 'float32'));
  const before = tf.memory().numTensors;
  try {
    const r = body(ts);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    return r;
  } finally {
    for (const t of ts) t.dispose();
  }
}

for (const backend of BACKENDS) {
  describe(`norm accuracy over the full float32 range (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('getTotalNorm (all p) and globalNorm are within 1e-6 of the float64 norm', () => {
      fc.assert(
        fc.property(gradsArb, fc.constantFrom(...P_VALUES), (specs, p) => {
          const ref = refNorm(specs.map((s) => s[1]), p);
          fc.pre(ref <= F32_MAX);
          withTensors(specs, (ts) => {
            const n = getTotalNorm(ts, { normType: p });
            assertNormClose(n.dataSync()[0], ref, `[${backend}] getTotalNorm p=${p}`);
            n.dispose();
            if (p === 2) {
              const g = globalNorm(ts);
              assertNormClose(g.dataSync()[0], ref, `[${backend}] globalNorm`);
              g.dispose();
            }
          });
        }),
        { seed: 0x5eed01, numRuns: RUNS },
      );
    });

    it('clipGradNorm returns the true pre-clip norm and scales by min(1, maxNorm/(norm+1e-6))', () => {
      fc.assert(
        fc.property(gradsArb, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (specs, maxNorm) => {
          const arrays = specs.map((s) => s[1]);
          const ref = refNorm(arrays, 2);
          fc.pre(ref <= F32_MAX);
          const coef = Math.min(1, Math.fround(maxNorm) / (ref + 1e-6));
          // a coefficient below float32's smallest normal is itself subnormal in
          // float32 (as in PyTorch): only ~log2(coef/2^-149) bits survive
          fc.pre(coef === 0 || coef >= 2 ** -126);
          withTensors(specs, (ts) => {
            const r = clipGradNorm(ts, maxNorm);
            assertNormClose(r.totalNorm.dataSync()[0], ref, `[${backend}] clipGradNorm totalNorm`);
            r.grads.forEach((g, i) => {
              assertOutputsClose(g.dataSync(), Float64Array.from(arrays[i], (v) => v * coef), `[${backend}] clipGradNorm output ${i}`);
            });
            tf.dispose([...r.grads, r.totalNorm]);
          });
        }),
        { seed: 0x5eed02, numRuns: RUNS },
      );
    });

    it('clipByNorm (whole tensor and per axis) uses the true L2 norm: t·c/max(norm, c)', () => {
      const arb = fc
        .tuple(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }))
        .chain(([shape, c]) => {
          const n = shape.reduce((a, b) => a * b, 1);
          return fc.tuple(
            fc.constant(shape),
            fc.oneof(anyFloat32(n), bandFloat32(n)),
            fc.constant(c),
            fc.option(fc.subarray(shape.map((_, i) => i), { minLength: 1 }), { nil: undefined }),
          );
        });
      fc.assert(
        fc.property(arb, ([shape, values, c, axes]) => {
          const cf = Math.fround(c);
          // float64 per-slice norms: index -> slice key (coordinates outside `axes`)
          const rank = shape.length;
          const red = new Set(axes ?? shape.map((_, i) => i));
          const key = (flat: number): string => {
            const coords: number[] = [];
            for (let d = rank - 1, r = flat; d >= 0; d--) {
              coords[d] = r % shape[d];
              r = Math.floor(r / shape[d]);
            }
            return coords.map((x, d) => (red.has(d) ? '*' : x)).join(',');
          };
          const sums = new Map<string, number>();
          values.forEach((v, i) => sums.set(key(i), (sums.get(key(i)) ?? 0) + v * v));
          const expected = Float64Array.from(values, (v, i) => (v * cf) / Math.max(Math.sqrt(sums.get(key(i)) as number), cf));
          const scales = [...sums.values()].map((s) => cf / Math.max(Math.sqrt(s), cf));
          // see clipGradNorm above: a float32-subnormal scale keeps only a few bits;
          // and a slice norm above float32's max cannot be held by a float32 tensor
          fc.pre(scales.every((k) => k >= 2 ** -126));
          fc.pre([...sums.values()].every((s) => Math.sqrt(s) <= F32_MAX));
          withTensors([[shape, values]], ([t]) => {
            const r = clipByNorm(t, c, axes);
            assertOutputsClose(r.dataSync(), expected, `[${backend}] clipByNorm axes=${axes === undefined ? 'all' : `[${axes}]`}`);
            r.dispose();
          });
        }),
        { seed: 0x5eed03, numRuns: RUNS },
      );
    });

    it('a NaN entry makes every norm NaN; an Inf entry (and no NaN) makes it Inf', () => {
      fc.assert(
        fc.property(
          gradsArb,
          fc.constantFrom(...P_VALUES),
          fc.constantFrom(Number.NaN, Infinity, -Infinity),
          fc.nat(),
          fc.nat(),
          (specs, p, bad, ti, ei) => {
            const copy = specs.map(([s, v]) => [s, Float32Array.from(v)] as const);
            const [, target] = copy[ti % copy.length];
            target[ei % target.length] = bad;
            const expected = Number.isNaN(bad) ? Number.NaN : Infinity;
            withTensors(copy, (ts) => {
              for (const fused of [undefined, false]) {
                const n = getTotalNorm(ts, { normType: p, fused });
                const v = n.dataSync()[0];
                n.dispose();
                assert.ok(Object.is(v, expected), `[${backend}] p=${p} fused=${fused}: expected ${expected}, got ${v}`);
              }
            });
          },
        ),
        { seed: 0x5eed04, numRuns: RUNS },
      );
    });
  });
}

/**
 * Property tests of the functional clipping API (DESIGN.md §2) on the cpu and
 * wasm backends, with fast-check and fixed seeds.
 *
 * Inputs are exact float32 values `i · 2^k` (|i| < 2^20, k per tensor in
 * [-40, 10]), so the float64 references in this file see exactly the numbers
 * the library sees and no subnormals appear. References:
 * - norms: `(Σ|x|^p)^(1/p)` (max |x| for p = ∞) in float64, contract 1e-6 relative;
 * - clipGradNorm: PyTorch's rule `coef = min(1, maxNorm / (total + 1e-6))`,
 *   evaluated here step by step in float32 with `Math.fround` (each TF.js op
 *   rounds once), which predicts every output bit; in particular the gradients
 *   come back unchanged exactly when `fround(maxNorm) >= fround(total + 1e-6)`,
 *   so PyTorch's epsilon clips a gradient whose norm *equals* maxNorm;
 * - clipByGlobalNorm: `t · c / max(n, c)` in float64 (a few float32 roundings apart), and
 *   bit-exact against TF's float32 evaluation `scale = c · min(1/n, 1/c)`;
 * - clipGradValue: the exact clamp.
 * Every property also checks `tf.memory().numTensors` before/after.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import {
  clipByGlobalNorm,
  clipByNorm,
  clipGradNorm,
  clipGradsWithNorm,
  clipGradValue,
  getTotalNorm,
  globalNorm,
  type NamedGrad,
} from 'gradclip';
import { TORCH_CLIP_EPS } from 'gradclip';

const f = Math.fround;
const RUNS = 100;
const U = 2 ** -24; // float32 unit roundoff

// ------------------------------------------------------------- generators ---

/** One exact float32 tensor: integers |i| < 2^20 scaled by 2^k. */
const tensorValues = fc
  .tuple(fc.array(fc.integer({ min: -(2 ** 20) + 1, max: 2 ** 20 - 1 }), { minLength: 1, maxLength: 24 }), fc.integer({ min: -40, max: 10 }))
  .map(([ints, k]) => Float32Array.from(ints, (i) => i * 2 ** k));

/** 1 to 4 tensors. */
const gradValues = fc.array(tensorValues, { minLength: 1, maxLength: 4 });

const NORM_TYPES = [0.5, 1, 1.5, 2, 3, Infinity] as const;

// ------------------------------------------------------------- references ---

function flat(vals: readonly Float32Array[]): number[] {
  return vals.flatMap((v) => Array.from(v));
}

/** float64 p-norm of all values as one vector. */
function refNorm(xs: readonly number[], p: number): number {
  if (p === Infinity) return xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const m = xs.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
  if (m === 0) return 0;
  // scaled to stay in range for every p
  let s = 0;
  for (const x of xs) s += Math.abs(x / m) ** p;
  return m * s ** (1 / p);
}

/** PyTorch's coefficient, one float32 rounding per TF.js op, from the float32 total. */
function torchCoef32(maxNorm: number, total32: number): number {
  return Math.min(1, f(f(maxNorm) / f(total32 + f(TORCH_CLIP_EPS))));
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

function assertRel(got: number, want: number, rel: number, what: string): void {
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: got ${got}, want ${want} (rel tol ${rel})`);
}

function assertBitEqual(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    // same float32 value (NaN = NaN); the sign of zero is not compared
    assert.ok(got[i] === want[i] || (Number.isNaN(got[i]) && Number.isNaN(want[i])), `${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

function read(ts: readonly Tensor[]): Float32Array[] {
  return ts.map((t) => t.dataSync() as Float32Array);
}

function make(vals: readonly Float32Array[]): Tensor[] {
  return vals.map((v, i) => (i % 2 === 0 ? tf.tensor1d(v) : tf.tensor2d(v, [1, v.length])));
}

/** Runs `body` and checks that it left no tensor behind (after disposing `inputs`). */
function noLeak(vals: readonly Float32Array[], body: (inputs: Tensor[]) => Tensor[]): void {
  const before = tf.memory().numTensors;
  const inputs = make(vals);
  const created = body(inputs);
  tf.dispose(created);
  tf.dispose(inputs);
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
}

// ------------------------------------------------------------------ tests ---

for (const backend of BACKENDS) {
  describe(`clip properties (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });
    after(() => {
      /* nothing kept */
    });

    it('clipGradNorm: every output bit follows PyTorch coef = min(1, maxNorm/(total+1e-6)); norm bound; direction kept', () => {
      fc.assert(
        fc.property(gradValues, fc.constantFrom(...NORM_TYPES), fc.double({ min: 0.01, max: 3, noNaN: true }), (vals, p, ratio) => {
          const xs = flat(vals);
          const total64 = refNorm(xs, p);
          const maxNorm = total64 * ratio;
          noLeak(vals, (inputs) => {
            const { grads, totalNorm } = clipGradNorm(inputs, maxNorm, { normType: p });
            const total32 = totalNorm.dataSync()[0];
            assertRel(total32, total64, 1e-6, `total (p=${p})`);
            const coef = torchCoef32(maxNorm, total32);
            const outs = read(grads);
            outs.forEach((o, i) => assertBitEqual(o, vals[i].map((g) => f(g * coef)), `output ${i}`));
            const post = refNorm(flat(outs), p);
            // bound: ||clipped|| <= maxNorm (+ float32 rounding)
            assert.ok(post <= maxNorm * (1 + 8 * U), `post ${post} > maxNorm ${maxNorm}`);
            if (coef < 1) {
              // fired: ||clipped|| = maxNorm · total / (total + 1e-6)
              assertRel(post, (maxNorm * total64) / (total64 + TORCH_CLIP_EPS), 1e-6, 'post-clip norm');
            }
            if (f(maxNorm) >= f(total32 + f(TORCH_CLIP_EPS))) {
              // below the threshold (epsilon included): the very input values
              outs.forEach((o, i) => assertBitEqual(o, vals[i], `unchanged output ${i}`));
            }
            if (total64 > 0) {
              const c = cosine(xs, flat(outs));
              assert.ok(Math.abs(1 - c) <= 1e-12, `direction changed: cosine ${c}`);
            }
            return [...grads, totalNorm];
          });
        }),
        { seed: 1101, numRuns: RUNS },
      );
    });

    it('clipGradNorm at the boundary: norm = maxNorm is clipped (epsilon), maxNorm >= fround(norm + 1e-6) is not', () => {
      // ||[3, 4]|| = 5 exactly; in float32 5 + 1e-6 rounds to 5 + 2 ulp (ulp(5) = 2^-21).
      const ulp = 2 ** -21;
      assert.equal(f(5 + f(1e-6)), 5 + 2 * ulp, 'hand arithmetic of the float32 sum');
      const cases: Array<[number, boolean]> = [
        [5, true], // equal: PyTorch still scales by 5 / (5 + 1e-6)
        [5 + ulp, true], // total < maxNorm < total + 1e-6: scaled by (5 + ulp) / (5 + 2 ulp)
        [5 + 2 * ulp, false], // maxNorm = fround(total + 1e-6): coef exactly 1
        [6, false],
      ];
      for (const [maxNorm, scaled] of cases) {
        const g = [tf.tensor1d([3, 4])];
        const { grads, totalNorm } = clipGradNorm(g, maxNorm);
        assert.equal(totalNorm.dataSync()[0], 5);
        const out = Array.from(grads[0]!.dataSync());
        const coef = Math.min(1, f(maxNorm / (5 + 2 * ulp)));
        assert.deepEqual(out, [f(3 * coef), f(4 * coef)], `maxNorm ${maxNorm}`);
        assert.equal(out[0] !== 3 || out[1] !== 4, scaled, `maxNorm ${maxNorm}: scaled?`);
        tf.dispose([...g, ...grads, totalNorm]);
      }
    });

    it('clipGradNorm is idempotent up to its epsilon: a second clip changes values by <= 1e-6/maxNorm (relative)', () => {
      fc.assert(
        fc.property(gradValues, fc.double({ min: 0.01, max: 3, noNaN: true }), (vals, ratio) => {
          const maxNorm = refNorm(flat(vals), 2) * ratio;
          noLeak(vals, (inputs) => {
            const once = clipGradNorm(inputs, maxNorm);
            const twice = clipGradNorm(once.grads, maxNorm);
            const a = flat(read(once.grads));
            const b = flat(read(twice.grads));
            // second coef = min(1, maxNorm/(n1 + 1e-6)) with n1 <= maxNorm·(1 + few ulp)
            const tol = (maxNorm > 0 ? TORCH_CLIP_EPS / maxNorm : 0) + 8 * U;
            a.forEach((x, i) => assert.ok(Math.abs(b[i] - x) <= tol * Math.abs(x), `elem ${i}: ${x} -> ${b[i]}`));
            return [...once.grads, once.totalNorm, ...twice.grads, twice.totalNorm];
          });
        }),
        { seed: 1102, numRuns: RUNS },
      );
    });

    it('split API (getTotalNorm + clipGradsWithNorm) equals clipGradNorm bit for bit', () => {
      fc.assert(
        fc.property(gradValues, fc.constantFrom(...NORM_TYPES), fc.double({ min: 0, max: 3, noNaN: true }), (vals, p, ratio) => {
          const maxNorm = refNorm(flat(vals), p) * ratio;
          noLeak(vals, (inputs) => {
            const fused = clipGradNorm(inputs, maxNorm, { normType: p });
            const total = getTotalNorm(inputs, { normType: p });
            const split = clipGradsWithNorm(inputs, maxNorm, total);
            assertBitEqual(total.dataSync(), fused.totalNorm.dataSync(), 'total');
            read(split).forEach((o, i) => assertBitEqual(o, fused.grads[i]!.dataSync(), `grad ${i}`));
            // a plain number for the norm gives the same coefficient
            const byNumber = clipGradsWithNorm(inputs, maxNorm, total.dataSync()[0]);
            read(byNumber).forEach((o, i) => assertBitEqual(o, fused.grads[i]!.dataSync(), `grad ${i} (number norm)`));
            return [...fused.grads, fused.totalNorm, total, ...split, ...byNumber];
          });
        }),
        { seed: 1103, numRuns: RUNS },
      );
    });

    it('clipByGlobalNorm matches t · c / max(n, c) in float64; a second clip is a no-op up to rounding', () => {
      fc.assert(
        fc.property(gradValues, fc.double({ min: 0.01, max: 3, noNaN: true }), (vals, ratio) => {
          const xs = flat(vals);
          const n = refNorm(xs, 2);
          const c = n > 0 ? n * ratio : ratio;
          noLeak(vals, (inputs) => {
            const [out, norm] = clipByGlobalNorm(inputs, c);
            assertRel(norm.dataSync()[0], n, 1e-6, 'global norm');
            const scale = c / Math.max(n, c);
            const got = read(out);
            got.forEach((o, i) =>
              o.forEach((v, j) => {
                const want = vals[i][j] * scale;
                assert.ok(Math.abs(v - want) <= 4 * U * Math.abs(want), `out ${i}[${j}]: ${v} vs ${want}`);
              }),
            );
            // bit-exact: TF's float32 rule scale = c · min(1/n, 1/c) (so below the threshold the
            // scale is fround(c · fround(1/c)), which may be 1 − 2^-24 rather than 1, as in TF)
            const n32 = norm.dataSync()[0];
            const scale32 = f(f(c) * Math.min(f(1 / n32), f(1 / c)));
            got.forEach((o, i) => assertBitEqual(o, vals[i].map((g) => f(g * scale32)), `TF rule ${i}`));
            const [again, norm2] = clipByGlobalNorm(out, c);
            const a = flat(got);
            const b = flat(read(again));
            a.forEach((x, i) => assert.ok(Math.abs(b[i] - x) <= 8 * U * Math.abs(x), `twice ${i}: ${x} -> ${b[i]}`));
            // and the norm it reports is globalNorm's
            const gn = globalNorm(inputs);
            assertBitEqual(gn.dataSync(), norm.dataSync(), 'globalNorm = returned norm');
            return [...out, norm, ...again, norm2, gn];
          });
        }),
        { seed: 1104, numRuns: RUNS },
      );
    });

    it('clipByNorm (whole tensor and per axis) matches t · c / max(||t||, c) in float64, no leak', () => {
      const shaped = fc
        .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: -30, max: 5 }))
        .chain(([r, c, k]) =>
          fc
            .array(fc.integer({ min: -(2 ** 20) + 1, max: 2 ** 20 - 1 }), { minLength: r * c, maxLength: r * c })
            .map((ints) => ({ r, c, vals: Float32Array.from(ints, (i) => i * 2 ** k) })),
        );
      fc.assert(
        fc.property(shaped, fc.constantFrom<number[] | undefined>(undefined, [0], [1], [0, 1]), fc.double({ min: 0.05, max: 2, noNaN: true }), ({ r, c, vals }, axes, ratio) => {
          const at = (i: number, j: number): number => vals[i * c + j];
          // slice norms in float64: slice(i, j) = the set of (i', j') sharing the kept axes
          const sliceNorm = (i: number, j: number): number => {
            let s = 0;
            for (let a = 0; a < r; a++)
              for (let b = 0; b < c; b++) {
                const same = axes === undefined ? true : (axes.includes(0) || a === i) && (axes.includes(1) || b === j);
                if (same) s += at(a, b) ** 2;
              }
            return Math.sqrt(s);
          };
          const whole = sliceNorm(0, 0);
          const cNorm = whole > 0 ? whole * ratio : ratio;
          noLeak([vals], () => {
            const t = tf.tensor2d(vals, [r, c]);
            const out = clipByNorm(t, cNorm, axes);
            assert.deepEqual(out.shape, [r, c]);
            const o = out.dataSync();
            for (let i = 0; i < r; i++)
              for (let j = 0; j < c; j++) {
                const n = sliceNorm(i, j);
                const want = (at(i, j) * cNorm) / Math.max(n, cNorm);
                // per-axis norms go through float32 ops (scaled sum of squares): a few ulp more
                const tol = (axes === undefined ? 4 : 24) * U * Math.abs(want);
                assert.ok(Math.abs(o[i * c + j] - want) <= tol, `[${i},${j}] axes ${String(axes)}: ${o[i * c + j]} vs ${want}`);
              }
            return [t, out];
          });
        }),
        { seed: 1108, numRuns: RUNS },
      );
    });

    it('clipGradValue is the exact clamp to [-v, v]', () => {
      fc.assert(
        fc.property(gradValues, fc.double({ min: 0, max: 2, noNaN: true }), (vals, ratio) => {
          const m = flat(vals).reduce((a, x) => Math.max(a, Math.abs(x)), 0);
          const v = f(m * ratio);
          noLeak(vals, (inputs) => {
            const out = clipGradValue(inputs, v);
            read(out).forEach((o, i) => {
              o.forEach((x) => assert.ok(Math.abs(x) <= v, `|${x}| > ${v}`));
              assertBitEqual(o, vals[i].map((g) => Math.min(Math.max(g, -v), v)), `clamp ${i}`);
            });
            return out;
          });
        }),
        { seed: 1105, numRuns: RUNS },
      );
    });

    it('the three container forms give identical numbers (null/undefined holes kept)', () => {
      fc.assert(
        fc.property(gradValues, fc.double({ min: 0.01, max: 3, noNaN: true }), (vals, ratio) => {
          const n = refNorm(flat(vals), 2);
          const c = n > 0 ? n * ratio : 1;
          noLeak(vals, (inputs) => {
            const arr: (Tensor | null | undefined)[] = [null, ...inputs, undefined];
            const map: Record<string, Tensor | null> = { hole: null };
            inputs.forEach((t, i) => (map[`w${i}`] = t));
            const named: NamedGrad[] = [{ name: 'hole', tensor: undefined }, ...inputs.map((t, i) => ({ name: `w${i}`, tensor: t }))];
            const created: Tensor[] = [];
            const take = (x: Tensor | null | undefined): Float32Array => {
              assert.ok(x instanceof tf.Tensor);
              created.push(x);
              return x.dataSync() as Float32Array;
            };
            const results = {
              gnA: clipGradNorm(arr, c),
              gnM: clipGradNorm(map, c),
              gnN: clipGradNorm(named, c),
              gbA: clipByGlobalNorm(arr, c),
              gbM: clipByGlobalNorm(map, c),
              gbN: clipByGlobalNorm(named, c),
              gvA: clipGradValue(arr, c / 4),
              gvM: clipGradValue(map, c / 4),
              gvN: clipGradValue(named, c / 4),
            };
            // holes come back where they were
            assert.equal(results.gnA.grads[0], null);
            assert.equal(results.gnA.grads[arr.length - 1], undefined);
            assert.equal(results.gnA.grads.length, arr.length);
            assert.equal(results.gnM.grads.hole, null);
            assert.deepEqual(Object.keys(results.gnM.grads), Object.keys(map));
            assert.deepEqual(results.gnN.grads[0], { name: 'hole', tensor: undefined });
            assert.deepEqual(results.gnN.grads.map((e) => e.name), named.map((e) => e.name));
            assertBitEqual(take(results.gnA.totalNorm), take(results.gnM.totalNorm), 'norm A/M');
            assertBitEqual(take(results.gnA.totalNorm), take(results.gnN.totalNorm), 'norm A/N');
            assertBitEqual(take(results.gbA[1]), take(results.gbM[1]), 'gnorm A/M');
            assertBitEqual(take(results.gbA[1]), take(results.gbN[1]), 'gnorm A/N');
            inputs.forEach((_, i) => {
              for (const [a, m, nm, what] of [
                [results.gnA.grads[i + 1], results.gnM.grads[`w${i}`], results.gnN.grads[i + 1].tensor, 'clipGradNorm'],
                [results.gbA[0][i + 1], results.gbM[0][`w${i}`], results.gbN[0][i + 1].tensor, 'clipByGlobalNorm'],
                [results.gvA[i + 1], results.gvM[`w${i}`], results.gvN[i + 1].tensor, 'clipGradValue'],
              ] as const) {
                const va = take(a);
                assertBitEqual(take(m), va, `${what} map ${i}`);
                assertBitEqual(take(nm), va, `${what} named ${i}`);
              }
            });
            return created;
          });
        }),
        { seed: 1106, numRuns: 20 },
      );
    });

    it('getTotalNorm for p in {0.5, 1, 1.5, 2, 3, ∞} matches the float64 reference (fused kernel and op composition)', () => {
      fc.assert(
        fc.property(gradValues, fc.constantFrom(...NORM_TYPES), (vals, p) => {
          const want = refNorm(flat(vals), p);
          noLeak(vals, (inputs) => {
            const a = getTotalNorm(inputs, { normType: p });
            assertRel(a.dataSync()[0], want, 1e-6, `p=${p} (default engine)`);
            const b = getTotalNorm(inputs, { normType: p, fused: false });
            // float32 reduction of at most 96 terms (and pow in float32): looser
            assertRel(b.dataSync()[0], want, 2e-5, `p=${p} (fused: false)`);
            return [a, b];
          });
        }),
        { seed: 1107, numRuns: 60 },
      );
    });

    it('p-norms of a hand-computed example', () => {
      // x = [3, -4, 12]:  ||x||_1 = 19, ||x||_2 = 13, ||x||_∞ = 12,
      // ||x||_0.5 = (√3 + 2 + √12)² = (3√3 + 2)², ||x||_3 = (27 + 64 + 1728)^(1/3) = 1819^(1/3)
      const x = [tf.tensor1d([3, -4]), tf.tensor1d([12])];
      const want: Array<[number, number]> = [
        [1, 19],
        [2, 13],
        [Infinity, 12],
        [0.5, (3 * Math.sqrt(3) + 2) ** 2],
        [3, Math.cbrt(1819)],
        [1.5, (3 ** 1.5 + 8 + 12 ** 1.5) ** (2 / 3)],
      ];
      for (const [p, w] of want) {
        const n = getTotalNorm(x, { normType: p });
        assertRel(n.dataSync()[0], w, 1e-6, `p=${p}`);
        n.dispose();
      }
      tf.dispose(x);
    });

    it('empty containers and all-null containers have norm 0 and clip to themselves', () => {
      const before = tf.memory().numTensors;
      for (const g of [[], {}, [null, undefined], { a: null }]) {
        const n = getTotalNorm(g);
        assert.equal(n.dataSync()[0], 0);
        const r = clipGradNorm(g, 1);
        assert.equal(r.totalNorm.dataSync()[0], 0);
        assert.deepEqual(r.grads, g);
        tf.dispose([n, r.totalNorm] as Scalar[]);
      }
      assert.equal(tf.memory().numTensors, before);
    });
  });
}

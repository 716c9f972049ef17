/**
 * The clip transforms (`transforms.clipByGlobalNorm`, `clipByValue`,
 * `clipByNorm`) against independent float64 math, and the three global-norm
 * coefficient rules where they differ:
 *
 *   'optax': coef = 1 if n < c else c / n        (clip at >=, no epsilon; Pascanu Alg. 1)
 *   'tf':    coef = c · min(1/n, 1/c) + (n − n)   (NaN everywhere when n is not finite)
 *   'torch': coef = min(1, c / (n + 1e-6))
 *
 * Boundary cases use ||[3, 4]|| = 5, exact in float32; the float32 value each
 * rule must produce is written out with `Math.fround`. Every test checks
 * `tf.memory().numTensors`; spec round trips rebuild identical transforms.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { NamedTensorMap, Tensor } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { transforms, type GradientTransformation, type TransformInfo } from 'gradclip';

const f = Math.fround;
const U = 2 ** -24;
type Rule = 'optax' | 'tf' | 'torch';
const RULES: Rule[] = ['optax', 'tf', 'torch'];

function coef64(rule: Rule, n: number, c: number): number {
  if (rule === 'torch') return Math.min(1, c / (n + 1e-6));
  if (rule === 'tf') return c / Math.max(n, c);
  return n < c ? 1 : c / n;
}

function num(x: Tensor | boolean | undefined): number | boolean | undefined {
  if (x === undefined || typeof x === 'boolean') return x;
  return x.dataSync()[0];
}

function vals(m: NamedTensorMap): Record<string, number[]> {
  const o: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(m)) o[k] = Array.from(t.dataSync());
  return o;
}

function release(input: NamedTensorMap, out: NamedTensorMap, info: TransformInfo): void {
  const inputs = new Set(Object.values(input));
  for (const t of Object.values(out)) if (!inputs.has(t)) t.dispose();
  const ts: Tensor[] = [];
  for (const v of [info.preClipNorm, info.postClipNorm, info.clipCoef, info.clipped]) if (v instanceof tf.Tensor) ts.push(v);
  if (info.layerNorms) ts.push(...Object.values(info.layerNorms));
  tf.dispose(ts);
}

/** Runs one update of `t` on `g` (host arrays), returns host values, checks no leak. */
function run(t: GradientTransformation<unknown>, g: Record<string, number[]>) {
  const before = tf.memory().numTensors;
  const input: NamedTensorMap = {};
  for (const [k, v] of Object.entries(g)) input[k] = tf.tensor1d(v);
  const r = t.update(input, t.init(input));
  const out = {
    updates: vals(r.updates),
    pre: num(r.info.preClipNorm),
    post: num(r.info.postClipNorm),
    coef: num(r.info.clipCoef),
    clipped: num(r.info.clipped),
    state: r.state,
  };
  release(input, r.updates, r.info);
  tf.dispose(Object.values(input));
  assert.equal(tf.memory().numTensors, before, `${t.name}: tensor leak`);
  return out;
}

function isNaNAll(xs: number[]): boolean {
  return xs.every((x) => Number.isNaN(x));
}

for (const backend of BACKENDS) {
  describe(`clip transforms (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it("the default rule is 'optax'", () => {
      assert.deepEqual(transforms.clipByGlobalNorm(2).spec, { type: 'clipByGlobalNorm', args: [2, { rule: 'optax' }] });
    });

    it('at n = c: optax and tf leave the gradients unchanged, torch scales by c/(c + 1e-6)', () => {
      const g = { a: [3], b: [4] }; // n = 5
      const ulp = 2 ** -21; // ulp(5); fround(5 + 1e-6) = 5 + 2 ulp
      const optax = run(transforms.clipByGlobalNorm(5, { rule: 'optax' }), g);
      assert.deepEqual(optax.updates, g);
      assert.equal(optax.coef, 1);
      assert.equal(optax.clipped, 0);
      // tf: 5 · min(fround(1/5), fround(1/5)) rounds back to exactly 1
      assert.equal(f(5 * f(0.2)), 1, 'hand arithmetic');
      const tfr = run(transforms.clipByGlobalNorm(5, { rule: 'tf' }), g);
      assert.deepEqual(tfr.updates, g);
      assert.equal(tfr.clipped, 0);
      const torch = run(transforms.clipByGlobalNorm(5, { rule: 'torch' }), g);
      const k = f(5 / (5 + 2 * ulp));
      assert.ok(k < 1);
      assert.equal(torch.coef, k);
      assert.deepEqual(torch.updates, { a: [f(3 * k)], b: [f(4 * k)] });
      assert.equal(torch.clipped, 1);
      assert.equal(torch.pre, 5);
      assert.equal(torch.post, f(5 * k));
    });

    it('just above the threshold (c = 5 − 2^-20 < n = 5): all three clip, optax/tf by c/n, torch by c/(n + 1e-6)', () => {
      const c = 5 - 2 ** -20;
      const g = { a: [3], b: [4] };
      const optax = run(transforms.clipByGlobalNorm(c, { rule: 'optax' }), g);
      assert.equal(optax.coef, f(c / 5));
      assert.deepEqual(optax.updates, { a: [f(3 * f(c / 5))], b: [f(4 * f(c / 5))] });
      assert.equal(optax.clipped, 1);
      const tfr = run(transforms.clipByGlobalNorm(c, { rule: 'tf' }), g);
      const tfCoef = f(c * Math.min(f(1 / 5), f(1 / c)));
      assert.equal(tfr.coef, tfCoef);
      assert.equal(tfr.clipped, tfCoef < 1 ? 1 : 0);
      const torch = run(transforms.clipByGlobalNorm(c, { rule: 'torch' }), g);
      assert.equal(torch.coef, f(c / f(5 + f(1e-6))));
      assert.ok((torch.coef as number) < (optax.coef as number), 'the epsilon clips a little more');
    });

    it('just below the threshold (n < c < n + 1e-6): optax/tf unchanged, torch still scales', () => {
      const c = 5 + 2 ** -21; // one float32 ulp above n = 5, less than 5 + 1e-6
      const g = { a: [3], b: [4] };
      assert.deepEqual(run(transforms.clipByGlobalNorm(c, { rule: 'optax' }), g).updates, g);
      const torch = run(transforms.clipByGlobalNorm(c, { rule: 'torch' }), g);
      assert.ok((torch.coef as number) < 1);
      assert.equal(torch.clipped, 1);
    });

    it('non-finite norms: tf gives NaN everywhere; optax and torch zero the finite entries (Inf·0 = NaN)', () => {
      const inf = { a: [Infinity, 1], b: [2] };
      const tfr = run(transforms.clipByGlobalNorm(1, { rule: 'tf' }), inf);
      assert.ok(isNaNAll([...tfr.updates.a, ...tfr.updates.b]), 'tf: all NaN');
      assert.ok(Number.isNaN(tfr.coef as number));
      assert.equal(tfr.pre, Infinity);
      for (const rule of ['optax', 'torch'] as const) {
        const r = run(transforms.clipByGlobalNorm(1, { rule }), inf);
        assert.equal(r.coef, 0, `${rule}: coef = c/Inf = 0`);
        assert.ok(Number.isNaN(r.updates.a[0]), `${rule}: Inf·0 = NaN`);
        assert.deepEqual([r.updates.a[1], r.updates.b[0]], [0, 0], `${rule}: finite entries become 0`);
        assert.equal(r.clipped, 1);
      }
      const nan = { a: [Number.NaN, 1], b: [2] };
      for (const rule of RULES) {
        const r = run(transforms.clipByGlobalNorm(1, { rule }), nan);
        assert.ok(Number.isNaN(r.pre as number), `${rule}: NaN norm`);
        assert.ok(isNaNAll([...r.updates.a, ...r.updates.b]), `${rule}: a NaN norm gives NaN everywhere`);
      }
    });

    it('zero gradients stay zero under every rule', () => {
      for (const rule of RULES) {
        const r = run(transforms.clipByGlobalNorm(1, { rule }), { a: [0, 0], b: [0] });
        assert.deepEqual(r.updates, { a: [0, 0], b: [0] });
        assert.equal(r.pre, 0);
        assert.equal(r.clipped, 0);
      }
    });

    it('random gradients: outputs and reported pre/post norm, coefficient, clipped vs float64', () => {
      const arb = fc.record({
        a: fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 8 }),
        b: fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 8 }),
        k: fc.integer({ min: -12, max: 4 }),
        ratio: fc.double({ min: 0.05, max: 2.5, noNaN: true }),
        rule: fc.constantFrom<Rule>(...RULES),
      });
      fc.assert(
        fc.property(arb, ({ a, b, k, ratio, rule }) => {
          const g = { a: a.map((x) => x * 2 ** k), b: b.map((x) => x * 2 ** k) };
          const n = Math.hypot(...g.a, ...g.b);
          const c = n > 0 ? n * ratio : 1;
          const r = run(transforms.clipByGlobalNorm(c, { rule }), g);
          const coef = coef64(rule, n, c);
          const tol = (x: number) => 6 * U * Math.abs(x) + 1e-30;
          assert.ok(Math.abs((r.pre as number) - n) <= tol(n), `pre ${r.pre} vs ${n}`);
          assert.ok(Math.abs((r.coef as number) - coef) <= tol(coef), `${rule} coef ${r.coef} vs ${coef}`);
          assert.ok(Math.abs((r.post as number) - n * coef) <= tol(n * coef), `post ${r.post} vs ${n * coef}`);
          for (const key of ['a', 'b'] as const) {
            r.updates[key].forEach((x, i) => {
              const want = g[key][i] * coef;
              assert.ok(Math.abs(x - want) <= tol(want), `${rule} ${key}[${i}]: ${x} vs ${want}`);
            });
          }
          // clipped flag = coefficient below 1 (away from the rounding boundary)
          if (Math.abs(coef - 1) > 1e-5) assert.equal(r.clipped, coef < 1 ? 1 : 0, `${rule} clipped`);
        }),
        { seed: 2201, numRuns: 60 },
      );
    });

    it('clipByValue: exact clamp, clipped = any |g| > v', () => {
      const g = { a: [-3, 0.5, 2], b: [0.25] };
      const r = run(transforms.clipByValue(1), g);
      assert.deepEqual(r.updates, { a: [-1, 0.5, 1], b: [0.25] });
      assert.equal(r.clipped, 1);
      const r2 = run(transforms.clipByValue(3), g);
      assert.deepEqual(r2.updates, g);
      assert.equal(r2.clipped, 0, '|g| = v exactly is not clipped');
      assert.equal(r2.pre, undefined, 'clipByValue reports no norms');
    });

    it('clipByNorm: each variable by its own norm, g · c / max(||g||, c); zero-safe', () => {
      const g = { big: [3, 4, 12], small: [0.3, -0.4], zero: [0, 0] }; // norms 13, 0.5, 0
      const r = run(transforms.clipByNorm(2), g);
      const want = (v: number[]) => {
        const n = Math.hypot(...v);
        return v.map((x) => (x * 2) / Math.max(n, 2));
      };
      for (const k of Object.keys(g) as Array<keyof typeof g>) {
        r.updates[k].forEach((x, i) => assert.ok(Math.abs(x - want(g[k])[i]) <= 4 * U * Math.abs(want(g[k])[i]), `${k}[${i}]`));
      }
      assert.deepEqual(r.updates.small, g.small.map(f), 'below the threshold: unchanged');
      assert.deepEqual(r.updates.zero, [0, 0]);
      assert.equal(r.clipped, 1);
      assert.equal(run(transforms.clipByNorm(20), g).clipped, 0);
    });

    it('empty updates: no-op with a defined clipped flag', () => {
      for (const t of [transforms.clipByGlobalNorm(1), transforms.clipByValue(1), transforms.clipByNorm(1)]) {
        const r = run(t, {});
        assert.deepEqual(r.updates, {});
        assert.equal(r.clipped, 0, t.name);
      }
    });

    it('states are empty records; spec round trip rebuilds identical transforms', () => {
      const ts = [
        transforms.clipByGlobalNorm(0.7, { rule: 'optax' }),
        transforms.clipByGlobalNorm(0.7, { rule: 'tf' }),
        transforms.clipByGlobalNorm(0.7, { rule: 'torch' }),
        transforms.clipByValue(0.3),
        transforms.clipByNorm(0.5),
      ];
      const g = { a: [0.5, -0.9, 0.2], b: [0.6] };
      for (const t of ts) {
        assert.ok(t.spec);
        const u = transforms.transformFromSpec(JSON.parse(JSON.stringify(t.spec)));
        assert.equal(u.name, t.name);
        assert.deepEqual(u.spec, t.spec);
        const r1 = run(t, g);
        const r2 = run(u, g);
        assert.deepEqual(r1.state, {});
        assert.deepEqual(r2, r1, t.name);
      }
    });
  });
}

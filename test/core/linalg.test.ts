/**
 * The float64 linear algebra of `core/linalg` against numpy (svd, eigvals,
 * polyfit) on the committed vectors of `scripts/gen_flow_vectors.py`:
 * random matrices of several sizes and scales, badly scaled columns,
 * rotations (complex pairs), a cyclic permutation, defective and nilpotent
 * matrices, symmetric, rank-one and zero ones.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eigenvalues, fitGrowth, spectralNorm, spectralRadius } from '../../packages/gradclip/src/core/linalg/index.js';
import { GradclipArgumentError } from '../../packages/gradclip/src/core/errors.js';
import { caseMatrix, decodeNum, loadFlowVectors } from '../helpers/flow-vectors.js';

const V = loadFlowVectors();

function close(actual: number, expected: number, rel: number, what: string): void {
  const tol = rel * Math.max(Math.abs(expected), 1e-300);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
}

describe('spectralNorm = numpy.linalg.svd(a)[0]', () => {
  for (const c of V.linalg) {
    it(c.name, () => {
      const a = caseMatrix(c);
      const s = spectralNorm(a, c.rows, c.cols);
      if (c.spectralNorm === 0) assert.equal(s, 0);
      else close(s, c.spectralNorm, 1e-10, c.name);
    });
  }
});

describe('eigenvalues and spectralRadius = numpy.linalg.eigvals', () => {
  for (const c of V.linalg.filter((x) => x.eigRe !== undefined)) {
    it(c.name, () => {
      const n = c.rows;
      const a = caseMatrix(c);
      const { re, im } = eigenvalues(a, n);
      const rho = c.spectralRadius as number;
      // Defective eigenvalues are sensitive (a k-fold Jordan block moves by ε^(1/k)): numpy and we both stay within that.
      const defective = /defective|nilpotent/.test(c.name);
      const tol = (defective ? 1e-7 : 1e-9) * Math.max(rho, 1e-300) + (rho === 0 ? (defective ? 1e-7 : 0) : 0);
      const used = new Array<boolean>(n).fill(false);
      for (let k = 0; k < n; k++) {
        const er = (c.eigRe as number[])[k];
        const ei = (c.eigIm as number[])[k];
        let best = -1;
        let bestD = Number.POSITIVE_INFINITY;
        for (let i = 0; i < n; i++) {
          if (used[i]) continue;
          const d = Math.hypot(re[i] - er, im[i] - ei);
          if (d < bestD) {
            bestD = d;
            best = i;
          }
        }
        used[best] = true;
        assert.ok(bestD <= tol, `${c.name}: eigenvalue ${er} + ${ei}i matched ${re[best]} + ${im[best]}i at distance ${bestD} > ${tol}`);
      }
      if (defective) assert.ok(Math.abs(spectralRadius(a, n) - rho) <= 1e-7 * Math.max(rho, 1));
      else if (rho === 0) assert.equal(spectralRadius(a, n), 0);
      else close(spectralRadius(a, n), rho, 1e-9, c.name);
      // Complex eigenvalues come in exact conjugate pairs.
      const sumIm = im.reduce((s, x) => s + x, 0);
      assert.ok(Math.abs(sumIm) <= 1e-12 * Math.max(rho, 1), `${c.name}: imaginary parts sum to ${sumIm}`);
    });
  }
});

describe('fitGrowth = exp(-slope) of numpy.polyfit(t, log norms, 1)', () => {
  for (const c of V.growth) {
    it(c.name, () => {
      const g = fitGrowth(c.timeNorms.map(decodeNum));
      if (c.growth === null) assert.equal(g, null);
      else close(g as number, c.growth, 1e-12, c.name);
    });
  }
  it('an exactly geometric flow c·ρ^(T−t) gives ρ', () => {
    for (const rho of [0.5, 0.9, 1, 1.1, 3]) {
      const norms = Array.from({ length: 30 }, (_, i) => 2.5 * rho ** (30 - (i + 1)));
      close(fitGrowth(norms) as number, rho, 1e-12, `rho ${rho}`);
    }
  });
});

describe('edges and bad input', () => {
  it('a scaled orthogonal matrix: all singular values and eigenvalue moduli equal ρ', () => {
    const q = Float64Array.from(V.orthogonal.matrix);
    for (const rho of [0.9, 1.1]) {
      const a = q.map((x) => rho * x);
      close(spectralNorm(a, 8, 8), rho, 1e-12, 'norm');
      const { re, im } = eigenvalues(a, 8);
      for (let i = 0; i < 8; i++) close(Math.hypot(re[i], im[i]), rho, 1e-10, `|λ${i}|`);
    }
  });
  it('non-finite entries give NaN (or Infinity for the norm)', () => {
    assert.ok(Number.isNaN(spectralRadius([1, Number.NaN, 0, 1], 2)));
    assert.ok(Number.isNaN(spectralNorm([1, Number.NaN, 0, 1], 2, 2)));
    assert.equal(spectralNorm([1, Number.POSITIVE_INFINITY, 0, 1], 2, 2), Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(eigenvalues([Number.POSITIVE_INFINITY], 1).re[0]));
  });
  it('tiny and huge scales keep their relative accuracy', () => {
    for (const s of [1e-300, 1e-150, 1e150, 1e300]) {
      const a = [3 * s, 0, 0, -4 * s];
      close(spectralNorm(a, 2, 2), 4 * s, 1e-14, `norm at ${s}`);
      close(spectralRadius(a, 2), 4 * s, 1e-14, `radius at ${s}`);
    }
  });
  it('the random 50 × 50 matrix scaled by 1e-200 and 1e200 has the scaled eigenvalues', () => {
    const c = V.linalg.find((x) => x.name === 'lcg 50x50 scale 1.0');
    assert.ok(c);
    const a = caseMatrix(c);
    const rho = c.spectralRadius as number;
    for (const s of [1e-200, 1e200]) {
      close(spectralRadius(a.map((x) => x * s), 50), rho * s, 1e-9, `scale ${s}`);
      close(spectralNorm(a.map((x) => x * s), 50, 50), c.spectralNorm * s, 1e-10, `norm at scale ${s}`);
    }
  });
  it('random permutations and orthogonal matrices (hard for unshifted QR): every |λ| = 1, the eigenvalues sum to the trace', () => {
    let seed = 7;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (const n of [5, 50, 120]) {
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const p = new Float64Array(n * n);
      perm.forEach((j, i) => (p[i * n + j] = 1));
      // An orthogonal matrix: a product of 3n random plane rotations.
      const g = new Float64Array(n * n);
      for (let i = 0; i < n; i++) g[i * n + i] = 1;
      for (let t = 0; t < 3 * n; t++) {
        const i = Math.floor(rnd() * n);
        const j = (i + 1 + Math.floor(rnd() * (n - 1))) % n;
        const th = 6.283 * rnd();
        for (let col = 0; col < n; col++) {
          const a = g[i * n + col];
          const b = g[j * n + col];
          g[i * n + col] = Math.cos(th) * a - Math.sin(th) * b;
          g[j * n + col] = Math.sin(th) * a + Math.cos(th) * b;
        }
      }
      for (const [name, m] of [['permutation', p], ['orthogonal', g]] as const) {
        const { re, im } = eigenvalues(m, n);
        let tr = 0;
        let sum = 0;
        for (let i = 0; i < n; i++) {
          tr += m[i * n + i];
          sum += re[i];
          close(Math.hypot(re[i], im[i]), 1, 1e-9, `${name} ${n}: |λ${i}|`);
        }
        assert.ok(Math.abs(sum - tr) <= 1e-10 * n, `${name} ${n}: Σλ = ${sum}, trace ${tr}`);
        close(spectralNorm(m, n, n), 1, 1e-12, `${name} ${n}: ‖A‖₂`);
      }
    }
  });
  it('bad arguments throw GradclipArgumentError naming them', () => {
    assert.throws(() => spectralNorm([1, 2, 3], 2, 2), (e: unknown) => e instanceof GradclipArgumentError && /rows \* cols = 2 \* 2 = 4 entries/.test(e.message));
    assert.throws(() => spectralNorm([1], 0, 1), (e: unknown) => e instanceof GradclipArgumentError && /spectralNorm: rows must be an integer >= 1/.test(e.message));
    assert.throws(() => eigenvalues([1, 2], 1.5), (e: unknown) => e instanceof GradclipArgumentError && /eigenvalues: n must be an integer/.test(e.message));
    assert.throws(() => spectralRadius(null as unknown as number[], 1), (e: unknown) => e instanceof GradclipArgumentError && /matrix must be a row-major array/.test(e.message));
    assert.throws(() => spectralRadius(['1'] as unknown as number[], 1), (e: unknown) => e instanceof GradclipArgumentError && /matrix entry 0 must be a number/.test(e.message));
    assert.throws(() => fitGrowth('1,2' as unknown as number[]), (e: unknown) => e instanceof GradclipArgumentError && /fitGrowth: timeNorms must be an array/.test(e.message));
    assert.throws(() => fitGrowth([1, '2'] as unknown as number[]), (e: unknown) => e instanceof GradclipArgumentError && /timeNorms\[1\] must be a number/.test(e.message));
  });
  it('the input is not modified', () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 10]);
    const copy = Float64Array.from(a);
    eigenvalues(a, 3);
    spectralNorm(a, 3, 3);
    assert.deepEqual(a, copy);
  });
});

// Eigenvalues / spectral radius against matrices with known spectra, the
// orthogonal init, and Pascanu et al.'s smart-tanh recurrent matrix.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, useBackend } from '../helpers/backends.js';
import { createRng } from '../../packages/cli/src/core/random.js';
import { createRnn, eigenvalues, spectralRadius, randomOrthogonal, sparseSpectralMatrix, orthogonalBlocks } from '../../packages/cli/src/tasks/models/index.js';

before(async () => {
  await useBackend('cpu');
});

/** Companion matrix of the monic polynomial with the given roots (complex roots as [re, im] pairs, conjugates included). */
function companion(roots: Array<[number, number]>): Float64Array {
  // coefficients of prod (x - r) in complex arithmetic, highest degree first
  let coef: Array<[number, number]> = [[1, 0]];
  for (const [a, b] of roots) {
    const next: Array<[number, number]> = coef.map(() => [0, 0] as [number, number]).concat([[0, 0]]);
    for (let i = 0; i < coef.length; i++) {
      next[i][0] += coef[i][0];
      next[i][1] += coef[i][1];
      // - r * coef[i]
      next[i + 1][0] -= a * coef[i][0] - b * coef[i][1];
      next[i + 1][1] -= a * coef[i][1] + b * coef[i][0];
    }
    coef = next;
  }
  const n = roots.length;
  const m = new Float64Array(n * n);
  for (let j = 0; j < n; j++) m[j] = -coef[j + 1][0]; // first row
  for (let i = 1; i < n; i++) m[i * n + i - 1] = 1;
  return m;
}

function sortedMods(re: ArrayLike<number>, im: ArrayLike<number>): number[] {
  return Array.from(re, (r, i) => Math.hypot(r, im[i])).sort((a, b) => a - b);
}

test('eigenvalues of a companion matrix equal the polynomial roots (real and complex pairs)', () => {
  const roots: Array<[number, number]> = [[0.5, 0], [-1.25, 0], [0.3, 0.8], [0.3, -0.8], [-0.6, 0.2], [-0.6, -0.2], [2, 0]];
  const { re, im } = eigenvalues(companion(roots), roots.length);
  const got = Array.from(re, (r, i) => [r, im[i]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const want = roots.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i][0] - want[i][0]) < 1e-9 && Math.abs(got[i][1] - want[i][1]) < 1e-9, `root ${i}: got ${got[i]}, want ${want[i]}`);
  }
  assert.ok(Math.abs(spectralRadius(companion(roots), roots.length) - 2) < 1e-9);
});

/** Householder reflector product built in the test (independent of randomOrthogonal). */
function householderOrthogonal(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let r = 0; r < n; r++) {
    const v = Array.from({ length: n }, () => rng.normal());
    const vv = v.reduce((s, x) => s + x * x, 0);
    // q = q (I - 2 v v^T / v^T v)
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += q[i * n + k] * v[k];
      for (let j = 0; j < n; j++) q[i * n + j] -= (2 * dot * v[j]) / vv;
    }
  }
  return q;
}

test('spectral radius of Q B Q^T (B block-diagonal with rotation-scaling blocks) is the largest block modulus', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1e6 }), (pairs, seed) => {
      const rng = createRng(seed);
      const n = 2 * pairs + 1;
      const b = new Float64Array(n * n);
      const mods: number[] = [];
      for (let p = 0; p < pairs; p++) {
        const rho = rng.uniform(0.1, 3);
        const th = rng.uniform(0.05, Math.PI - 0.05);
        const i = 2 * p;
        b[i * n + i] = rho * Math.cos(th);
        b[i * n + i + 1] = -rho * Math.sin(th);
        b[(i + 1) * n + i] = rho * Math.sin(th);
        b[(i + 1) * n + i + 1] = rho * Math.cos(th);
        mods.push(rho, rho);
      }
      const last = rng.uniform(-3, 3);
      b[n * n - 1] = last;
      mods.push(Math.abs(last));
      const q = householderOrthogonal(n, seed + 1);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) s += q[i * n + k] * b[k * n + l] * q[j * n + l];
          a[i * n + j] = s;
        }
      const { re, im } = eigenvalues(a, n);
      const got = sortedMods(re, im);
      mods.sort((x, y) => x - y);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i] - mods[i]) < 1e-8 * (1 + mods[i]), `modulus ${i}: ${got[i]} vs ${mods[i]}`);
      assert.ok(Math.abs(spectralRadius(a, n) - mods[n - 1]) < 1e-8 * mods[n - 1]);
    }),
    { seed: 42, numRuns: 40 },
  );
});

test('eigenvalues: triangular matrices give their diagonal; 1x1 and zero matrices work; bad input is rejected', () => {
  const t = new Float64Array([3, 1, 4, 0, -2, 5, 0, 0, 0.5]);
  assert.deepEqual(sortedMods(...Object.values(eigenvalues(t, 3)) as [Float64Array, Float64Array]), [0.5, 2, 3]);
  assert.equal(spectralRadius([-7], 1), 7);
  assert.equal(spectralRadius(new Float64Array(16), 4), 0);
  assert.throws(() => spectralRadius([1, 2, 3], 2), { message: 'eigenvalues: matrix must have n * n = 4 entries (row-major), got 3' });
  assert.throws(() => spectralRadius([1, NaN, 3, 4], 2), { message: 'eigenvalues: matrix entry 1 is not finite (NaN); pass a finite matrix' });
});

test('randomOrthogonal and orthogonalBlocks give Q^T Q = I to 1e-12', () => {
  for (const n of [1, 3, 17]) {
    const q = randomOrthogonal(n, createRng(n));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let d = 0;
        for (let k = 0; k < n; k++) d += q[k * n + i] * q[k * n + j];
        assert.ok(Math.abs(d - (i === j ? 1 : 0)) < 1e-12);
      }
  }
  const blocks = orthogonalBlocks(4, 3, createRng(1));
  for (let g = 0; g < 3; g++)
    for (let i = 0; i < 4; i++) {
      let norm = 0;
      for (let k = 0; k < 4; k++) norm += blocks[k * 12 + g * 4 + i] ** 2;
      assert.ok(Math.abs(norm - 1) < 1e-12, `block ${g} column ${i} has unit norm`);
    }
});

test('smart-tanh W_hh (as stored in float32): exactly 15 non-zeros per row and spectral radius 0.95 +- 1e-6', () => {
  for (const [seed, hidden] of [[1, 50], [2, 50], [3, 100], [4, 20]]) {
    const m = createRnn({ inputSize: 2, outputSize: 1, hidden, init: 'smart-tanh', rng: createRng(seed), prefix: `smart${seed}/` });
    const w = m.variables[1];
    assert.equal(w.name, `smart${seed}/rnn/W_hh`);
    const data = Float64Array.from(w.dataSync());
    for (let i = 0; i < hidden; i++) {
      let nz = 0;
      for (let j = 0; j < hidden; j++) if (data[i * hidden + j] !== 0) nz++;
      assert.equal(nz, 15, `row ${i} of seed ${seed}`);
    }
    const rho = spectralRadius(data, hidden);
    assert.ok(Math.abs(rho - 0.95) < 1e-6, `seed ${seed}: spectral radius ${rho}`);
    // Independent check (Gelfand): rho <= ||A^k||_F^(1/k) for every k, and the bound tends to rho.
    let p = data.slice();
    let k = 1;
    for (; k < 256; k++) {
      const next = new Float64Array(hidden * hidden);
      for (let i = 0; i < hidden; i++)
        for (let l = 0; l < hidden; l++) {
          const a = p[i * hidden + l];
          if (a === 0) continue;
          for (let j = 0; j < hidden; j++) next[i * hidden + j] += a * data[l * hidden + j];
        }
      p = next;
    }
    const fro = Math.sqrt(p.reduce((s, v) => s + v * v, 0));
    const bound = fro ** (1 / k);
    assert.ok(bound >= 0.95 - 1e-6 && bound < 0.95 * 1.06, `seed ${seed}: ||A^${k}||^(1/${k}) = ${bound}`);
    m.dispose();
  }
});

test('smart-tanh keeps every entry when hidden <= 15, and the sparse builder validates its options', () => {
  const w = sparseSpectralMatrix(6, createRng(1));
  assert.ok(Array.from(w).every((v) => v !== 0));
  assert.ok(Math.abs(spectralRadius(w, 6) - 0.95) < 1e-12);
  const w2 = sparseSpectralMatrix(30, createRng(1), { nonZerosPerRow: 3, radius: 1.5 });
  for (let i = 0; i < 30; i++) assert.equal(Array.from(w2.subarray(i * 30, i * 30 + 30)).filter((v) => v !== 0).length, 3);
  assert.ok(Math.abs(spectralRadius(w2, 30) - 1.5) < 1e-12);
  assert.throws(() => sparseSpectralMatrix(5, createRng(1), { radius: 0 }), { message: 'radius must be a finite number > 0, got 0' });
  assert.throws(() => sparseSpectralMatrix(5, createRng(1), { nonZerosPerRow: 0 }), { message: 'nonZerosPerRow must be an integer >= 1, got 0' });
});

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, useBackend, BACKENDS } from '../helpers/backends.js';
import { autoClip, type AutoClipState } from '../../packages/gradclip/src/transforms/adaptive/index.js';
import { gradsWithNorm, disposeInfo, close } from '../helpers/transforms.js';

/** Runs norms through the transform; returns thresholds, clipped norms (host) and the final state. */
function run(t: ReturnType<typeof autoClip>, norms: number[], state0?: AutoClipState) {
  let state = state0 ?? t.init({});
  const thresholds: number[] = [];
  const out: number[][] = [];
  const clipped: boolean[] = [];
  for (const n of norms) {
    const g = gradsWithNorm(n);
    const r = t.update(g, state);
    thresholds.push(r.info.threshold);
    clipped.push(r.info.clipped === true);
    out.push([...r.updates.a!.dataSync(), ...r.updates.b!.dataSync()]);
    for (const k of Object.keys(r.updates)) if (r.updates[k] !== g[k]) r.updates[k]!.dispose();
    tf.dispose(g);
    disposeInfo(r.info);
    state = r.state;
  }
  return { thresholds, out, clipped, state };
}

for (const backend of BACKENDS) {
  describe(`autoClip (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('reproduces the paper rule on norms [1, 4, 2, 8] at p = 50 (current norm included)', () => {
      // Histories and their medians (linear interpolation, pos = 0.5 * (n - 1)):
      //   [1]          -> 1
      //   [1, 4]       -> pos 0.5 -> 1 + 0.5 * (4 - 1) = 2.5
      //   [1, 2, 4]    -> pos 1   -> 2
      //   [1, 2, 4, 8] -> pos 1.5 -> 2 + 0.5 * (4 - 2) = 3
      const before = tf.memory().numTensors;
      const r = run(autoClip({ percentile: 50 }), [1, 4, 2, 8]);
      r.thresholds.forEach((t, i) => close(t, [1, 2.5, 2, 3][i], 1e-7));
      // Only steps 2 (4 > 2.5) and 4 (8 > 3) clip, by threshold / (norm + 1e-6).
      assert.deepEqual(r.clipped, [false, true, false, true]);
      const c2 = 2.5 / (4 + 1e-6);
      const c4 = 3 / (8 + 1e-6);
      const expected = [
        [0.6, 0.8],
        [0.6 * 4 * c2, 0.8 * 4 * c2],
        [1.2, 1.6],
        [0.6 * 8 * c4, 0.8 * 8 * c4],
      ];
      r.out.forEach((v, i) => v.forEach((x, j) => close(x, expected[i][j], 1e-6, `step ${i + 1}[${j}]`)));
      assert.equal(r.state.sorted.length, 4);
      r.state.sorted.forEach((x, i) => close(x, [1, 2, 4, 8][i], 1e-7));
      assert.deepEqual(r.state.recent, []);
      assert.equal(tf.memory().numTensors, before);
    });

    it('uses the 10th percentile by default', () => {
      // norms [10, 20, 30]: pos = 0.1 * (n - 1)
      //   [10] -> 10;  [10, 20] -> 10 + 0.1 * 10 = 11;  [10, 20, 30] -> pos 0.2 -> 10 + 0.2 * 10 = 12
      const r = run(autoClip(), [10, 20, 30]);
      r.thresholds.forEach((t, i) => close(t, [10, 11, 12][i], 1e-12));
      assert.deepEqual(r.clipped, [false, true, true]);
    });

    it('keeps only the last `history` norms with a bounded window', () => {
      // history 2, p 50, norms [5, 40, 10, 20]:
      //   [5] -> 5;  [5, 40] -> 22.5;  [40, 10] -> 25;  [10, 20] -> 15
      const r = run(autoClip({ percentile: 50, history: 2 }), [5, 40, 10, 20]);
      r.thresholds.forEach((t, i) => close(t, [5, 22.5, 25, 15][i], 1e-7));
      assert.deepEqual(r.clipped, [false, true, false, true]);
      r.state.sorted.forEach((x, i) => close(x, [10, 20][i], 1e-7));
      r.state.recent.forEach((x, i) => close(x, [10, 20][i], 1e-7));
      assert.equal(r.state.recent.length, 2);
    });

    it('passes non-finite gradients through and does not record them', () => {
      const t = autoClip({ percentile: 50 });
      let s = t.init({});
      const g1 = gradsWithNorm(2);
      const r1 = t.update(g1, s);
      s = r1.state;
      disposeInfo(r1.info);
      const g2 = { a: tf.tensor1d([Number.NaN]), b: tf.tensor1d([1]) };
      const r2 = t.update(g2, s);
      assert.equal(r2.updates.a, g2.a);
      assert.equal(r2.state, s);
      assert.ok(Number.isNaN(r2.info.threshold));
      assert.equal(r2.info.clipped, false);
      disposeInfo(r2.info);
      tf.dispose([g1, g2]);
    });

    it('matches a float64 numpy-linear percentile reference on random sequences', () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 12 }),
          fc.double({ min: 0, max: 100, noNaN: true }),
          fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
          (norms, p, history) => {
            const ns = norms;
            const r = run(autoClip({ percentile: p, history }), ns);
            for (let i = 0; i < ns.length; i++) {
              const seen = ns.slice(history === undefined ? 0 : Math.max(0, i + 1 - history), i + 1);
              const sorted = [...seen].sort((x, y) => x - y);
              const pos = (p / 100) * (sorted.length - 1);
              const lo = Math.floor(pos);
              const hi = Math.ceil(pos);
              const ref = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
              // the measured norm of {3k, 4k} is within float32 rounding of 5k
              close(r.thresholds[i], ref, 1e-6, `step ${i}`);
            }
          },
        ),
        { seed: 20240607, numRuns: 40 },
      );
    });

    it('continues identically after a JSON save/restore of the state', () => {
      const norms = [3, 1, 7, 2, 9, 4, 12, 5];
      const full = run(autoClip({ percentile: 30, history: 4 }), norms);
      const first = run(autoClip({ percentile: 30, history: 4 }), norms.slice(0, 3));
      const restored = JSON.parse(JSON.stringify(first.state)) as AutoClipState;
      const second = run(autoClip({ percentile: 30, history: 4 }), norms.slice(3), restored);
      assert.deepEqual([...first.thresholds, ...second.thresholds], full.thresholds);
      assert.deepEqual([...first.out, ...second.out], full.out);
      assert.deepEqual(second.state, full.state);
    });

    it('does not mutate the input state', () => {
      const t = autoClip({ percentile: 50, history: 2 });
      const s0 = { sorted: [1, 3], recent: [3, 1] };
      const copy = JSON.parse(JSON.stringify(s0));
      const g = gradsWithNorm(2);
      const r = t.update(g, s0);
      assert.deepEqual(s0, copy);
      disposeInfo(r.info);
      tf.dispose(g);
    });
  });
}

describe('autoClip validation', () => {
  it('rejects a percentile outside [0, 100]', () => {
    assert.throws(() => autoClip({ percentile: 120 }), { message: /autoClip: percentile must be in \[0, 100\], got 120/ });
    assert.throws(() => autoClip({ percentile: -1 }), { message: /autoClip: percentile must be in \[0, 100\], got -1/ });
    assert.throws(() => autoClip({ percentile: Number.NaN }), { message: /autoClip: percentile must be a finite number, got NaN/ });
  });
  it('rejects a history that is not an integer >= 1', () => {
    assert.throws(() => autoClip({ history: 0 }), { message: /autoClip: history must be an integer >= 1, got 0/ });
    assert.throws(() => autoClip({ history: 2.5 }), { message: /autoClip: history must be an integer >= 1, got 2.5/ });
  });
  it('rejects a state that is not an autoClip state', () => {
    const g = { a: tf.tensor1d([1]) };
    assert.throws(() => autoClip().update(g, {} as AutoClipState), { message: /transforms.autoClip: state is not a state of transforms.autoClip; pass the state returned by this transform.s init\(\)/ });
    tf.dispose(g);
  });
});

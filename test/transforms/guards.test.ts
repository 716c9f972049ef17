import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, BACKENDS } from '../helpers/backends.js';
import {
  skipNonFinite,
  skipSpikes,
  type SkipNonFiniteState,
  type SkipSpikesOptions,
  type SkipSpikesState,
} from '../../packages/gradclip/src/transforms/guards/index.js';
import { gradsWithNorm } from '../helpers/transforms.js';

function runSpikes(opts: SkipSpikesOptions, norms: number[], s0?: SkipSpikesState) {
  const t = skipSpikes(opts);
  let state = s0 ?? t.init({});
  const skips: boolean[] = [];
  const states: SkipSpikesState[] = [];
  for (const n of norms) {
    const g = gradsWithNorm(n);
    const r = t.update(g, state);
    assert.equal(r.updates.a, g.a, 'gradients pass through unchanged');
    skips.push(r.info.skip === true);
    states.push(r.state);
    state = r.state;
    tf.dispose(g);
  }
  return { skips, states };
}

for (const backend of BACKENDS) {
  describe(`skipNonFinite (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('skips steps with NaN or Inf anywhere and counts them', () => {
      const before = tf.memory().numTensors;
      const t = skipNonFinite();
      let s = t.init({});
      const steps = [
        { a: tf.tensor1d([1, 2]), b: tf.tensor2d([[3]]) },
        { a: tf.tensor1d([1, Number.NaN]), b: tf.tensor2d([[3]]) },
        { a: tf.tensor1d([1, 2]), b: tf.tensor2d([[Number.NEGATIVE_INFINITY]]) },
        // 1e30 squared overflows float32; the values are still finite and must not be skipped
        { a: tf.tensor1d([1e30, -3e38]), b: tf.tensor2d([[3]]) },
      ];
      const skips: boolean[] = [];
      const states: SkipNonFiniteState[] = [];
      for (const g of steps) {
        const r = t.update(g, s);
        assert.equal(r.updates.a, g.a);
        skips.push(r.info.skip === true);
        states.push(r.state);
        s = r.state;
      }
      assert.deepEqual(skips, [false, true, true, false]);
      assert.deepEqual(states, [
        { totalSkipped: 0, consecutiveSkipped: 0 },
        { totalSkipped: 1, consecutiveSkipped: 1 },
        { totalSkipped: 2, consecutiveSkipped: 2 },
        { totalSkipped: 2, consecutiveSkipped: 0 },
      ]);
      tf.dispose(steps);
      assert.equal(tf.memory().numTensors, before);
    });

    it('tolerates maxConsecutive skips in a row and throws on the next, saying what to do', () => {
      const t = skipNonFinite({ maxConsecutive: 2 });
      const bad = { a: tf.tensor1d([Number.NaN]) };
      const ok = { a: tf.tensor1d([1]) };
      let s = t.init({});
      s = t.update(bad, s).state;
      s = t.update(bad, s).state;
      s = t.update(ok, s).state; // resets the run
      s = t.update(bad, s).state;
      s = t.update(bad, s).state;
      assert.deepEqual(s, { totalSkipped: 4, consecutiveSkipped: 2 });
      assert.throws(() => t.update(bad, s), {
        message:
          /skipNonFinite: 3 consecutive steps had NaN\/Inf gradients \(maxConsecutive is 2\); the run has diverged: lower the learning rate, add clipping/,
      });
      // maxConsecutive 0: fail fast on the first non-finite step
      assert.throws(() => skipNonFinite({ maxConsecutive: 0 }).update(bad, { totalSkipped: 0, consecutiveSkipped: 0 }), {
        message: /1 consecutive steps had NaN\/Inf gradients \(maxConsecutive is 0\)/,
      });
      tf.dispose([bad, ok]);
    });
  });

  describe(`skipSpikes (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('skips norms above mean + sigma * std of the previous accepted window', () => {
      const before = tf.memory().numTensors;
      // window 4, sigma 2, minHistory 3; norms [1, 2, 3, 10, 4, 5, 6.3, 6, NaN]
      //   steps 1-3: fewer than 3 norms in the window -> accepted; window [1, 2, 3]
      //   step 4 (10): mean 2, sample std sqrt(((1-2)^2 + 0 + (3-2)^2) / 2) = 1, limit 2 + 2*1 = 4 -> skip
      //   step 5 (4):  same window, 4 > 4 is false -> accepted; window [1, 2, 3, 4]
      //   step 6 (5):  mean 2.5, std sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3) = sqrt(5/3) = 1.29099,
      //                limit 2.5 + 2.58199 = 5.08199 -> accepted; window [2, 3, 4, 5]
      //   step 7 (6.3): mean 3.5, std sqrt(5/3), limit 3.5 + 2.58199 = 6.08199 -> skip
      //   step 8 (6):  6 <= 6.08199 -> accepted; window [3, 4, 5, 6]
      //   step 9 (NaN): always skipped, never recorded
      const norms = [1, 2, 3, 10, 4, 5, 6.3, 6, Number.NaN];
      const { skips, states } = runSpikes({ window: 4, sigma: 2, minHistory: 3 }, norms);
      assert.deepEqual(skips, [false, false, false, true, false, false, true, false, true]);
      const round = (xs: readonly number[]): number[] => xs.map((x) => Math.round(x * 1e5) / 1e5);
      assert.deepEqual(round(states[3].history), [1, 2, 3]);
      assert.deepEqual(round(states[5].history), [2, 3, 4, 5]);
      assert.deepEqual(round(states[8].history), [3, 4, 5, 6]);
      assert.deepEqual(
        states.map((s) => [s.totalSkipped, s.consecutiveSkipped]),
        [[0, 0], [0, 0], [0, 0], [1, 1], [1, 0], [1, 0], [2, 1], [2, 0], [3, 1]],
      );
      assert.equal(tf.memory().numTensors, before);
    });

    it('a constant history uses the 1e-6 floor on the standard deviation', () => {
      // window [2, 2]: std 0 -> limit 2 + 6 * 1e-6 = 2.000006; 2 is accepted, 2.01 is a spike
      const { skips } = runSpikes({ window: 2, sigma: 6, minHistory: 2 }, [2, 2, 2, 2.01]);
      assert.deepEqual(skips, [false, false, false, true]);
    });

    it('defaults minHistory to half the window', () => {
      // window 8 -> minHistory 4: the 4th norm (100) comes with only 3 norms in the window -> accepted.
      // Then 1000 against [1, 1.1, 0.9, 100, 1]: mean 104 / 5 = 20.8,
      // std sqrt((19.8^2 + 19.7^2 + 19.9^2 + 79.2^2 + 19.8^2) / 4) = sqrt(7840.82 / 4) = 44.27,
      // limit 20.8 + 6 * 44.27 = 286.4 -> skip
      const { skips } = runSpikes({ window: 8 }, [1, 1.1, 0.9, 100, 1, 1000]);
      assert.deepEqual(skips, [false, false, false, false, false, true]);
      const r = runSpikes({ window: 8, sigma: 1 }, [1, 1.1, 0.9, 1, 1000]);
      assert.deepEqual(r.skips, [false, false, false, false, true]);
    });

    it('continues identically after a JSON save/restore of the state', () => {
      const norms = [1, 2, 3, 10, 4, 5, 6.3, 6, 2, 20, 3];
      const opts = { window: 4, sigma: 2, minHistory: 3 };
      const full = runSpikes(opts, norms);
      const first = runSpikes(opts, norms.slice(0, 5));
      const saved = JSON.parse(JSON.stringify(first.states[4])) as SkipSpikesState;
      const second = runSpikes(opts, norms.slice(5), saved);
      assert.deepEqual([...first.skips, ...second.skips], full.skips);
      assert.deepEqual([...first.states, ...second.states], full.states);
    });
  });
}

describe('guard validation', () => {
  it('skipNonFinite: maxConsecutive must be an integer >= 0', () => {
    assert.throws(() => skipNonFinite({ maxConsecutive: -1 }), { message: /skipNonFinite: maxConsecutive must be an integer >= 0, got -1/ });
    assert.throws(() => skipNonFinite({ maxConsecutive: 1.5 }), { message: /skipNonFinite: maxConsecutive must be an integer >= 0, got 1.5/ });
  });
  it('skipSpikes: window, sigma and minHistory', () => {
    assert.throws(() => skipSpikes({ window: 0 }), { message: /skipSpikes: window must be an integer >= 2, got 0/ });
    assert.throws(() => skipSpikes({ window: 1 }), { message: /skipSpikes: window must be an integer >= 2, got 1/ });
    assert.throws(() => skipSpikes({ sigma: 0 }), { message: /skipSpikes: sigma must be > 0, got 0/ });
    assert.throws(() => skipSpikes({ minHistory: 1 }), { message: /skipSpikes: minHistory must be an integer >= 2, got 1/ });
    assert.throws(() => skipSpikes({ window: 16, minHistory: 32 }), {
      message: /skipSpikes: minHistory must be <= window, got minHistory 32 and window 16/,
    });
  });
  it('reject states from elsewhere', () => {
    const g = { a: tf.tensor1d([1]) };
    assert.throws(() => skipSpikes().update(g, {} as SkipSpikesState), { message: /skipSpikes: state is not a state of transforms.skipSpikes/ });
    assert.throws(() => skipNonFinite().update(g, [] as unknown as SkipNonFiniteState), {
      message: /skipNonFinite: state is not a state of transforms.skipNonFinite/,
    });
    tf.dispose(g);
  });
});

// autoClip at any length (issue 13, point 5): the history lives in persistent
// sorted blocks, yet the state means and serialises exactly what it did when it
// was a plain {sorted, recent} record of arrays. Checked against that earlier
// algorithm written out here (insertSorted / removeSorted on arrays and
// percentileOfSorted, as auto-clip.ts did before), over histories long enough
// to split and merge blocks: the same thresholds (===), the same JSON, and a
// state saved by the earlier version continues exactly.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, BACKENDS } from '../helpers/backends.js';
import { autoClip, type AutoClipState } from '../../packages/gradclip/src/transforms/adaptive/index.js';
import { insertSorted, removeSorted } from '../helpers/sorted-reference.js';
import { percentileOfSorted } from '../../packages/gradclip/src/core/stats/index.js';
import { disposeInfo } from '../helpers/transforms.js';
import { rng } from '../helpers/rng.js';
import { BlockQueue, SortedBlocks } from '../../packages/gradclip/src/core/order-statistics.js';
import { transforms, withTransforms } from 'gradclip';

interface PlainState {
  sorted: number[];
  recent: number[];
}

/** The update of the earlier autoClip on plain arrays (finite norms only). */
function oldStep(s: PlainState, norm: number, p: number, history: number | undefined): { state: PlainState; threshold: number } {
  let sorted = insertSorted(s.sorted, norm);
  let recent: number[] = [];
  if (history !== undefined) {
    recent = [...s.recent, norm];
    while (recent.length > history) sorted = removeSorted(sorted, recent.shift() as number);
  }
  return { state: { sorted, recent }, threshold: percentileOfSorted(sorted, p) };
}

/** Norms with repeats and a few large spikes; each exactly a float32 (a one-element gradient's norm is |x|). */
function norms(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => Math.fround(i % 97 === 0 ? 50 + r() * 50 : i % 5 === 0 ? 1.5 : 0.5 + r()));
}

/** Runs the transform from `state0`; returns the thresholds and the states after the steps listed in `keep`. */
function run(t: ReturnType<typeof autoClip>, ns: number[], state0: AutoClipState, keep: Set<number>): { thresholds: number[]; states: Map<number, AutoClipState>; state: AutoClipState } {
  let state = state0;
  const thresholds: number[] = [];
  const states = new Map<number, AutoClipState>();
  ns.forEach((x, i) => {
    const g = { a: tf.tensor1d([x]) };
    const r = t.update(g, state);
    thresholds.push(r.info.threshold);
    if (r.updates.a !== g.a) r.updates.a!.dispose();
    tf.dispose(g);
    disposeInfo(r.info);
    state = r.state;
    if (keep.has(i)) states.set(i, state);
  });
  return { thresholds, states, state };
}

for (const backend of BACKENDS) {
  describe(`autoClip history (${backend})`, () => {
    before(() => useBackend(backend));

    for (const [p, history] of [[10, undefined], [50, 700], [90, 1], [25, 2600]] as const) {
      it(`p = ${p}, history ${history ?? 'unbounded'}: thresholds and JSON equal the earlier array algorithm over 3000 steps`, () => {
        const ns = norms(3000, p + (history ?? 0));
        const keep = new Set([0, 1, 999, 2047, 2048, 2999]);
        const before = tf.memory().numTensors;
        const got = run(autoClip({ percentile: p, history }), ns, autoClip().init({}), keep);
        assert.equal(tf.memory().numTensors, before);
        let ref: PlainState = { sorted: [], recent: [] };
        ns.forEach((x, i) => {
          const o = oldStep(ref, x, p, history);
          ref = o.state;
          if (got.thresholds[i] !== o.threshold) assert.fail(`step ${i}: threshold ${got.thresholds[i]}, earlier algorithm ${o.threshold}`);
          if (keep.has(i)) assert.equal(JSON.stringify(got.states.get(i)), JSON.stringify(ref), `JSON after step ${i}`);
        });
        assert.equal(JSON.stringify(got.state), JSON.stringify(ref));
        assert.deepEqual({ ...got.state }, ref);
      });
    }

    it('a state saved by the earlier version (plain JSON) loads and continues exactly', () => {
      for (const history of [undefined, 300]) {
        const ns = norms(2500, 7);
        let ref: PlainState = { sorted: [], recent: [] };
        const refThresholds: number[] = [];
        let saved = '';
        ns.forEach((x, i) => {
          const o = oldStep(ref, x, 20, history);
          ref = o.state;
          refThresholds.push(o.threshold);
          if (i === 1199) saved = JSON.stringify(ref);
        });
        const resumed = run(autoClip({ percentile: 20, history }), ns.slice(1200), JSON.parse(saved) as AutoClipState, new Set());
        assert.deepEqual(resumed.thresholds, refThresholds.slice(1200));
        assert.equal(JSON.stringify(resumed.state), JSON.stringify(ref));
        // and the new state's JSON round trip continues exactly too
        const t = autoClip({ percentile: 20, history });
        const a = run(t, ns.slice(0, 10), t.init({}), new Set());
        const b = run(t, ns.slice(10, 20), JSON.parse(JSON.stringify(a.state)) as AutoClipState, new Set());
        const c = run(t, ns.slice(10, 20), a.state, new Set());
        assert.deepEqual(b.thresholds, c.thresholds);
        assert.equal(JSON.stringify(b.state), JSON.stringify(c.state));
      }
    });

    it('a plain state from an unbounded run given to a bounded transform behaves as before (only recent norms leave)', () => {
      const plain: PlainState = { sorted: [1, 2, 3, 4, 5], recent: [] };
      const ns = [Math.fround(2.5), Math.fround(9), 6, 7];
      const got = run(autoClip({ percentile: 50, history: 2 }), ns, plain as AutoClipState, new Set());
      let ref = plain;
      const thresholds = ns.map((x) => {
        const o = oldStep(ref, x, 50, 2);
        ref = o.state;
        return o.threshold;
      });
      assert.deepEqual(got.thresholds, thresholds);
      assert.deepEqual({ ...got.state }, ref);
    });

    it('withTransforms and chain never read the whole history on a step (only a save does)', () => {
      let reads = 0;
      const protos = [SortedBlocks.prototype, BlockQueue.prototype] as Array<{ toArray: () => number[] }>;
      const originals = protos.map((p) => p.toArray);
      protos.forEach((p, i) => {
        p.toArray = function (this: unknown) {
          reads++;
          return originals[i].call(this);
        };
      });
      try {
        const v = tf.variable(tf.tensor1d([1, -2, 3]), true, `ac-hist-${backend}`);
        const opt = withTransforms(tf.train.sgd(0.01), transforms.chain(transforms.monitor(), transforms.autoClip({ percentile: 50, history: 8 })));
        for (let k = 0; k < 12; k++) opt.minimize(() => tf.sum(tf.mul(tf.square(v), k + 1)) as tf.Scalar);
        assert.equal(reads, 0, 'no step materialised the history');
        const saved = JSON.parse(JSON.stringify(opt.getTransformState())) as [unknown, { sorted: number[]; recent: number[] }];
        assert.ok(reads > 0);
        assert.equal(saved[1].recent.length, 8);
        assert.deepEqual(saved[1].sorted, [...saved[1].recent].sort((a, b) => a - b));
        opt.dispose();
        v.dispose();
      } finally {
        protos.forEach((p, i) => (p.toArray = originals[i]));
      }
    });

    it('states are immutable records: own enumerable sorted/recent, fresh arrays, branching leaves the parent unchanged', () => {
      const t = autoClip({ percentile: 50, history: 3 });
      const s1 = run(t, [1, 4, 2].map(Math.fround), t.init({}), new Set()).state;
      assert.deepEqual(Object.keys(s1), ['sorted', 'recent']);
      assert.ok(Object.isFrozen(s1));
      assert.equal(JSON.stringify(s1), '{"sorted":[1,2,4],"recent":[1,4,2]}');
      const arr = s1.sorted as number[];
      arr.push(99);
      assert.deepEqual(s1.sorted, [1, 2, 4], 'a returned array is a copy');
      assert.deepEqual({ ...s1 }, { sorted: [1, 2, 4], recent: [1, 4, 2] });
      assert.deepEqual(structuredClone(s1), { sorted: [1, 2, 4], recent: [1, 4, 2] });
      const a = run(t, [8], s1, new Set()).state;
      const b = run(t, [0.5], s1, new Set()).state;
      assert.equal(JSON.stringify(a), '{"sorted":[2,4,8],"recent":[4,2,8]}');
      assert.equal(JSON.stringify(b), '{"sorted":[0.5,2,4],"recent":[4,2,0.5]}');
      assert.equal(JSON.stringify(s1), '{"sorted":[1,2,4],"recent":[1,4,2]}');
    });
  });
}

/**
 * `transforms.accumulate(k, {mode})` (issue 13, point 3; Optax `MultiSteps`):
 *
 * - the order check: `chain` warns once, with the fix, when a clip runs
 *   before the accumulator (and not for guards, monitors or the right order);
 * - sums / means of k micro-batches, one update every k steps, k = 1, a
 *   variable missing from some micro-batches, bad states refused;
 * - inside `withTransforms`: the micro-steps leave the weights, Adam's
 *   moments and its iteration count untouched, and the k-th step equals one
 *   plain step with the mean gradient; StepStats report `skipped: true,
 *   accumulated: true` with null norms, the clip rate stays clipped / applied,
 *   `skippedSteps` counts guards only;
 * - guards before (drop a micro-batch) and after (drop the window, no NaN
 *   poisoning of the next one) the accumulator; an accumulator's micro-step
 *   reverts no earlier member's state;
 * - the state: tensors on the device, JSON through `toJSON` and back (a
 *   window interrupted by a save resumes exactly), no tensor leaks (replaced
 *   sums freed, freed on dispose and when a later member throws);
 * - the spec: an optimizer with accumulate survives model.save / tf.loadLayersModel.
 *
 * The training equivalence (batch B with accumulate(4) = batch 4B, over many
 * steps, SGD and Adam, cpu and wasm) is in test/equivalence/suite.ts.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LayersModel, Sequential, Tensor, Variable } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { clipRate } from '../../packages/gradclip/src/core/run-metrics.js';
import { RunSummaryAccumulator } from '../../packages/gradclip/src/monitor/writers/run-summary.js';
import {
  decodeStepStats,
  diagnose,
  encodeStepStats,
  transforms,
  TransformingOptimizer,
  withTransforms,
  type GradientTransformation,
  type StepStats,
} from 'gradclip';
import type { AccumulateState } from '../../packages/gradclip/src/transforms/accumulate.js';
import { clipBeforeAccumulator } from '../../packages/gradclip/src/transforms/chain.js';
import { disposeInfo } from '../helpers/transforms.js';

let uid = 0;
function variable(values: number[], tag: string): Variable {
  return tf.variable(tf.tensor1d(values), true, `acc_${tag}_${uid++}`);
}

/** Runs `t` by hand over `steps` (each a map of arrays), disposing as a careful caller does. */
function drive(t: GradientTransformation<unknown>, steps: Array<Record<string, number[]>>): Array<{ out: Record<string, number[]>; skip: boolean; accumulating: boolean }> {
  let state = t.init({});
  const res: Array<{ out: Record<string, number[]>; skip: boolean; accumulating: boolean }> = [];
  for (const s of steps) {
    const g: tf.NamedTensorMap = {};
    for (const [k, v] of Object.entries(s)) g[k] = tf.tensor1d(v);
    const r = t.update(g, state);
    const out: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(r.updates)) if (v) out[k] = Array.from(v.dataSync());
    res.push({ out, skip: r.info.skip === true, accumulating: r.info.accumulating === true });
    disposeInfo(r.info);
    for (const [k, v] of Object.entries(r.updates)) if (v && v !== g[k]) v.dispose();
    tf.dispose(Object.values(g));
    freeState(state, r.state);
    state = r.state;
  }
  freeState(state, undefined);
  return res;
}

/** Disposes the tensors of `old` not held by `kept` (a hand-driven caller's job). */
function freeState(old: unknown, kept: unknown): void {
  const keep = new Set<Tensor>();
  const walk = (x: unknown, f: (t: Tensor) => void): void => {
    if (x instanceof tf.Tensor) f(x);
    else if (Array.isArray(x)) x.forEach((v) => walk(v, f));
    else if (x && typeof x === 'object') Object.values(x).forEach((v) => walk(v, f));
  };
  walk(kept, (t) => keep.add(t));
  walk(old, (t) => {
    if (!keep.has(t) && !t.isDisposed) t.dispose();
  });
}

describe('chain order check (runs first: the warning is shown once per process)', () => {
  before(() => useBackend('cpu'));
  it('warns once, with the fix, when a clip runs before accumulate; never for the right order, guards or monitors', () => {
    const calls: string[] = [];
    const orig = console.warn;
    console.warn = (...a: unknown[]) => void calls.push(a.map(String).join(' '));
    try {
      transforms.chain(transforms.accumulate(4), transforms.clipByGlobalNorm(1));
      transforms.chain(transforms.skipNonFinite(), transforms.accumulate(4), transforms.clipByGlobalNorm(1));
      transforms.chain(transforms.monitor(), transforms.accumulate(4), transforms.monitor(), transforms.clipByGlobalNorm(1));
      transforms.chain(transforms.accumulate(4));
      assert.deepEqual(calls, [], 'no warning for a correct order');
      transforms.chain(transforms.clipByGlobalNorm(1), transforms.accumulate(4));
      assert.equal(calls.length, 1);
      assert.match(calls[0], /clipByGlobalNorm\(1\) runs before accumulate\(4\), so it clips every micro-batch and the accumulated update is not clipped/);
      assert.match(calls[0], /put the accumulator first: transforms\.chain\(transforms\.accumulate\(4\), transforms\.clipByGlobalNorm\(1\)\)/);
      transforms.chain(transforms.autoClip(), transforms.accumulate(2));
      transforms.chain(transforms.chain(transforms.monitor(), transforms.clipByValue(1)), transforms.accumulate(2));
      assert.equal(calls.length, 1, 'shown once');
    } finally {
      console.warn = orig;
    }
  });
  it('recognises clips by fusableClip, by spec type (also inside a nested chain) and by name', () => {
    const acc = transforms.accumulate(2);
    const noop = (name: string): GradientTransformation => ({ name, init: () => ({}), update: (u, s) => ({ updates: u, state: s, info: {} }) });
    const cases: Array<[GradientTransformation, boolean]> = [
      [transforms.clipByGlobalNorm(1), true],
      [transforms.clipByNorm(1), true],
      [transforms.clipByValue(1), true],
      [transforms.autoClip(), true],
      [transforms.zClip(), true],
      [transforms.adaptiveGradClip(), true],
      [{ ...noop('anonymous'), spec: { type: 'chain', args: [{ type: 'monitor', args: [{}] }, { type: 'zClip', args: [{}] }] } }, true],
      [noop('myClipper'), true],
      [noop('scaleBy2'), false],
      [transforms.skipSpikes(), false],
      [transforms.skipNonFinite(), false],
      [transforms.monitor(), false],
    ];
    for (const [m, clips] of cases) {
      assert.equal(clipBeforeAccumulator([m, acc])?.clip, clips ? m : undefined, m.name);
      assert.equal(clipBeforeAccumulator([acc, m]), undefined, `${m.name} after the accumulator is fine`);
    }
  });
});

for (const backend of BACKENDS) {
  describe(`accumulate: the transform (${backend})`, () => {
    before(() => useBackend(backend));

    it('mean: k − 1 micro-steps pass the gradients through and ask to skip; the k-th emits Σg / k and resets', () => {
      const before = tf.memory().numTensors;
      const r = drive(transforms.accumulate(3), [{ a: [1, 2] }, { a: [3, 4] }, { a: [5, 9] }, { a: [2, 2] }, { a: [4, 4] }, { a: [6, 0] }, { a: [1, 1] }]);
      assert.deepEqual(r.map((x) => [x.skip, x.accumulating]), [[true, true], [true, true], [false, false], [true, true], [true, true], [false, false], [true, true]]);
      assert.deepEqual(r[0].out.a, [1, 2], 'a micro-step returns its input');
      assert.deepEqual(r[2].out.a, [3, 5]);
      assert.deepEqual(r[5].out.a, [4, 2], 'the second window starts from zero');
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    });

    it("sum mode emits Σg; k = 1 emits every gradient (as a copy); the spec and name say so", () => {
      const r = drive(transforms.accumulate(2, { mode: 'sum' }), [{ a: [1, 2] }, { a: [3, 4] }]);
      assert.deepEqual(r[1].out.a, [4, 6]);
      const one = drive(transforms.accumulate(1), [{ a: [1, 2] }, { a: [3, 4] }]);
      assert.deepEqual(one.map((x) => [x.skip, x.out.a]), [[false, [1, 2]], [false, [3, 4]]]);
      assert.deepEqual(transforms.accumulate(2, { mode: 'sum' }).spec, { type: 'accumulate', args: [2, { mode: 'sum' }] });
      assert.equal(transforms.accumulate(4).name, 'accumulate(4)');
      assert.equal(transforms.accumulate(4).accumulateSteps, 4);
      assert.equal(transforms.chain(transforms.monitor(), transforms.accumulate(4)).accumulateSteps, 4, 'a chain forwards it');
      assert.equal(transforms.chain(transforms.accumulate(4), transforms.clipByGlobalNorm(1)).fusableClip, undefined, 'not a fusable clip');
    });

    it('a variable missing from some micro-batches counts as zero there (the mean still divides by k)', () => {
      const r = drive(transforms.accumulate(2), [{ a: [2], b: [4] }, { a: [4] }]);
      assert.deepEqual(r[1].out, { a: [3], b: [2] });
    });

    it('the emitting step reports the accumulated gradient\'s global and per-layer norms', () => {
      const t = transforms.accumulate(2);
      const g1 = { a: tf.tensor1d([6]), b: tf.tensor1d([0]) };
      const g2 = { a: tf.tensor1d([0]), b: tf.tensor1d([8]) };
      const r1 = t.update(g1, t.init({}));
      assert.deepEqual(Object.keys(r1.info).sort(), ['accumulating', 'skip']);
      const r2 = t.update(g2, r1.state);
      assert.equal(r2.info.preClipNorm?.dataSync()[0], 5);
      assert.deepEqual(Object.fromEntries(Object.entries(r2.info.layerNorms ?? {}).map(([k, v]) => [k, v.dataSync()[0]])), { a: 3, b: 4 });
      disposeInfo(r2.info);
      tf.dispose([g1.a, g1.b, g2.a, g2.b, r2.updates.a, r2.updates.b]);
      freeState(r1.state, undefined);
    });

    it('bad arguments and bad states are refused with the fix', () => {
      for (const k of [0, 1.5, -1, Number.NaN, '4']) {
        assert.throws(() => transforms.accumulate(k as number), /transforms\.accumulate: k must be an integer >= 1, got .*; pass how many micro-batches/);
      }
      assert.throws(() => transforms.accumulate(2, { mode: 'avg' as 'mean' }), /transforms\.accumulate: mode must be 'mean' or 'sum', got "avg"/);
      assert.throws(() => transforms.accumulate(2, { mod: 'sum' } as never), /unknown option "mod".*did you mean "mode"/);
      const t = transforms.accumulate(2);
      const g = { a: tf.tensor1d([1, 2]) };
      const bad: unknown[] = [
        null,
        { count: 2, sums: null },
        { count: 0, sums: { a: { shape: [2], values: [1, 2] } } },
        { count: 1, sums: null },
        { count: 1, sums: { a: { shape: [3], values: [1, 2] } } },
        { count: 1.5, sums: null },
      ];
      for (const s of bad) assert.throws(() => t.update(g, s as AccumulateState), /state is not a state of transforms\.accumulate/, JSON.stringify(s));
      const before = tf.memory().numTensors;
      assert.throws(
        () => t.update(g, { count: 1, sums: { a: { shape: [3], values: [1, 2, 3] } } } as never),
        /the gradient of "a" has shape \[2\] but the accumulated sum has \[3\]/,
      );
      assert.equal(tf.memory().numTensors, before, 'the restored sum is freed when the update throws');
      const r = t.update(g, t.init({}));
      const stale = r.state;
      const r2 = t.update(g, stale);
      tf.dispose([r2.updates.a]);
      disposeInfo(r2.info);
      freeState(stale, undefined);
      assert.throws(() => t.update(g, stale), /the state's sum for "a" has been disposed; pass the state returned by the latest update\(\)/);
      assert.throws(() => JSON.stringify(stale), /this state's sum for "a" has been disposed/);
      assert.throws(() => t.update({ a: tf.tensor1d([1], 'int32') }, t.init({})), /must be a float32 tensor/);
      g.a.dispose();
    });

    it('the state is frozen, holds the sums on the device, and round-trips through JSON exactly (non-finite values too)', () => {
      const t = transforms.accumulate(3);
      const g = { a: tf.tensor1d([1.5, Number.NaN]), b: tf.tensor2d([[1e30, -3e38]]) };
      const r = t.update(g, t.init({}));
      assert.ok(Object.isFrozen(r.state));
      assert.ok(r.state.sums?.a instanceof tf.Tensor);
      assert.deepEqual(Object.keys(r.state), ['count', 'sums'], 'toJSON is not an own enumerable key');
      const json = JSON.parse(JSON.stringify(r.state));
      assert.deepEqual(json, { count: 1, sums: { a: { shape: [2], values: [1.5, 'NaN'] }, b: { shape: [1, 2], values: [Math.fround(1e30), Math.fround(-3e38)] } } });
      const live = t.update(g, r.state);
      const restored = t.update(g, json as unknown as AccumulateState);
      for (const k of ['a', 'b']) {
        assert.deepEqual(Array.from(restored.state.sums?.[k].dataSync() ?? []), Array.from(live.state.sums?.[k].dataSync() ?? []), k);
      }
      freeState(r.state, undefined);
      freeState(live.state, undefined);
      freeState(restored.state, undefined);
      tf.dispose([g.a, g.b]);
    });
  });

  describe(`accumulate in withTransforms (${backend})`, () => {
    before(() => useBackend(backend));

    it('micro-steps leave the weights, Adam\'s moments and its iteration count untouched; the k-th step is one Adam step on the mean', async () => {
      const w = variable([1, -2, 3], 'adam');
      const ref = variable([1, -2, 3], 'adamref');
      const opt = withTransforms(tf.train.adam(0.1), transforms.chain(transforms.accumulate(3), transforms.clipByGlobalNorm(100)), { statsBuffer: 10 });
      const plain = tf.train.adam(0.1);
      const targets = [[1, 1, 1], [3, 0, -1], [-2, 5, 0]];
      const lossFor = (v: Variable, y: number[]) => () => tf.sum(tf.square(tf.sub(v, tf.tensor1d(y)))) as tf.Scalar;
      // one full window first, so the inner Adam has moments to protect
      for (const y of targets) opt.minimize(lossFor(w, y), false, [w]);
      const mean = tf.tidy(() => tf.div(tf.addN(targets.map((y) => tf.mul(2, tf.sub(ref, tf.tensor1d(y))))), 3));
      plain.applyGradients([{ name: ref.name, tensor: mean }]);
      mean.dispose();
      assert.deepEqual(Array.from(w.dataSync()), Array.from(ref.dataSync()), 'the emitted update is Adam on the mean gradient');
      assert.equal(opt.iterations, 1);
      const innerBefore = (await opt.inner.getWeights()).map((x) => [x.name, Array.from(x.tensor.dataSync())]);
      const wBefore = Array.from(w.dataSync());
      opt.minimize(lossFor(w, [9, 9, 9]), false, [w]);
      opt.minimize(lossFor(w, [-9, 0, 9]), false, [w]);
      assert.deepEqual(Array.from(w.dataSync()), wBefore, 'weights untouched on micro-steps');
      assert.deepEqual((await opt.inner.getWeights()).map((x) => [x.name, Array.from(x.tensor.dataSync())]), innerBefore, 'Adam moments and iterations untouched');
      assert.equal(opt.iterations, 1);
      assert.equal(opt.steps, 5);
      assert.equal(opt.accumulatedSteps, 4);
      assert.equal(opt.skippedSteps, 0, 'micro-steps are not a guard\'s skips');
      opt.minimize(lossFor(w, [0, 0, 0]), false, [w]);
      assert.equal(opt.iterations, 2);
      assert.notDeepEqual(Array.from(w.dataSync()), wBefore);
      opt.dispose();
      plain.dispose();
      w.dispose();
      ref.dispose();
    });

    it('StepStats: micro-steps are skipped + accumulated with null norms; the clip rate is clipped / applied; the codec keeps the flag', () => {
      const w = variable([0, 0], 'stats');
      const opt = withTransforms(tf.train.sgd(0.1), transforms.chain(transforms.accumulate(2), transforms.clipByGlobalNorm(1)), { statsBuffer: 100, layerNorms: true });
      const ys = [[3, 4], [3, 4], [0.1, 0], [0.1, 0], [30, 40], [-30, -40]];
      for (const y of ys) opt.minimize(() => tf.sum(tf.mul(-1, tf.mul(w, tf.tensor1d(y)))) as tf.Scalar, false, [w]);
      const stats = opt.drainStatsSync();
      assert.deepEqual(stats.map((s) => [s.step, s.skipped, s.accumulated === true, s.clipped]), [
        [1, true, true, false],
        [2, false, false, true],
        [3, true, true, false],
        [4, false, false, false],
        [5, true, true, false],
        [6, false, false, false],
      ]);
      const micro = stats[0];
      assert.deepEqual([micro.preClipNorm, micro.postClipNorm, micro.clipCoef, micro.layerNorms], [null, null, null, undefined]);
      assert.equal(typeof micro.loss, 'number', 'the micro-batch loss is kept');
      assert.ok(Math.abs((stats[1].preClipNorm ?? 0) - 5) < 1e-6, 'the emitting step reports the accumulated gradient\'s norm');
      assert.ok(Math.abs((stats[1].postClipNorm ?? 0) - 1) < 1e-6);
      assert.ok(Math.abs((stats[1].layerNorms?.[w.name] ?? 0) - 5) < 1e-6, 'layer norms of the accumulated gradient');
      assert.equal(stats[5].preClipNorm, 0, 'the last window cancels out');
      assert.equal(clipRate(stats), 1 / 3, 'clipped / applied');
      assert.equal(opt.accumulatedSteps, 3);
      assert.equal(opt.skippedSteps, 0);
      // the run's summaries count a guard's skips only
      const summary = new RunSummaryAccumulator();
      for (const st of stats) summary.add(st);
      assert.deepEqual([summary.summary().skippedSteps, summary.summary().accumulatedSteps, summary.summary().clipRate], [0, 3, 1 / 3]);
      const d = diagnose(stats);
      assert.equal(d.skippedSteps, 0);
      assert.ok(!d.flags.includes('skipped-steps'));
      const round = decodeStepStats(JSON.parse(JSON.stringify(encodeStepStats(micro))));
      assert.equal(round.accumulated, true);
      assert.equal('accumulated' in encodeStepStats(stats[1]), false, 'written only when true');
      opt.dispose();
      w.dispose();
    });

    it('a guard before the accumulator drops a bad micro-batch; a guard after it drops the window, and the next window is clean', () => {
      const run = (t: GradientTransformation, grads: number[][]) => {
        const w = variable([0, 0], 'guard');
        const opt = withTransforms(tf.train.sgd(1), t, { statsBuffer: 100 });
        for (const g of grads) {
          const t = tf.tensor1d(g);
          opt.applyGradients({ [w.name]: t });
          t.dispose();
        }
        const stats = opt.drainStatsSync();
        const out = { w: Array.from(w.dataSync()), stats, skipped: opt.skippedSteps, accumulated: opt.accumulatedSteps };
        opt.dispose();
        w.dispose();
        return out;
      };
      const grads = [[1, 1], [Number.NaN, 0], [3, 3], [1, 1], [1, 1]];
      const before = run(transforms.chain(transforms.skipNonFinite(), transforms.accumulate(2)), grads);
      assert.deepEqual(before.w, [-3, -3], 'window 1 = steps 1 and 3 (mean 2), window 2 = steps 4, 5 (mean 1)');
      assert.deepEqual([before.skipped, before.accumulated], [1, 2]);
      assert.deepEqual(before.stats.map((s) => [s.skipped, s.accumulated === true]), [[true, true], [true, false], [false, false], [true, true], [false, false]]);
      const after = run(transforms.chain(transforms.accumulate(2), transforms.skipNonFinite()), [[1, 1], [Number.NaN, 0], [3, 3], [1, 1]]);
      assert.deepEqual(after.w, [-2, -2], 'the NaN window is dropped whole; the next (3, 1) applies its mean');
      assert.deepEqual([after.skipped, after.accumulated], [1, 2]);
    });

    it("an accumulator's micro-step reverts no earlier member's state (a guard's consecutive count resets on finite micro-batches)", () => {
      const t = transforms.chain(transforms.skipNonFinite(), transforms.accumulate(3));
      let s = t.init({});
      const seen: unknown[] = [];
      for (const v of [Number.NaN, 1, 2]) {
        const g = { a: tf.tensor1d([v]) };
        const r = t.update(g, s);
        seen.push((r.state as unknown[])[0]);
        for (const [k, u] of Object.entries(r.updates)) if (u && u !== g[k as 'a']) u.dispose();
        disposeInfo(r.info);
        freeState(s, r.state);
        s = r.state;
        g.a.dispose();
      }
      freeState(s, undefined);
      assert.deepEqual(seen, [
        { totalSkipped: 1, consecutiveSkipped: 1 },
        { totalSkipped: 1, consecutiveSkipped: 0 },
        { totalSkipped: 1, consecutiveSkipped: 0 },
      ]);
    });

    it('no tensor leaks: replaced sums are freed every step, the last on dispose(), and when a later member throws', () => {
      const w = variable([1, 2, 3, 4], 'leak');
      const loss = () => tf.sum(tf.square(w)) as tf.Scalar;
      const start = tf.memory().numTensors;
      const opt = withTransforms(tf.train.adam(0.01), transforms.chain(transforms.monitor(), transforms.accumulate(4), transforms.clipByGlobalNorm(0.1)));
      for (let i = 0; i < 6; i++) opt.minimize(loss, false, [w]);
      const mid = tf.memory().numTensors;
      for (let i = 0; i < 40; i++) opt.minimize(loss, false, [w]);
      assert.equal(tf.memory().numTensors, mid, 'steady over 10 windows');
      const json = JSON.stringify(opt.getTransformState());
      assert.match(json, /"count":2/);
      opt.dispose();
      // Adam's slots and the stats record are freed by dispose too
      assert.ok(tf.memory().numTensors <= start + 1, `left ${tf.memory().numTensors - start} tensors`);
      // a member after the accumulator throws at the emitting step: the optimizer keeps its state, nothing leaks
      let fail = false;
      const thrower: GradientTransformation = {
        name: 'thrower',
        init: () => ({}),
        update: (u, s) => {
          if (fail) throw new Error('boom');
          return { updates: u, state: s, info: {} };
        },
      };
      const opt2 = withTransforms(tf.train.sgd(0.1), transforms.chain(transforms.accumulate(2), thrower));
      opt2.minimize(loss, false, [w]);
      const n = tf.memory().numTensors;
      const stateBefore = JSON.stringify(opt2.getTransformState());
      fail = true;
      assert.throws(() => opt2.minimize(loss, false, [w]), /boom/);
      assert.equal(tf.memory().numTensors, n);
      assert.equal(JSON.stringify(opt2.getTransformState()), stateBefore, 'the window before the failed step is intact');
      fail = false;
      opt2.minimize(loss, false, [w]);
      assert.equal(opt2.iterations, 1, 'and completes on the retry');
      opt2.dispose();
      w.dispose();
    });

    it('a window interrupted by a JSON save resumes exactly (setTransformState with the parsed state)', () => {
      const grads = [[1, -1], [2, 5], [0.5, 0.25], [3, 3], [-1, 7], [2, 2]];
      const train = (cut: number | null): number[] => {
        const w = variable([0, 0], 'resume');
        let opt = withTransforms(tf.train.momentum(0.1, 0.9), transforms.chain(transforms.accumulate(3), transforms.clipByGlobalNorm(2)));
        grads.forEach((g, i) => {
          if (i === cut) {
            const saved = JSON.stringify(opt.getTransformState());
            const inner = opt.inner;
            const next = withTransforms(inner, transforms.chain(transforms.accumulate(3), transforms.clipByGlobalNorm(2)));
            next.setTransformState(JSON.parse(saved));
            opt = next;
          }
          const t = tf.tensor1d(g);
          opt.applyGradients({ [w.name]: t });
          t.dispose();
        });
        const out = Array.from(w.dataSync());
        opt.dispose();
        w.dispose();
        return out;
      };
      const n0 = tf.memory().numTensors;
      const whole = train(null);
      const n1 = tf.memory().numTensors; // tfjs-core 4.22's momentum optimizer leaves its scalars behind by itself
      const resumed = train(4);
      assert.deepEqual(resumed, whole);
      // the replaced wrapper (not disposed: it shares the inner optimizer) keeps its stats record and its sum
      assert.equal(tf.memory().numTensors - n1, n1 - n0 + 2);
    });
  });
}

describe('save / load: an optimizer with accumulate survives model.save and tf.loadLayersModel (cpu)', () => {
  before(() => useBackend('cpu'));
  function build(): Sequential {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 4, inputShape: [3], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 31 }) }));
    m.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 32 }) }));
    return m;
  }
  function data(n: number): { xs: Tensor; ys: Tensor } {
    const x = new Float32Array(n * 3);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(0.7 * i + 0.3);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = 4 * Math.cos(0.9 * i);
    return { xs: tf.tensor2d(x, [n, 3]), ys: tf.tensor2d(y, [n, 1]) };
  }
  const weights = (m: LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));

  it('same transform (spec), inner optimizer, counters; continued training identical', async () => {
    const { xs, ys } = data(16);
    const model = build();
    const opt = withTransforms(tf.train.sgd(0.05), transforms.chain(transforms.accumulate(2), transforms.clipByGlobalNorm(0.5)));
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    await model.fit(xs, ys, { batchSize: 4, epochs: 1, shuffle: false, verbose: 0 }); // 4 steps = 2 windows
    assert.deepEqual([opt.iterations, opt.accumulatedSteps, opt.steps], [2, 2, 4]);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), { includeOptimizer: true });
    assert.ok(saved);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
    const lopt = loaded.optimizer as TransformingOptimizer;
    assert.ok(lopt instanceof TransformingOptimizer);
    assert.deepEqual(lopt.transform.spec, { type: 'chain', args: [{ type: 'accumulate', args: [2, { mode: 'mean' }] }, { type: 'clipByGlobalNorm', args: [0.5, { rule: 'optax' }] }] });
    assert.equal(lopt.transform.accumulateSteps, 2);
    assert.deepEqual([lopt.steps, lopt.accumulatedSteps, lopt.skippedSteps], [4, 2, 0]);
    const more = data(12);
    await model.fit(more.xs, more.ys, { batchSize: 4, epochs: 1, shuffle: false, verbose: 0 });
    await loaded.fit(more.xs, more.ys, { batchSize: 4, epochs: 1, shuffle: false, verbose: 0 });
    assert.deepEqual(weights(loaded), weights(model));
    assert.equal(lopt.iterations, 3, 'one more window of two, plus an open one');
    assert.deepEqual(
      (await lopt.drainStats()).map((s: StepStats) => [s.step, s.accumulated === true]),
      (await opt.drainStats()).map((s: StepStats) => [s.step, s.accumulated === true]),
    );
    tf.dispose([xs, ys, more.xs, more.ys]);
    model.dispose();
    loaded.dispose();
  });
});

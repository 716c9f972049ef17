/**
 * `withRecovery(optimizer, ...)` (issue 13, point 1): automatic rollback to
 * the last good snapshot.
 *
 * - injected NaN batches with `snapshotEvery: 1` end bit-identical to a clean
 *   run that never saw them (plain Adam, and a zClip chain whose state is
 *   rolled back too), through `minimize` and through `model.fit` with
 *   `gradStatsCallback` (the records carry `recovered`), on cpu and wasm;
 * - a weight set to Infinity between steps is undone by the next step;
 * - a batch whose gradient norm is 50x the others is caught by `'gradSpike'`
 *   and dropped (bit-identical to the clean run);
 * - a learning-rate spike is caught by `'lossSpike'` (the snapshot taken
 *   right after the harmful update is discarded) and the final loss is near
 *   the clean run's, far below the unprotected run's;
 * - `maxRecoveries` exceeded throws `GradclipRecoveryError`, weights left at
 *   the last snapshot; bad options and `lrFactor` without a learning rate are
 *   argument errors;
 * - memory: `keep` × (variables + Adam's two moments + its two scalars)
 *   bytes, measured with `tf.memory().numBytes`; no tensor leaks over many
 *   snapshots and rollbacks, nothing left after `dispose`.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Optimizer, Scalar, Sequential, Tensor, Variable } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import {
  adamw,
  decodeStepStats,
  encodeStepStats,
  GradclipArgumentError,
  GradclipRecoveryError,
  gradStatsCallback,
  RecoveringOptimizer,
  stepStatsToTfEvent,
  transforms,
  TransformingOptimizer,
  withClipping,
  withRecovery,
  withTransforms,
  type StepStats,
} from 'gradclip';

let uid = 0;

/** A small regression problem on two variables, fed batch by batch. */
function problem(seed: number): { vars: Variable[]; loss: (b: Batch) => Scalar; dispose: () => void } {
  const tag = `rec_${uid++}`;
  const w = tf.tidy(() => tf.variable(tf.tensor2d(Array.from({ length: 12 }, (_, i) => Math.sin(seed + i) * 0.5), [4, 3]), true, `${tag}_w`));
  const b = tf.tidy(() => tf.variable(tf.zeros([3]), true, `${tag}_b`));
  return {
    vars: [w, b],
    loss: (batch) => tf.losses.meanSquaredError(batch.y, tf.add(tf.matMul(batch.x, w), b)) as Scalar,
    dispose: () => {
      w.dispose();
      b.dispose();
    },
  };
}

interface Batch {
  x: Tensor;
  y: Tensor;
}

function batches(n: number, bad: ReadonlySet<number> = new Set()): Batch[] {
  const out: Batch[] = [];
  for (let k = 0; k < n; k++) {
    const x = Float32Array.from({ length: 8 * 4 }, (_, i) => Math.sin(0.37 * (i + 32 * k) + 0.1));
    if (bad.has(k)) x[5] = Number.NaN;
    const y = Float32Array.from({ length: 8 * 3 }, (_, i) => Math.cos(0.21 * (i + 24 * k)) * 2);
    out.push({ x: tf.tensor2d(x, [8, 4]), y: tf.tensor2d(y, [8, 3]) });
  }
  return out;
}

function disposeBatches(bs: Batch[]): void {
  for (const b of bs) tf.dispose([b.x, b.y]);
}

function values(vars: readonly Variable[]): number[][] {
  return vars.map((v) => Array.from(v.dataSync()));
}

/** Trains with `opt` on `bs` via minimize; returns the final weights and the losses. */
function train(opt: Optimizer, bs: readonly Batch[], seed = 1, between?: (step: number, vars: Variable[]) => void): { weights: number[][]; losses: number[] } {
  const p = problem(seed);
  const losses: number[] = [];
  bs.forEach((b, k) => {
    between?.(k, p.vars);
    const cost = opt.minimize(() => p.loss(b), true, p.vars);
    losses.push(cost ? cost.dataSync()[0] : Number.NaN);
    cost?.dispose();
  });
  const weights = values(p.vars);
  p.dispose();
  return { weights, losses };
}

for (const backend of BACKENDS) {
  describe(`withRecovery: rollback (${backend})`, () => {
    before(() => useBackend(backend));

    it('NaN batches with snapshotEvery 1 end bit-identical to a clean run that never saw them (Adam)', () => {
      const start = tf.memory().numTensors;
      const bad = new Set([3, 7, 12]);
      const all = batches(16, bad);
      const clean = all.filter((_, k) => !bad.has(k));
      const opt = withRecovery(tf.train.adam(0.05), { snapshotEvery: 1 });
      const got = train(opt, all);
      const ref = tf.train.adam(0.05);
      const want = train(ref, clean);
      assert.deepEqual(got.weights, want.weights);
      assert.equal(opt.recoveries, 3);
      assert.equal(opt.lostSteps, 3);
      assert.equal(opt.steps, 16);
      assert.equal(opt.iterations, 13, 'iterations count the kept timeline');
      ref.dispose();
      opt.dispose();
      disposeBatches(all);
      assert.equal(tf.memory().numTensors, start, 'no tensor left');
    });

    const OPTIMIZERS: Record<string, () => Optimizer> = {
      sgd: () => tf.train.sgd(0.05),
      momentum: () => tf.train.momentum(0.05, 0.9, true),
      adagrad: () => tf.train.adagrad(0.05),
      adadelta: () => tf.train.adadelta(1, 0.95, 1e-6),
      adam: () => tf.train.adam(0.01),
      adamax: () => tf.train.adamax(0.01),
      rmsprop: () => tf.train.rmsprop(0.01, 0.9, 0.1, 1e-7, true),
      adamw: () => adamw({ learningRate: 0.01, weightDecay: 0.05 }),
    };
    for (const [name, make] of Object.entries(OPTIMIZERS)) {
      it(`${name}: NaN batches (the first one included) dropped bit-identically; every slot rolled back`, () => {
        const start = tf.memory().numTensors;
        const bad = new Set([0, 5, 9]);
        const all = batches(12, bad);
        const opt = withRecovery(make(), { snapshotEvery: 1 });
        const got = train(opt, all);
        const ref = make();
        const want = train(ref, all.filter((_, k) => !bad.has(k)));
        assert.deepEqual(got.weights, want.weights);
        assert.equal(opt.recoveries, 3);
        assert.equal(opt.iterations, ref.iterations);
        opt.dispose();
        ref.dispose();
        disposeBatches(all);
        // tf.train.momentum's dispose leaks its learning-rate scalar (MomentumOptimizer.dispose skips SGD's): 1 per instance
        const own = name === 'momentum' ? 2 : 0;
        assert.equal(tf.memory().numTensors, start + own);
      });
    }

    it('a zClip chain: the transform state is rolled back too (bit-identical to the clean run)', () => {
      const bad = new Set([9]);
      const all = batches(14, bad);
      const clean = all.filter((_, k) => !bad.has(k));
      const make = (): Optimizer =>
        withTransforms(tf.train.adam(0.05), transforms.chain(transforms.zClip({ warmupSteps: 3 }), transforms.clipByGlobalNorm(5)));
      const opt = withRecovery(make(), { snapshotEvery: 1 });
      const got = train(opt, all);
      const ref = make();
      const want = train(ref, clean);
      assert.deepEqual(got.weights, want.weights);
      assert.equal(opt.recoveries, 1);
      ref.dispose();
      opt.dispose();
      disposeBatches(all);
    });

    it('snapshotEvery 4: a NaN batch loses the steps since the last snapshot; the event says which', () => {
      const all = batches(12, new Set([6]));
      const opt = withRecovery(withClipping(tf.train.sgd(0.1), { globalClipnorm: 1 }), { snapshotEvery: 4 });
      const seen: StepStats[] = [];
      const p = problem(2);
      all.forEach((b) => {
        opt.minimize(() => p.loss(b), false, p.vars);
        seen.push(...opt.drainStatsSync());
      });
      const rec = seen.filter((s) => s.recovered);
      assert.equal(rec.length, 1);
      assert.deepEqual(rec[0].recovered, { toStep: 4, lostSteps: 3, trigger: 'nonfinite' });
      assert.equal(rec[0].step, 7);
      assert.ok(p.vars.every((v) => Array.from(v.dataSync()).every(Number.isFinite)));
      // codec round trip and the TensorBoard tag
      const round = decodeStepStats(JSON.parse(JSON.stringify(encodeStepStats(rec[0]))));
      assert.deepEqual(round.recovered, rec[0].recovered);
      const tags = (stepStatsToTfEvent(rec[0]).summary?.value ?? []).map((v) => v.tag);
      assert.ok(tags.includes('recovery/lost_steps'));
      assert.equal(decodeStepStats(JSON.parse(JSON.stringify(encodeStepStats(seen[0])))).recovered, undefined);
      p.dispose();
      opt.dispose();
      disposeBatches(all);
    });

    it('a weight set to Infinity between steps is rolled back by the next step', () => {
      const all = batches(10);
      const opt = withRecovery(tf.train.adam(0.05), { snapshotEvery: 1 });
      const got = train(opt, all, 1, (k, vars) => {
        if (k === 5) vars[0].assign(tf.tidy(() => tf.where(tf.equal(tf.range(0, 12).reshape([4, 3]), 7), tf.fill([4, 3], Infinity), vars[0])));
      });
      // the flip at step 6 is undone and batch 5's update (taken from the flipped weight) dropped
      const ref = tf.train.adam(0.05);
      const want = train(ref, all.filter((_, k) => k !== 5));
      assert.deepEqual(got.weights, want.weights);
      assert.equal(opt.recoveries, 1);
      assert.ok(got.losses.slice(6).every(Number.isFinite), 'training continues');
      ref.dispose();
      opt.dispose();
      disposeBatches(all);
    });

    it('a bit flip in a weight (the exponent\'s top bit: finite, about 2^128 times larger) is rolled back by the next step', () => {
      const all = batches(10);
      const opt = withRecovery(tf.train.adam(0.05), { snapshotEvery: 1 });
      let flipped = Number.NaN;
      const got = train(opt, all, 1, (k, vars) => {
        if (k !== 5) return;
        const w = vars[0].dataSync().slice() as Float32Array;
        const bits = new Uint32Array(w.buffer);
        bits[7] ^= 1 << 30;
        flipped = w[7];
        const t = tf.tensor(w, vars[0].shape);
        vars[0].assign(t);
        t.dispose();
      });
      assert.ok(Number.isFinite(flipped) && Math.abs(flipped) > 1e30, `the flipped weight ${flipped} is finite and huge`);
      const ref = tf.train.adam(0.05);
      const want = train(ref, all.filter((_, k) => k !== 5));
      assert.deepEqual(got.weights, want.weights);
      assert.equal(opt.recoveries, 1);
      ref.dispose();
      opt.dispose();
      disposeBatches(all);
    });

    it("'lossSpike' catches a learning-rate spike; the final loss is near the clean run's", () => {
      const all = batches(40);
      const spikeAt = 25;
      const run = (wrap: boolean): { opt: Optimizer; sgd: tf.SGDOptimizer; losses: number[] } => {
        const sgd = tf.train.sgd(0.05);
        const opt = wrap ? withRecovery(sgd, { on: ['nonfinite', 'lossSpike'], snapshotEvery: 1, minHistory: 5, window: 20 }) : sgd;
        const { losses } = train(opt, all, 3, (k) => sgd.setLearningRate(k === spikeAt ? 40 : 0.05));
        return { opt, sgd, losses };
      };
      const protectedRun = run(true);
      const plain = run(false);
      const clean = (() => {
        const sgd = tf.train.sgd(0.05);
        const r = train(sgd, all.filter((_, k) => k !== spikeAt), 3);
        sgd.dispose();
        return r.losses;
      })();
      const final = (l: number[]): number => l[l.length - 1];
      const rec = protectedRun.opt as RecoveringOptimizer;
      assert.ok(rec.recoveries >= 1, `recoveries ${rec.recoveries}`);
      assert.ok(Math.abs(final(protectedRun.losses) - final(clean)) <= 0.25 * final(clean), `protected ${final(protectedRun.losses)} vs clean ${final(clean)}`);
      assert.ok(!(final(plain.losses) < 10 * final(clean)), `the unprotected run should be far off: ${final(plain.losses)} vs ${final(clean)}`);
      protectedRun.opt.dispose();
      plain.opt.dispose();
      disposeBatches(all);
    });

    it("'gradSpike': a batch with a 50x larger gradient is dropped, bit-identical to the clean run", () => {
      const all = batches(18);
      const spike = 12;
      const loud = { x: tf.mul(all[spike].x, 50), y: all[spike].y };
      const run = all.map((b, k) => (k === spike ? loud : b));
      const opt = withRecovery(tf.train.adam(0.02), { on: ['nonfinite', 'gradSpike'], snapshotEvery: 1, minHistory: 5 });
      const got = train(opt, run);
      const ref = tf.train.adam(0.02);
      const want = train(ref, all.filter((_, k) => k !== spike));
      assert.equal(opt.recoveries, 1);
      assert.deepEqual(got.weights, want.weights);
      ref.dispose();
      opt.dispose();
      loud.x.dispose();
      disposeBatches(all);
    });

    it('lrFactor multiplies the learning rate at every rollback', () => {
      const all = batches(8, new Set([2, 5]));
      const opt = withRecovery(tf.train.adam(0.08), { lrFactor: 0.5, snapshotEvery: 2 });
      train(opt, all);
      assert.equal(opt.recoveries, 2);
      assert.equal(opt.learningRate, 0.02);
      opt.dispose();
      disposeBatches(all);
    });

    it('maxRecoveries exceeded: GradclipRecoveryError, weights left at the last snapshot', () => {
      const all = batches(8, new Set([3, 4, 5, 6, 7]));
      const opt = withRecovery(tf.train.sgd(0.1), { maxRecoveries: 2, snapshotEvery: 1 });
      const p = problem(4);
      let before: number[][] = [];
      let thrown: unknown = null;
      try {
        all.forEach((b, k) => {
          if (k === 2) before = values(p.vars); // after batches 0 and 1: the snapshot of step 2
          opt.minimize(() => p.loss(b), false, p.vars);
        });
      } catch (e) {
        thrown = e;
      }
      assert.ok(thrown instanceof GradclipRecoveryError, String(thrown));
      assert.ok(!(thrown instanceof GradclipArgumentError));
      assert.match((thrown as Error).message, /withRecovery: step \d+ failed the 'nonfinite' check after 2 rollbacks \(maxRecoveries 2\)/);
      assert.equal((thrown as GradclipRecoveryError).recoveries, 2);
      assert.ok(values(p.vars).flat().every(Number.isFinite));
      // steps 4 and 5 failed (the second fell back past the snapshot of step 3); step 6 gave up at step 2's
      assert.deepEqual(values(p.vars), before);
      p.dispose();
      opt.dispose();
      disposeBatches(all);
    });

    it('no tensor leaks over many snapshots and rollbacks; nothing left after dispose', () => {
      const bad = new Set<number>();
      for (let k = 5; k < 120; k += 11) bad.add(k);
      const all = batches(120, bad);
      const p = problem(5);
      const base = tf.memory().numTensors;
      const opt = withRecovery(withTransforms(tf.train.adam(0.01), transforms.chain(transforms.accumulate(2), transforms.clipByGlobalNorm(1))), {
        snapshotEvery: 3,
        keep: 3,
        maxRecoveries: 100,
      });
      const counts: number[] = [];
      all.forEach((b, k) => {
        opt.minimize(() => p.loss(b), false, p.vars);
        if (k >= 30) counts.push(tf.memory().numTensors);
      });
      assert.ok(opt.recoveries >= 8, `recoveries ${opt.recoveries}`);
      const spread = Math.max(...counts) - Math.min(...counts);
      // snapshots come and go (up to `keep`), so the count moves within a bound; it does not grow
      assert.ok(spread <= 3 * 8, `numTensors spread ${spread}`);
      assert.ok(counts[counts.length - 1] <= counts[0] + 3 * 8);
      opt.dispose();
      assert.equal(tf.memory().numTensors, base);
      p.dispose();
      disposeBatches(all);
    });

    it('memory: keep × (variables + Adam slots) bytes, measured with tf.memory().numBytes', () => {
      const all = batches(6);
      /** Bytes an optimizer holds after 6 steps (the variables exist before, so only its own state counts). */
      const held = (make: () => Optimizer): { bytes: number; paramBytes: number } => {
        const p = problem(6);
        const paramBytes = p.vars.reduce((acc, v) => acc + v.size * 4, 0);
        const before = tf.memory().numBytes;
        const opt = make();
        all.forEach((b) => opt.minimize(() => p.loss(b), false, p.vars));
        const bytes = tf.memory().numBytes - before;
        opt.dispose();
        p.dispose();
        return { bytes, paramBytes };
      };
      const plain = held(() => withTransforms(tf.train.adam(0.01), transforms.monitor()));
      for (const keep of [1, 2, 4]) {
        const wrapped = held(() => withRecovery(withTransforms(tf.train.adam(0.01), transforms.monitor()), { keep, snapshotEvery: 1 }));
        // per snapshot: the variables, Adam's 2 moments, accBeta1 and accBeta2 (float32 scalars)
        const want = keep * (3 * plain.paramBytes + 8);
        assert.equal(wrapped.bytes - plain.bytes, want, `keep ${keep}: ${wrapped.bytes - plain.bytes} bytes, want ${want}`);
      }
      disposeBatches(all);
    });
  });
}

describe('withRecovery in model.fit with gradStatsCallback (cpu, wasm)', () => {
  function model(): Sequential {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 5, inputShape: [4], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 31 }) }));
    m.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 32 }) }));
    return m;
  }
  function data(n: number, badBatch: number | null, batch: number): { xs: Tensor; ys: Tensor } {
    const x = Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(0.7 * i + 0.3));
    if (badBatch !== null) x[badBatch * batch * 4 + 2] = Number.NaN;
    const y = Float32Array.from({ length: n }, (_, i) => Math.cos(0.9 * i));
    return { xs: tf.tensor2d(x, [n, 4]), ys: tf.tensor2d(y, [n, 1]) };
  }
  for (const backend of BACKENDS) {
    it(`a NaN batch is dropped: weights equal fit on the other batches (${backend})`, async () => {
      await useBackend(backend);
      const B = 4;
      const start = tf.memory().numTensors;
      const a = model();
      const opt = withRecovery(withClipping(tf.train.adam(0.02), { globalClipnorm: 1 }), { snapshotEvery: 1 });
      a.compile({ optimizer: opt, loss: 'meanSquaredError' });
      const { xs, ys } = data(32, 3, B);
      const seen: StepStats[] = [];
      await a.fit(xs, ys, { batchSize: B, epochs: 1, shuffle: false, verbose: 0, callbacks: [gradStatsCallback(opt, { onStep: (s) => void seen.push(s) })] });
      assert.equal(seen.length, 8);
      assert.deepEqual(seen[3].recovered, { toStep: 3, lostSteps: 1, trigger: 'nonfinite' });
      assert.equal(seen.filter((s) => s.recovered).length, 1);

      const b = model();
      const ref = withClipping(tf.train.adam(0.02), { globalClipnorm: 1 });
      b.compile({ optimizer: ref, loss: 'meanSquaredError' });
      const clean = data(32, null, B);
      const keepIdx = Array.from({ length: 32 }, (_, i) => i).filter((i) => Math.floor(i / B) !== 3);
      const cx = tf.gather(clean.xs, keepIdx);
      const cy = tf.gather(clean.ys, keepIdx);
      await b.fit(cx, cy, { batchSize: B, epochs: 1, shuffle: false, verbose: 0 });
      const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
      const wb = b.getWeights().map((w) => Array.from(w.dataSync()));
      assert.deepEqual(wa, wb);
      tf.dispose([xs, ys, clean.xs, clean.ys, cx, cy]);
      a.dispose();
      b.dispose();
      opt.dispose();
      ref.dispose();
      assert.equal(tf.memory().numTensors, start);
    });
  }
});

describe('withRecovery survives model.save / tf.loadLayersModel with includeOptimizer (cpu)', () => {
  before(() => useBackend('cpu'));
  it('the loaded model trains with recovery, same options, same inner clipping', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: tf.initializers.glorotUniform({ seed: 51 }) }));
    const opt = withRecovery(withClipping(tf.train.rmsprop(0.01), { globalClipnorm: 1 }), { on: ['nonfinite', 'lossSpike'], keep: 3, lrFactor: 0.5 });
    m.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const xs = tf.tensor2d([1, 2, 3, 4, 5, 6, NaN, 1, 1, 2, 2, 2], [4, 3]);
    const ys = tf.zeros([4, 2]);
    await m.fit(xs, ys, { batchSize: 1, epochs: 1, shuffle: false, verbose: 0 });
    assert.equal(opt.recoveries, 1);
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), { includeOptimizer: true });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const lopt = loaded.optimizer as unknown as RecoveringOptimizer;
    assert.ok(lopt instanceof RecoveringOptimizer);
    assert.equal(lopt.recoveries, 1);
    assert.deepEqual({ ...lopt.getConfig(), optimizer: undefined }, { ...opt.getConfig(), optimizer: undefined });
    assert.ok(lopt.core instanceof TransformingOptimizer && lopt.core.inner.getClassName() === 'RMSProp');
    await loaded.fit(xs, ys, { batchSize: 1, epochs: 1, shuffle: false, verbose: 0 });
    assert.equal(lopt.recoveries, 2);
    tf.dispose([xs, ys]);
    m.dispose();
    loaded.dispose();
    opt.dispose();
    lopt.dispose();
  });
});

describe('withRecovery: arguments', () => {
  before(() => useBackend('cpu'));
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['keep 0', () => withRecovery(tf.train.sgd(0.1), { keep: 0 }), /withRecovery: keep must be an integer >= 1, got 0/],
    ['snapshotEvery 1.5', () => withRecovery(tf.train.sgd(0.1), { snapshotEvery: 1.5 }), /withRecovery: snapshotEvery must be an integer >= 1/],
    ['on unknown', () => withRecovery(tf.train.sgd(0.1), { on: ['nan' as never] }), /withRecovery: on must hold triggers among 'nonfinite', 'lossSpike', 'gradSpike', got "nan"/],
    ['on empty', () => withRecovery(tf.train.sgd(0.1), { on: [] }), /withRecovery: on must name at least one trigger/],
    ['lrFactor 0', () => withRecovery(tf.train.sgd(0.1), { lrFactor: 0 }), /withRecovery: lrFactor must be > 0/],
    ['typo', () => withRecovery(tf.train.sgd(0.1), { snapshotevery: 3 } as never), /withRecovery: unknown option "snapshotevery".*did you mean "snapshotEvery"/],
    ['minHistory > window', () => withRecovery(tf.train.sgd(0.1), { window: 5, minHistory: 6 }), /withRecovery: minHistory \(6\) must not exceed window \(5\)/],
    ['not an optimizer', () => withRecovery({} as never), /withRecovery/],
    ['twice', () => withRecovery(withRecovery(tf.train.sgd(0.1))), /withRecovery: the optimizer already has recovery/],
    ['measure false', () => withRecovery(withTransforms(tf.train.sgd(0.1), transforms.clipByValue(1), { measure: false })), /withRecovery: the optimizer was made with measure: false/],
  ];
  for (const [label, f, re] of cases) {
    it(label, () => assert.throws(f, (e: unknown) => e instanceof GradclipArgumentError && re.test((e as Error).message)));
  }
  it('lrFactor != 1 with an optimizer without learningRate', () => {
    class NoLr extends tf.Optimizer {
      static className = 'NoLrForRecoveryTest';
      applyGradients(): void {}
      getConfig(): tf.serialization.ConfigDict {
        return {};
      }
    }
    assert.throws(
      () => withRecovery(new NoLr(), { lrFactor: 0.5 }),
      (e: unknown) => e instanceof GradclipArgumentError && /lrFactor 0\.5 needs an optimizer with a numeric learningRate field, and NoLrForRecoveryTest has none; use lrFactor: 1/.test((e as Error).message),
    );
    withRecovery(new NoLr()).dispose();
  });
  it('getConfig / fromConfig round trip through tf.serialization', () => {
    const opt = withRecovery(withClipping(tf.train.adam(0.01), { globalClipnorm: 2 }), { keep: 3, on: 'lossSpike', lrFactor: 0.5 });
    const cfg = opt.getConfig();
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[RecoveringOptimizer.className];
    const back = entry[1](entry[0], cfg) as unknown as RecoveringOptimizer;
    assert.ok(back instanceof RecoveringOptimizer);
    assert.deepEqual(back.getConfig(), cfg);
    opt.dispose();
    back.dispose();
  });
});

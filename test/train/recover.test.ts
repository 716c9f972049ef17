/**
 * The run options added for AdaGC, StableAdamW and recovery: `--clip
 * adagc:<lambdaRel>`, `--optimizer stableadamw`, and `recover`
 * (`withRecovery` around the run's optimizer; the summary's `recoveries`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { resolveRunConfig, RECOVERY_OPTIONS } from '../../packages/cli/src/train/config.js';
import { createExperiment } from '../../packages/cli/src/train/experiment.js';
import { createOptimizer } from '../../packages/cli/src/train/optimizer.js';
import { summarizeRun } from '../../packages/cli/src/train/summary.js';
import { AdamW } from '../../packages/gradclip/src/optim/adamw.js';

const small = { task: 'addition', model: 'rnn', length: 12, batch: 6, steps: 8, lr: 0.05, evalSize: 40 } as const;
/** The demo's unclipped run at T = 50: its loss goes non-finite within a few dozen steps. */
const exploding = { task: 'addition', model: 'rnn', init: 'normal:0.2', lr: 0.1, length: 50, batch: 20, steps: 300, clip: 'none', seed: 1, evalSize: 40 } as const;

describe('--clip adagc', () => {
  it('trains with AdaGC (its global-clipping warm-up here)', async () => {
    await useBackend('cpu');
    const e = createExperiment({ ...small, clip: 'adagc:1.05', steps: 6 });
    while (!e.done) e.step();
    assert.equal(e.stats.length, 6);
    assert.equal(e.divergedAtStep, null);
    for (const s of e.stats) assert.ok(Number.isFinite(s.preClipNorm as number));
    e.dispose();
  });
});

describe('--optimizer stableadamw', () => {
  it('is adamw with update clipping, at --lr and --weight-decay', () => {
    const o = createOptimizer({ optimizer: 'stableadamw', lr: 0.002, momentum: 0.9, weightDecay: 0.05 });
    assert.ok(o instanceof AdamW);
    assert.equal(o.updateClipping, true);
    assert.equal((o as unknown as { learningRate: number }).learningRate, 0.002);
    const plain = createOptimizer({ optimizer: 'adamw', lr: 0.002, momentum: 0.9, weightDecay: 0.05 });
    assert.equal((plain as AdamW).updateClipping, false);
    o.dispose();
    plain.dispose();
  });
  it('--weight-decay has an effect with it, --momentum does not', () => {
    assert.equal(resolveRunConfig({ optimizer: 'stableadamw', weightDecay: 0.1 }, { given: ['optimizer', 'weightDecay'] }).weightDecay, 0.1);
    assert.throws(() => resolveRunConfig({ optimizer: 'stableadamw', momentum: 0.5 }, { given: ['optimizer', 'momentum'] }), /--momentum has no effect: only --optimizer momentum uses it \(this run uses --optimizer stableadamw\)/);
  });
  it('trains', async () => {
    await useBackend('cpu');
    const e = createExperiment({ ...small, optimizer: 'stableadamw', lr: 0.01, steps: 5 });
    while (!e.done) e.step();
    assert.equal(e.divergedAtStep, null);
    assert.ok(e.stats.every((s) => Number.isFinite(s.loss as number)));
    e.dispose();
  });
});

describe('recover', () => {
  it('is off by default; calibrate refuses it; the options are the documented defaults', () => {
    assert.equal(resolveRunConfig({}).recover, false);
    assert.throws(() => resolveRunConfig({ recover: true, steps: 50 }, { given: ['recover'], purpose: 'calibrate' }), /--recover has no effect: calibrate/);
    assert.throws(() => resolveRunConfig({ recover: 'yes' as unknown as boolean }), /recover must be true or false/);
    assert.deepEqual({ ...RECOVERY_OPTIONS, on: [...RECOVERY_OPTIONS.on] }, { on: ['nonfinite'], snapshotEvery: 10, keep: 2, lrFactor: 0.5, maxRecoveries: 5 });
  });

  it('without it: recoveries 0 and no optimizer wrapper', async () => {
    await useBackend('cpu');
    const e = createExperiment({ ...small, steps: 3 });
    while (!e.done) e.step();
    assert.equal(e.recovery, null);
    assert.equal(e.recoveries, 0);
    const s = summarizeRun({ config: e.config, stats: e.stats, divergedAtStep: null, finalEval: null, entropyBaseline: null, wallSeconds: 0, backend: 'cpu' });
    assert.equal(s.recoveries, 0);
    assert.equal(s.lostSteps, 0);
    e.dispose();
  });

  it('the unclipped run that diverges finishes all its steps with recover: rollbacks halve the rate, weights finite', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const plain = createExperiment(exploding);
    while (!plain.done) plain.step();
    assert.notEqual(plain.divergedAtStep, null, 'the unclipped run diverges');
    plain.dispose();
    const e = createExperiment({ ...exploding, recover: true });
    while (!e.done) e.step();
    const events = e.stats.filter((s) => s.recovered !== undefined);
    assert.ok(events.length >= 1 && events.length < RECOVERY_OPTIONS.maxRecoveries, `rolled back ${events.length} times`);
    assert.equal(e.recoveries, events.length);
    for (const s of events) {
      assert.equal(s.recovered?.trigger, 'nonfinite');
      assert.ok(s.recovered !== undefined && s.recovered.lostSteps >= 1 && s.recovered.toStep < s.step);
    }
    assert.equal(e.divergedAtStep, null);
    assert.equal(e.stepsDone, exploding.steps);
    assert.equal(e.weightsFinite(), true);
    assert.ok(Math.abs((e.recovery?.learningRate ?? NaN) - exploding.lr * RECOVERY_OPTIONS.lrFactor ** events.length) < 1e-12);
    const s = summarizeRun({ config: e.config, stats: e.stats, divergedAtStep: e.divergedAtStep, finalEval: null, entropyBaseline: null, wallSeconds: 0, backend: 'wasm' });
    assert.equal(s.recoveries, events.length);
    assert.equal(s.lostSteps, e.lostSteps);
    assert.equal(s.diverged, false);
    e.dispose();
    assert.equal(tf.memory().numTensors, before, 'snapshots freed by dispose');
  });

  it('past maxRecoveries the run ends as diverged (no throw), weights left at the last finite snapshot', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const e = createExperiment({ ...exploding, lr: 50, recover: true });
    while (!e.done) e.step();
    assert.equal(e.recoveries, RECOVERY_OPTIONS.maxRecoveries);
    assert.equal(e.divergedAtStep, e.stepsDone, 'the step past maxRecoveries ends the run');
    assert.ok(e.stepsDone < exploding.steps);
    assert.equal(e.weightsFinite(), true);
    const s = summarizeRun({ config: e.config, stats: e.stats, divergedAtStep: e.divergedAtStep, finalEval: null, entropyBaseline: null, wallSeconds: 0, backend: 'wasm' });
    assert.equal(s.recoveries, 5);
    assert.equal(s.diverged, true);
    e.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('a run that needs no rollback is the same run as without --recover', async () => {
    await useBackend('cpu');
    const runOnce = (recover: boolean): (number | null)[] => {
      const e = createExperiment({ ...small, clip: 'norm:1', recover });
      while (!e.done) e.step();
      const out = e.stats.map((s) => s.loss);
      assert.equal(e.recoveries, 0);
      e.dispose();
      return out;
    };
    assert.deepEqual(runOnce(true), runOnce(false));
  });
});

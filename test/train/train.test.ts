/**
 * The experiment runner: --clip parsing, config validation, the JSON
 * summary (against numbers computed here), determinism, divergence
 * detection, skipping non-finite steps, calibration restoring the weights.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { parseClipSpec, parseClipList, clipTransform } from '../../packages/cli/src/train/clip-spec.js';
import { resolveRunConfig, DEFAULT_RUN_CONFIG } from '../../packages/cli/src/train/config.js';
import { createExperiment } from '../../packages/cli/src/train/experiment.js';
import { summarizeRun } from '../../packages/cli/src/train/summary.js';
import type { StepStats } from 'gradclip';

describe('clip specs', () => {
  it('parses every documented form', () => {
    assert.deepEqual(parseClipSpec('none'), { kind: 'none', text: 'none' });
    assert.deepEqual(parseClipSpec('norm:1.0'), { kind: 'norm', value: 1, text: 'norm:1' });
    assert.deepEqual(parseClipSpec('value:0.5'), { kind: 'value', value: 0.5, text: 'value:0.5' });
    assert.deepEqual(parseClipSpec('autoclip:10'), { kind: 'autoclip', value: 10, text: 'autoclip:10' });
    assert.deepEqual(parseClipSpec('agc:0.01'), { kind: 'agc', value: 0.01, text: 'agc:0.01' });
    assert.deepEqual(parseClipSpec('zclip:2.5'), { kind: 'zclip', value: 2.5, text: 'zclip:2.5' });
    assert.deepEqual(parseClipSpec('adagc:1.05'), { kind: 'adagc', value: 1.05, text: 'adagc:1.05' });
    assert.deepEqual(parseClipList('none,adagc:1.05,agc:0.01').map((s) => s.kind), ['none', 'adagc', 'agc']);
    assert.deepEqual(parseClipList('none, norm:1').map((s) => s.text), ['none', 'norm:1']);
  });
  for (const bad of ['', 'norm', 'norm:', 'adagc', 'adagc:0', 'adagc:-1', 'norm:-1', 'norm:0', 'norm:NaN', 'clamp:1', 'autoclip:150', 'value:x']) {
    it(`rejects "${bad}" naming the valid forms`, () => {
      assert.throws(() => parseClipSpec(bad), /valid forms are none, norm:<max>, value:<v>, autoclip:<percentile>, agc:<lambda>, zclip:<z>, adagc:<lambdaRel>|percentile must be in/);
    });
  }
  it('builds transforms whose names say what they do', () => {
    assert.equal(clipTransform(parseClipSpec('norm:2')).name, 'chain(clipByGlobalNorm(2))');
    assert.match(clipTransform(parseClipSpec('adagc:1.05')).name, /^chain\(adaGC\(/);
    assert.equal(clipTransform(parseClipSpec('none'), { skipNonFinite: true }).name.startsWith('chain(skipNonFinite'), true);
  });
});

describe('run config', () => {
  it('keeps only run fields (CLI-only flags such as --out or --json do not leak into summary.json)', () => {
    const c = resolveRunConfig({ task: 'addition', out: 'runs/x', json: true, backend: 'wasm' } as Parameters<typeof resolveRunConfig>[0]);
    assert.deepEqual(Object.keys(c).sort(), Object.keys(DEFAULT_RUN_CONFIG).sort());
  });
  it('fills defaults and picks the transformer and warm-up for charlm', () => {
    const c = resolveRunConfig({ task: 'charlm' });
    assert.equal(c.model, 'transformer');
    assert.equal(c.warmup, 100);
    assert.equal(resolveRunConfig({}).lr, DEFAULT_RUN_CONFIG.lr);
  });
  for (const [partial, re] of [
    [{ task: 'adding' }, /unknown task "adding": valid tasks are addition, multiplication/],
    [{ model: 'mlp' }, /unknown model "mlp": valid models are rnn, lstm, gru, transformer/],
    [{ optimizer: 'lion' as never }, /unknown optimizer "lion": valid optimizers are sgd, momentum, adam, adamw/],
    [{ steps: 0 }, /--steps must be an integer >= 1, got 0/],
    [{ lr: -1 }, /--lr must be a finite number > 0, got -1/],
    [{ momentum: 1 }, /--momentum must be in \[0, 1\)/],
  ] as const) {
    it(`rejects ${JSON.stringify(partial)}`, () => assert.throws(() => resolveRunConfig(partial), re));
  }
});

function stat(step: number, o: Partial<StepStats>): StepStats {
  return { step, loss: 1, preClipNorm: 1, postClipNorm: 1, clipCoef: 1, clipped: false, skipped: false, ...o };
}

describe('run summary', () => {
  it('computes the contract fields from the steps', () => {
    const stats = [
      stat(1, { preClipNorm: 4, clipped: true, loss: 3 }),
      stat(2, { preClipNorm: 1, loss: 2 }),
      stat(3, { preClipNorm: Number.NaN, skipped: true, loss: Number.NaN }),
      stat(4, { preClipNorm: 9, clipped: true, loss: 0.5 }),
      stat(5, { preClipNorm: 2, loss: 0.25 }),
    ];
    const s = summarizeRun({ config: resolveRunConfig({}), stats, divergedAtStep: null, finalEval: { step: 5, loss: 0.3, errorRate: 0.1 }, entropyBaseline: null, wallSeconds: 1, backend: 'cpu' });
    assert.equal(s.steps, 5);
    assert.equal(s.diverged, false);
    assert.equal(s.finalLoss, 0.25);
    assert.equal(s.maxPreClipNorm, 9);
    assert.equal(s.medianPreClipNorm, 3); // median of the finite norms 1, 2, 4, 9
    assert.equal(s.clipRate, 2 / 4); // skipped step excluded
    assert.equal(s.skippedSteps, 1);
    assert.equal(s.nonFiniteSteps, 1);
    assert.equal(s.errorRate, 0.1);
    assert.equal(JSON.parse(JSON.stringify(s)).finalLoss, 0.25);
  });
  it('writes null for a non-finite final loss', () => {
    const s = summarizeRun({ config: resolveRunConfig({}), stats: [stat(1, { loss: Number.POSITIVE_INFINITY })], divergedAtStep: 1, finalEval: null, entropyBaseline: null, wallSeconds: 0, backend: 'cpu' });
    assert.equal(s.finalLoss, null);
    assert.equal(s.diverged, true);
    assert.equal(s.divergedAtStep, 1);
    assert.equal(s.errorRate, null);
  });
});

describe('experiment', () => {
  const small = { task: 'addition', model: 'rnn', length: 12, batch: 6, steps: 8, lr: 0.05, evalSize: 40 } as const;

  it('is deterministic for a seed and differs across seeds', async () => {
    await useBackend('cpu');
    const runOnce = (seed: number) => {
      const e = createExperiment({ ...small, clip: 'norm:1', seed });
      while (!e.done) e.step();
      const out = e.stats.map((s) => [s.loss, s.preClipNorm]);
      e.dispose();
      return out;
    };
    assert.deepEqual(runOnce(4), runOnce(4));
    assert.notDeepEqual(runOnce(4), runOnce(5));
  });

  it('records clipping in the stats: post-clip norm = max norm on clipped steps', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const e = createExperiment({ ...small, clip: 'norm:0.01', steps: 5 });
    while (!e.done) {
      const s = e.step();
      assert.ok(s.clipped, 'a 0.01 threshold clips every step');
      assert.ok(Math.abs((s.postClipNorm as number) - 0.01) < 1e-7);
      assert.ok(Math.abs((s.clipCoef as number) - 0.01 / (s.preClipNorm as number)) < 1e-6);
      assert.ok(s.layerNorms && Object.keys(s.layerNorms).length === 5, 'per-variable norms of the 5 rnn variables');
      const sumSq = Object.values(s.layerNorms).reduce((a, n) => a + n * n, 0);
      assert.ok(Math.abs(Math.sqrt(sumSq) - (s.preClipNorm as number)) < 1e-4 * (s.preClipNorm as number), 'layer norms compose the global norm');
    }
    e.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensors left after dispose');
  });

  it('detects divergence at the first non-finite loss and stops', async () => {
    await useBackend('wasm');
    const e = createExperiment({ task: 'addition', model: 'rnn', init: 'normal:0.2', lr: 0.1, length: 50, steps: 300, clip: 'none', seed: 1 });
    while (!e.done) e.step();
    assert.notEqual(e.divergedAtStep, null);
    assert.equal(e.stepsDone, e.divergedAtStep);
    const last = e.stats[e.stats.length - 1];
    assert.ok(!Number.isFinite(last.loss as number) || !e.weightsFinite());
    assert.throws(() => e.step(), /the run is finished/);
    e.dispose();
  });

  it('with skipNonFinite the non-finite steps are skipped and the weights stay finite', async () => {
    await useBackend('cpu');
    const cfg = { task: 'addition', model: 'rnn', init: 'normal:0.2', lr: 0.1, length: 50, steps: 40, clip: 'none', seed: 1, stopOnDivergence: false } as const;
    const plain = createExperiment(cfg);
    while (!plain.done) plain.step();
    assert.equal(plain.weightsFinite(), false, 'without the guard the weights go non-finite');
    assert.ok(plain.stats.some((s) => s.loss !== null && Number.isNaN(s.loss)), 'a NaN loss is reported as NaN, not as missing');
    plain.dispose();
    const guarded = createExperiment({ ...cfg, skipNonFinite: true });
    while (!guarded.done) guarded.step();
    const skipped = guarded.stats.filter((s) => s.skipped);
    assert.ok(skipped.length > 0);
    for (const s of skipped) assert.ok(!Number.isFinite(s.preClipNorm as number), 'only non-finite steps are skipped');
    assert.equal(guarded.weightsFinite(), true);
    guarded.dispose();
  });

  it('calibrate() leaves the weights exactly as they were', async () => {
    await useBackend('cpu');
    const e = createExperiment({ ...small, clip: 'norm:1' });
    e.step();
    const before = e.variables.map((v) => Array.from(v.dataSync()));
    const r = await e.calibrate(25);
    assert.equal(r.norms.length, 25);
    assert.ok(r.threshold >= r.median);
    assert.deepEqual(e.variables.map((v) => Array.from(v.dataSync())), before);
    e.dispose();
  });
});

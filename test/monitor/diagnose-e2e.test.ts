/**
 * diagnose() end to end on real training runs (issue 3, "What it must show"):
 * (a) an unclipped vanilla RNN on Pascanu et al.'s addition task whose norms
 *     explode is diagnosed `exploding` at the step computed independently here
 *     from the recorded stats with diagnose's documented rules;
 * (b) a deep stack of sigmoid dense layers with a small initialisation is
 *     diagnosed `vanishing`, naming the early layers (the layer-gap rule,
 *     recomputed here in float64);
 * (c) a small LSTM trained with Adam and clipping is `healthy`.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { trainSigmoidStack } from '../helpers/sigmoid-stack.js';
import { createExperiment } from '../../packages/cli/src/train/experiment.js';
import { diagnose } from '../../packages/gradclip/src/monitor/diagnose/index.js';
import type { StepStats } from '../../packages/gradclip/src/core/step-stats.js';

/** Median of a non-empty array, in float64 (written out here, independent of src/core). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const isBad = (x: number | null | undefined): boolean => typeof x === 'number' && !Number.isFinite(x);

/**
 * diagnose's documented exploding rules with its defaults (window 20, spikeFactor 10,
 * minHistory 5, trendFactor 1000), recomputed from the records. Returns record indices (-1: none).
 */
function explodingEvents(stats: readonly StepStats[]): { nonFinite: number; spike: number; growth: number } {
  const nonFinite = stats.findIndex(
    (s) => isBad(s.loss) || isBad(s.preClipNorm) || Object.values(s.layerNorms ?? {}).some((v) => !Number.isFinite(v)),
  );
  // Spike: norm_t > 10 x median of the previous (up to) 20 finite norms, at least 5 of them.
  let spike = -1;
  const history: number[] = [];
  for (let i = 0; i < stats.length && spike < 0; i++) {
    const x = stats[i].preClipNorm ?? Number.NaN;
    if (history.length >= 5 && Number.isFinite(x)) {
      const m = median(history.slice(-20));
      if (m > 0 && x > 10 * m) spike = i;
    }
    if (Number.isFinite(x)) history.push(x);
  }
  // Growth: median of the last window >= 1000 x median of the first (w = min(20, floor(finite / 2)) >= 5);
  // its step is the first norm above 10 x the first window's median.
  let growth = -1;
  const finite = stats.map((s) => s.preClipNorm ?? Number.NaN).filter((x) => Number.isFinite(x));
  const w = Math.min(20, Math.floor(finite.length / 2));
  if (w >= 5) {
    const first = median(finite.slice(0, w));
    const last = median(finite.slice(finite.length - w));
    if (first > 0 && last >= 1000 * first) growth = stats.findIndex((s) => Number.isFinite(s.preClipNorm ?? NaN) && s.preClipNorm! > 10 * first);
  }
  return { nonFinite, spike, growth };
}

describe('diagnose end to end', () => {
  it('(a) unclipped RNN on addition T=50, init N(0, 0.2), lr 0.1: exploding at the first spike, advice is to clip (wasm)', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const e = createExperiment({
      task: 'addition',
      model: 'rnn',
      init: 'normal:0.2',
      lr: 0.1,
      length: 50,
      clip: 'none',
      steps: 100,
      stopOnDivergence: false,
      evalSize: 10,
    });
    while (!e.done) e.step();
    const stats = e.stats;
    e.dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.equal(stats.length, 100);

    const ev = explodingEvents(stats);
    // The run really explodes: a spike and, later, NaN/Inf.
    assert.ok(ev.spike >= 0, 'no norm spike in the run');
    assert.ok(ev.nonFinite >= 0, 'the run never became non-finite');
    const candidates = [ev.nonFinite, ev.spike, ev.growth].filter((i) => i >= 0);
    const firstIdx = Math.min(...candidates);
    assert.equal(firstIdx, ev.spike, 'in this run the first exploding evidence is a norm spike');

    const d = diagnose(stats);
    assert.equal(d.status, 'exploding');
    assert.equal(d.firstEventStep, stats[firstIdx].step);
    assert.equal(d.findings[0].kind, 'norm-spike');
    assert.equal(d.findings[0].step, stats[ev.spike].step);
    assert.equal(d.findings.find((f) => f.kind === 'non-finite')?.step, stats[ev.nonFinite].step);
    assert.ok(d.flags.includes('non-finite'));
    assert.match(d.summary, new RegExp(`^Exploding gradients from step ${stats[firstIdx].step}\\.`));
    // Advice: clip first, then lower the learning rate, and guard against NaN/Inf.
    assert.match(d.recommendations[0], /[Cc]lip gradients by global norm/);
    assert.ok(d.recommendations.some((r) => /skipNonFinite/.test(r)));
    // A recommended threshold, when there is one, must clip the explosion: below the first spike.
    if (d.recommendedThreshold !== null) {
      assert.ok(
        d.recommendedThreshold < stats[ev.spike].preClipNorm!,
        `recommended threshold ${d.recommendedThreshold} does not clip the first spike (${stats[ev.spike].preClipNorm})`,
      );
    }
  });

  it('(b) 12 dense sigmoid layers (width 24, N(0, 0.3) init), SGD: vanishing, naming the early layers (cpu)', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const L = 12;
    const W = 24;
    const N = 32;
    const IN = 8;
    // Seeded data and weights (mulberry32 + Box-Muller).
    let a = 12345;
    const u = (): number => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const normal = (std: number): number => std * Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());
    const STEPS = 40;
    const { stats, names } = trainSigmoidStack({ normal, name: (l, part) => `deepsig/dense${l}/${part}`, layers: L, width: W, examples: N, inputs: IN, steps: STEPS });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(stats.length, STEPS);

    // The layer-gap rule recomputed: layers in forward order; the last third (ceil(24 / 3) = 8 variables)
    // are "late"; an earlier layer is flagged when its median norm <= (largest late median) / 1000.
    assert.deepEqual(Object.keys(stats[0].layerNorms ?? {}), names, 'per-layer norms are recorded in forward order');
    const med = new Map(names.map((n) => [n, median(stats.map((s) => s.layerNorms![n]))]));
    const lateCount = Math.ceil(names.length / 3);
    const late = names.slice(names.length - lateCount);
    const ref = Math.max(...late.map((n) => med.get(n)!));
    const expectedGap = names.slice(0, names.length - lateCount).filter((n) => med.get(n)! <= ref / 1000);

    const d = diagnose(stats);
    assert.equal(d.status, 'vanishing', d.summary);
    const gap = d.findings.find((f) => f.kind === 'layer-gap');
    assert.ok(gap, 'a layer-gap finding');
    assert.deepEqual(gap.layers, expectedGap);
    // The first layers are named, the last layer is not.
    for (const n of ['deepsig/dense0/kernel', 'deepsig/dense0/bias', 'deepsig/dense1/kernel']) assert.ok(gap.layers!.includes(n), n);
    for (const n of [`deepsig/dense${L - 1}/kernel`, `deepsig/dense${L - 1}/bias`]) assert.ok(!gap.layers!.includes(n), n);
    // Many orders of magnitude between the first and the last layer.
    assert.ok(med.get('deepsig/dense0/kernel')! < 1e-4 * med.get(`deepsig/dense${L - 1}/kernel`)!);
    const recs = d.recommendations.join('\n');
    assert.match(recs, /residual/i);
    assert.match(recs, /normalisation/i);
    assert.match(recs, /initialisation/i);
    assert.match(d.summary, /deepsig\/dense0\/kernel/);
  });

  it('(c) a small LSTM with Adam and clip norm:1 on addition T=10 is healthy (wasm)', async () => {
    await useBackend('wasm');
    const e = createExperiment({
      task: 'addition',
      model: 'lstm',
      optimizer: 'adam',
      lr: 0.01,
      hidden: 16,
      length: 10,
      clip: 'norm:1',
      steps: 80,
      evalSize: 10,
    });
    while (!e.done) e.step();
    const stats = e.stats;
    e.dispose();
    const ev = explodingEvents(stats);
    assert.deepEqual(ev, { nonFinite: -1, spike: -1, growth: -1 });
    const d = diagnose(stats);
    assert.equal(d.status, 'healthy', d.summary);
    assert.equal(d.firstEventStep, null);
    assert.equal(d.findings.filter((f) => f.kind !== 'clipping-saturated').length, 0);
    assert.match(d.summary, /^Healthy: over 80 steps/);
  });
});

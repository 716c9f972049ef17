/**
 * diagnose's ranked causes on real training runs of the CLI's trainer
 * (createExperiment, wasm backend), whose cause is known by construction
 * (issue 14, part 3):
 *
 * - the demo's unclipped vanilla RNN (addition, T = 20, N(0, 0.2) init, SGD
 *   lr 0.1): the recurrent gradient explodes, then the tanh units saturate
 *   and their gradient is exactly 0 while the read-out runs away →
 *   `exploding-through-time`, with `saturation-after-explosion` right after;
 * - an LSTM (16 units, T = 10) with SGD at lr 10, 100× the lr 0.1 at which the
 *   same LSTM trains, clipped at norm 1 (its unclipped twin diverges) →
 *   `learning-rate-too-high`, and no advice to raise the threshold;
 * - the same LSTM with Adam at lr 1, 1000× its customary rate, clipped at norm 1
 *   → `learning-rate-too-high`;
 * - the same LSTM at lr 0.1 → `healthy`.
 *
 * The flow cases run with the trainer's `flowEvery` (the CLI's `--flow-every`).
 *
 * The numbers quoted in the evidence are recomputed here from the records.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { createExperiment } from '../../packages/cli/src/train/experiment.js';
import type { RunConfig } from '../../packages/cli/src/train/config.js';
import { diagnose } from '../../packages/gradclip/src/monitor/diagnose/index.js';
import type { StepStats } from '../../packages/gradclip/src/core/step-stats.js';

function train(c: Partial<RunConfig>): StepStats[] {
  const before = tf.memory().numTensors;
  const e = createExperiment({ evalSize: 10, ...c });
  while (!e.done) e.step();
  const stats = e.stats;
  e.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  return stats;
}

/** `sqrt(Σ norm²)` of the variables of layer `prefix` (names `.../<prefix>/<var>`), per record. */
function groupNorm(s: StepStats, prefix: string): number {
  let sum = 0;
  for (const [k, v] of Object.entries(s.layerNorms ?? {})) if (k.slice(0, k.lastIndexOf('/')).endsWith(prefix)) sum += v * v;
  return Math.sqrt(sum);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** 3 significant digits, as the diagnosis writes numbers. */
function sig3(x: number): string {
  return Number(x.toPrecision(3)).toString().replace(/e\+?/, 'e');
}

const RAISE = /raise (the )?(clipping )?threshold/i;

describe('diagnose causes on real runs', () => {
  before(async () => {
    await useBackend('wasm');
  });

  it("the demo's unclipped RNN: exploding-through-time, then saturation-after-explosion", () => {
    const config: Partial<RunConfig> = { task: 'addition', model: 'rnn', init: 'normal:0.2', length: 20, batch: 20, steps: 300, optimizer: 'sgd', lr: 0.1, clip: 'none', seed: 1 };
    const stats = train(config);
    // The run as the users describe it: the recurrent gradient explodes, then is exactly 0 while the read-out runs away.
    const rnn = stats.map((s) => groupNorm(s, '/rnn'));
    const out = stats.map((s) => groupNorm(s, '/out'));
    const deadFrom = rnn.findIndex((_, i) => rnn.slice(i).every((x) => x === 0));
    assert.ok(deadFrom > 0 && stats.length - deadFrom >= 3, 'the recurrent gradient is exactly 0 at the end');
    const peak = rnn.slice(0, deadFrom).reduce((a, b) => Math.max(a, b));
    assert.ok(peak > 1e4 * rnn[0], 'it exploded first');
    assert.ok(Math.max(...out.slice(deadFrom)) > 1e10, 'the read-out ran away');

    const d = diagnose(stats, {}, { model: 'rnn', layers: 2, activation: 'tanh', sequenceLength: 20, optimizer: 'sgd', learningRate: 0.1, clip: 'none' });
    const causes = d.causes!;
    assert.equal(causes[0].cause, 'exploding-through-time', JSON.stringify(causes, null, 1));
    assert.equal(causes[1].cause, 'saturation-after-explosion');
    // The jump of the recurrent layer at the first exploding event, recomputed.
    const e = stats.findIndex((s) => s.step === d.firstEventStep);
    const ratio = rnn[e] / median(rnn.slice(0, e));
    assert.ok(causes[0].evidence.some((x) => x.includes(`jumped ${sig3(ratio)}×`)), causes[0].evidence.join('\n'));
    // The saturation is dated and tied to the explosion.
    const sat = causes[1].evidence[0];
    assert.ok(sat.includes(`exactly 0 from step ${stats[deadFrom].step}`), sat);
    assert.ok(sat.includes(`exploded at step ${d.firstEventStep}`), sat);
    // Fixes fit a two-layer RNN: clipping first; no residual connections anywhere.
    assert.match(causes[0].fixes[0], /[Cc]lip the gradient by global norm/);
    assert.ok(causes[0].fixes.some((f) => /LSTM or GRU/.test(f)));
    for (const c of causes) for (const f of c.fixes) assert.doesNotMatch(f, /residual/i);
    assert.ok(!d.recommendations.some((r) => /residual/i.test(r)), 'the old recommendations drop residual connections for an RNN');
    // The existing fields are unchanged.
    assert.equal(d.status, 'exploding');
    assert.ok(d.findings.some((f) => f.kind === 'layer-gap'));
  });

  it("the demo's RNN with --flow-every 1: the flow of the exploding step shows the growth through time", () => {
    const stats = train({ task: 'addition', model: 'rnn', init: 'normal:0.2', length: 20, batch: 20, steps: 300, optimizer: 'sgd', lr: 0.1, clip: 'none', seed: 1, flowEvery: 1 });
    const d = diagnose(stats, {}, { model: 'rnn', layers: 2, activation: 'tanh', sequenceLength: 20, optimizer: 'sgd', learningRate: 0.1, clip: 'none' });
    const causes = d.causes!;
    assert.equal(causes[0].cause, 'exploding-through-time', JSON.stringify(causes, null, 1));
    assert.equal(causes[1].cause, 'saturation-after-explosion');
    assert.ok(causes[0].confidence >= 0.9);
    // The flow of the first exploding step, read here: it grows going back in time, over 2 decades.
    const e = stats.findIndex((s) => s.step === d.firstEventStep);
    const flow = stats[e].flow!;
    const T = flow.timeNorms.length;
    assert.ok(flow.growth! > 1 && flow.timeNorms[0] > 100 * flow.timeNorms[T - 1], JSON.stringify(flow));
    assert.ok(
      causes[0].evidence[0].startsWith(`At the explosion (step ${d.firstEventStep}) gradients grow about ${sig3(flow.growth!)}× per time step backward over T = ${T}`),
      causes[0].evidence[0],
    );
    assert.ok(causes[0].evidence.some((x) => x.includes(`spectral norm ${sig3(flow.spectralNorm!)} > 1`)));
    // Truncated BPTT: K = floor(2 / log10 g) steps bound g^K to 100x.
    const K = Math.floor(2 / Math.log10(flow.growth!));
    assert.ok(causes[0].fixes.some((x) => x.includes(`Truncate backpropagation through time to about ${K} steps`)));
    // The flows before it shrank (saturated tanh units): vanishing-through-time is not ranked above.
    const v = causes.findIndex((c) => c.cause === 'vanishing-through-time');
    assert.ok(v === -1 || v > 1);
  });

  it('an LSTM at 100× the learning rate, clipping saturated: learning-rate-too-high, keep the threshold', () => {
    const base: Partial<RunConfig> = { task: 'addition', model: 'lstm', hidden: 16, length: 10, steps: 80, optimizer: 'sgd', seed: 1 };
    const baseline = train({ ...base, lr: 10, clip: 'none' });
    const diverged = baseline.some((s) => typeof s.loss === 'number' && !Number.isFinite(s.loss));
    assert.ok(diverged, 'the unclipped twin diverges');
    const stats = train({ ...base, lr: 10, clip: 'norm:1' });
    const applied = stats.filter((s) => !s.skipped);
    const clipRate = applied.filter((s) => s.clipped).length / applied.length;
    assert.ok(clipRate > 0.9, `clipping fires on ${clipRate}`);

    const context = { model: 'lstm', layers: 2, sequenceLength: 10, optimizer: 'sgd', learningRate: 10, clip: 'norm', clipThreshold: 1, unclippedDiverged: diverged } as const;
    const d = diagnose(stats, {}, context);
    const top = d.causes![0];
    assert.equal(top.cause, 'learning-rate-too-high', JSON.stringify(d.causes, null, 1));
    assert.ok(top.confidence >= 0.8, String(top.confidence));
    assert.ok(top.evidence[0].includes(`Clipping fired on ${sig3(100 * clipRate)}% of the steps`), top.evidence[0]);
    assert.match(top.fixes[0], /^Lower the learning rate about 10×, from 10 to 1/);
    assert.ok(top.fixes.some((f) => /Keep the clipping threshold at 1; do not raise it/.test(f)));
    for (const c of d.causes!) for (const f of c.fixes) assert.doesNotMatch(f, RAISE, `${c.cause}: ${f}`);
    assert.ok(!d.recommendations.some((r) => RAISE.test(r)), d.recommendations.join('\n'));
    // Without the baseline, the fixes still never raise the threshold for this cause.
    const d2 = diagnose(stats, {}, { ...context, unclippedDiverged: undefined });
    assert.equal(d2.causes![0].cause, 'learning-rate-too-high');
    for (const f of d2.causes![0].fixes) assert.doesNotMatch(f, RAISE);
    // Without any context the ranking is the same (from clip rate and loss alone).
    assert.equal(diagnose(stats).causes![0].cause, 'learning-rate-too-high');
    // With flow records (the gates saturate after the first large steps, so the flow vanishes), the learning rate still leads,
    // and the vanishing through time is ranked after it, as its consequence.
    const flowed = train({ ...base, lr: 10, clip: 'norm:1', flowEvery: 5 });
    const df = diagnose(flowed, {}, context);
    assert.equal(df.causes![0].cause, 'learning-rate-too-high', JSON.stringify(df.causes, null, 1));
    const vt = df.causes!.find((c) => c.cause === 'vanishing-through-time');
    if (vt) assert.ok(vt.evidence.some((x) => /set in as training moved the weights/.test(x)));
  });

  it('the LSTM with Adam at lr 1 (1000× its customary 1e-3), clipping saturated: learning-rate-too-high', () => {
    const stats = train({ task: 'addition', model: 'lstm', hidden: 16, length: 10, steps: 60, optimizer: 'adam', lr: 1, clip: 'norm:1', seed: 1 });
    const applied = stats.filter((s) => !s.skipped);
    const clipRate = applied.filter((s) => s.clipped).length / applied.length;
    assert.ok(clipRate > 0.5, `clipping fires on ${clipRate}`);
    const d = diagnose(stats, {}, { model: 'lstm', layers: 2, optimizer: 'adam', learningRate: 1, clip: 'norm', clipThreshold: 1 });
    const top = d.causes![0];
    assert.equal(top.cause, 'learning-rate-too-high', JSON.stringify(d.causes, null, 1));
    assert.ok(top.evidence.some((x) => x.startsWith("adam's learning rate is 1, 1000× its customary 0.001")));
    assert.ok(top.evidence.some((x) => /clipping the gradient barely changes the step/.test(x)));
    assert.match(top.fixes[0], /^Lower the learning rate from 1 toward adam's customary 0\.001 \(1000× lower\)/);
    assert.ok(!top.fixes.some((f) => RAISE.test(f)));
  });

  it('the same LSTM at lr 0.1 is healthy', () => {
    const stats = train({ task: 'addition', model: 'lstm', hidden: 16, length: 10, steps: 80, optimizer: 'sgd', lr: 0.1, clip: 'norm:1', seed: 1, flowEvery: 5 });
    assert.equal(stats.filter((s) => s.flow).length, 17, 'flow measured on steps 1, 5, ..., 80');
    const d = diagnose(stats, {}, { model: 'lstm', layers: 2, optimizer: 'sgd', learningRate: 0.1, clip: 'norm', clipThreshold: 1 });
    const causes = d.causes!;
    assert.equal(causes[0].cause, 'healthy', JSON.stringify(causes, null, 1));
    assert.ok(causes[0].confidence >= 0.85);
    assert.equal(causes.length, 1);
    assert.equal(d.status, 'healthy');
  });
});

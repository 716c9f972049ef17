/**
 * A learning rate so high that it saturates the units without any spike:
 * tfjs-examples' addition-rnn (re-implemented in experiments/addition-rnn.mjs,
 * an LSTM seq2seq trained with model.fit) at Adam 0.1, 100× its default rate.
 * The encoder's gradient falls 10^5× within the first steps, clipping barely
 * fires, the loss stalls: the top cause must be the learning rate, not
 * "healthy" or the architecture. The same model at Adam's default rate stays
 * healthy. The records are real (test/vectors/diagnose-cases/, written by the
 * experiment; see the .json beside each).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnose, readStepsJsonl, type DiagnoseContext } from 'gradclip';

const DIR = join(process.cwd(), 'test', 'vectors', 'diagnose-cases');

function load(name: string): { stats: ReturnType<typeof readStepsJsonl>['steps']; context: DiagnoseContext } {
  const stats = readStepsJsonl(readFileSync(join(DIR, `${name}.jsonl`), 'utf8')).steps;
  const meta = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as { context: DiagnoseContext };
  return { stats, context: meta.context };
}

it('Adam at 100× its rate: learning-rate-too-high first, with the collapsed layer and the stalled loss as evidence; the fixes lower the rate', () => {
  const { stats, context } = load('addition-rnn-adam-100x');
  assert.equal(stats.length, 540);
  const d = diagnose(stats, {}, context);
  const causes = d.causes ?? [];
  assert.equal(causes[0]?.cause, 'learning-rate-too-high', JSON.stringify(causes.map((c) => [c.cause, c.confidence])));
  assert.ok(causes[0].confidence >= 0.5, `confidence ${causes[0].confidence}`);
  const ev = causes[0].evidence.join('\n');
  assert.match(ev, /lstm_LSTM\d+'s gradient fell [\d.e+]+× .* while the loss stalled/);
  assert.match(ev, /100× adam's customary rate/);
  assert.match(causes[0].fixes[0], /[Ll]ower the learning rate/);
  const healthy = causes.find((c) => c.cause === 'healthy');
  assert.ok(healthy === undefined || healthy.confidence < causes[0].confidence / 2);
});

it('without the learning rate in the context the collapse still counts, more weakly (it could be the architecture)', () => {
  const { stats, context } = load('addition-rnn-adam-100x');
  const { learningRate: _lr, optimizer: _opt, ...rest } = context;
  const d = diagnose(stats, {}, rest);
  const lr = (d.causes ?? []).find((c) => c.cause === 'learning-rate-too-high');
  assert.ok(lr !== undefined, 'learning-rate-too-high is among the causes');
  assert.match(lr.evidence.join('\n'), /lower the learning rate to tell it from an architecture that vanishes/);
});

it('the same model at Adam\'s default rate: healthy first, no collapse evidence', () => {
  const { stats, context } = load('addition-rnn-adam');
  const d = diagnose(stats, {}, context);
  const causes = d.causes ?? [];
  assert.equal(causes[0]?.cause, 'healthy', JSON.stringify(causes.map((c) => [c.cause, c.confidence])));
  assert.ok(!causes.some((c) => c.evidence.some((e) => /while the loss stalled/.test(e))));
});

it('an LSTM under SGD at lr 10 explodes within a few steps, with a flow that shrinks back in time: learning-rate-too-high first; the causes in non-increasing confidence', async () => {
  const { useBackend } = await import('../helpers/backends.js');
  const { createExperiment } = await import('../../packages/cli/src/train/experiment.js');
  const { diagnoseContextOf } = await import('../../packages/cli/src/train/diagnose-context.js');
  await useBackend('cpu');
  const e = createExperiment({ task: 'addition', model: 'lstm', hidden: 16, length: 10, batch: 20, steps: 80, optimizer: 'sgd', lr: 10, clip: 'none', seed: 1, evalSize: 20, flowEvery: 1 });
  while (!e.done) e.step();
  assert.notEqual(e.divergedAtStep, null, 'the run diverges');
  const d = diagnose(e.stats, {}, diagnoseContextOf(e.config));
  e.dispose();
  const causes = d.causes ?? [];
  assert.equal(causes[0]?.cause, 'learning-rate-too-high', JSON.stringify(causes.map((c) => [c.cause, c.confidence])));
  assert.match(causes[0].evidence.join('\n'), /the gradient flow of that step shrinks going back in time/);
  assert.match(causes[0].fixes[0], /Lower the learning rate about 10×, from 10 to 1/);
  for (let i = 1; i < causes.length; i++) assert.ok(causes[i].confidence <= causes[i - 1].confidence, `cause ${i} (${causes[i].cause} ${causes[i].confidence}) above ${causes[i - 1].confidence}`);
});

it('the cliff, unclipped: the explosion at the wall first, then the dead gradient on the plateau; with architectureFixed (the CLI sets it) no fix changes the cell, the layers or the initialisation', async () => {
  const { useBackend } = await import('../helpers/backends.js');
  const { createExperiment } = await import('../../packages/cli/src/train/experiment.js');
  const { diagnoseContextOf } = await import('../../packages/cli/src/train/diagnose-context.js');
  const { ARCHITECTURE_FIX } = await import('../../packages/gradclip/src/monitor/diagnose/causes/index.js');
  await useBackend('cpu');
  const e = createExperiment({ task: 'cliff', cliffW: 6, cliffB: -2.93, lr: 0.5, steps: 300, clip: 'none', seed: 1, flowEvery: 10 });
  while (!e.done) e.step();
  const context = diagnoseContextOf(e.config);
  assert.equal(context.architectureFixed, true);
  const free = diagnose(e.stats, {}, { ...context, architectureFixed: false });
  const fixed = diagnose(e.stats, {}, context);
  e.dispose();
  const allFixes = (d: typeof fixed): string[] => [...(d.causes ?? []).flatMap((c) => c.fixes), ...d.recommendations];
  assert.ok(allFixes(free).some((x) => ARCHITECTURE_FIX.test(x)), 'without the flag some fix would change the model (the test can fail)');
  assert.deepEqual(allFixes(fixed).filter((x) => ARCHITECTURE_FIX.test(x)), []);
  assert.ok(allFixes(fixed).some((x) => /[Cc]lip the gradient by global norm/.test(x)), 'the training-side fixes stay');
  assert.deepEqual((fixed.causes ?? []).map((c) => c.cause), (free.causes ?? []).map((c) => c.cause), 'the causes themselves do not change');
  // Pascanu et al.'s story of the cliff: the step at the wall explodes, and the run lands on a plateau where no gradient reaches w and b
  assert.deepEqual((fixed.causes ?? []).slice(0, 2).map((c) => c.cause), ['exploding-through-time', 'saturation-after-explosion'], JSON.stringify((fixed.causes ?? []).map((c) => [c.cause, c.confidence])));
});

it('a healthy-looking norm record whose causes find a problem: the summary says "But ..." instead of contradicting itself', () => {
  // clipping saturated on every step (norm 5 against a threshold of 1) while the loss climbs from 1 to 3
  const stats = Array.from({ length: 120 }, (_, i) => ({ step: i + 1, loss: 1 + (2 * i) / 119, preClipNorm: 5, postClipNorm: 1, clipCoef: 0.2, clipped: true, skipped: false }));
  const d = diagnose(stats, {}, { model: 'mlp', optimizer: 'sgd', learningRate: 0.5, clip: 'norm', clipThreshold: 1 });
  assert.equal(d.status, 'healthy');
  assert.equal(d.causes?.[0]?.cause, 'learning-rate-too-high');
  assert.match(d.summary, /^Healthy: .* But the ranked causes, which also weigh the layers, the flow and the loss, find a problem: most likely learning-rate-too-high \(confidence 0\.\d\d\)\./);
});

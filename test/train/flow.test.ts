/**
 * `flowEvery` in the Experiment (`--flow-every`): the gradient flow lands in
 * the records of step 1 and every n-th step, measured on the step's own
 * batch at the weights the step starts from (checked against a replay of
 * the data stream), the rnn's spectral norm is that of W_hh (power
 * iteration), and it changes nothing else:
 * the records equal (apart from `time` and `flow`) those of the same run
 * without it, on cpu and wasm, for rnn, lstm, gru, a charlm rnn and the cliff.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { resolveRunConfig } from '../../packages/cli/src/train/config.js';
import { createExperiment } from '../../packages/cli/src/train/experiment.js';
import { fitGrowth, type GradientFlow, type StepStats } from 'gradclip';
import { createRng } from '../../packages/cli/src/core/random.js';
import type { Problem } from '../../packages/cli/src/train/problems/index.js';
import { encodeStepStats } from '../../packages/gradclip/src/core/step-stats.js';

/** The record as steps.jsonl writes it, without `time` and `flow`, and the run's variable prefix (gcN/) taken off the layer names. */
function strip(s: StepStats): unknown {
  const { time: _t, flow: _f, ...rest } = encodeStepStats(s) as StepStats;
  if (rest.layerNorms) rest.layerNorms = Object.fromEntries(Object.entries(rest.layerNorms).map(([k, v]) => [k.replace(/^gc\d+\//, ''), v]));
  return rest;
}

function run(config: Parameters<typeof createExperiment>[0]): StepStats[] {
  const e = createExperiment(config);
  try {
    while (!e.done) e.step();
    return e.stats.map((s) => ({ ...s }));
  } finally {
    e.dispose();
  }
}

const BASE = { task: 'addition', length: 12, batch: 5, hidden: 8, steps: 12, lr: 0.1, evalSize: 20, seed: 3 } as const;

for (const backend of BACKENDS) {
  describe(`--flow-every on ${backend}`, () => {
    before(async () => useBackend(backend));
    const cases = [
      { name: 'rnn, normal:0.2, no clip', config: { ...BASE, model: 'rnn', init: 'normal:0.2' } },
      { name: 'lstm, norm:1', config: { ...BASE, model: 'lstm', clip: 'norm:1' } },
      { name: 'gru, adam', config: { ...BASE, model: 'gru', optimizer: 'adam' as const, lr: 0.01 } },
      { name: 'charlm rnn', config: { task: 'charlm', model: 'rnn', length: 8, batch: 3, hidden: 8, steps: 6, evalSize: 4 } },
      { name: 'cliff', config: { task: 'cliff', steps: 6, lr: 0.1 } },
    ];
    for (const c of cases) {
      it(`${c.name}: the same records with flow every 5 steps`, () => {
        const before = tf.memory().numTensors;
        const plain = run(c.config);
        const measured = run({ ...c.config, flowEvery: 5 });
        assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
        assert.deepEqual(measured.map(strip), plain.map(strip));
        const T = c.config.task === 'cliff' ? 50 : c.config.length;
        for (const s of measured) {
          const due = s.step === 1 || s.step % 5 === 0;
          assert.equal(s.flow !== undefined, due, `step ${s.step}`);
          assert.equal(plain[s.step - 1].flow, undefined);
          if (!s.flow) continue;
          assert.equal(s.flow.timeNorms.length, T);
          assert.ok(s.flow.timeNorms.every((x) => x >= 0));
          assert.equal(s.flow.growth, fitGrowth(s.flow.timeNorms));
          assert.ok(typeof s.flow.spectralNorm === 'number' && typeof s.flow.spectralRadius === 'number');
          assert.ok((s.flow.spectralRadius as number) <= (s.flow.spectralNorm as number) * (1 + 1e-9) || !Number.isFinite(s.flow.spectralNorm as number));
        }
      });
    }
  });
}

describe('--flow-every: what is measured', () => {
  before(async () => useBackend('cpu'));
  it('the rnn: the spectral norm of W_hh at the start of the step', () => {
    const e = createExperiment({ ...BASE, model: 'rnn', init: 'normal:0.2', flowEvery: 1, steps: 3 });
    try {
      for (let k = 0; k < 3; k++) {
        const whh = e.variables.find((v) => v.name.endsWith('rnn/W_hh')) as tf.Variable;
        const w0 = Float64Array.from(whh.dataSync());
        const s = e.step();
        assert.ok(s.flow);
        // A 8 × 8 check of the spectral norm: the power iteration on Wᵀ W converges to the same value.
        let v = new Float64Array(8).fill(1);
        let sigma = 0;
        for (let it = 0; it < 2000; it++) {
          const u = new Float64Array(8);
          for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) u[i] += w0[i * 8 + j] * v[j];
          const z = new Float64Array(8);
          for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) z[j] += w0[i * 8 + j] * u[i];
          sigma = Math.sqrt(Math.hypot(...z));
          v = z.map((x) => x / Math.hypot(...z));
        }
        assert.ok(Math.abs((s.flow.spectralNorm as number) - sigma) <= 1e-9 * sigma, `step ${s.step}: ${s.flow.spectralNorm} vs power iteration ${sigma}`);
      }
    } finally {
      e.dispose();
    }
  });
  it('each step measures its own batch at the weights it starts from (a replay of the data stream agrees exactly)', () => {
    const e = createExperiment({ ...BASE, model: 'gru', flowEvery: 2, steps: 6 });
    const problem = (e as unknown as { problem: Problem }).problem;
    try {
      for (let k = 1; k <= 6; k++) {
        const rng = createRng(0);
        rng.setState(e.saveState().dataRng);
        const batch = problem.batchLoss(rng, BASE.batch);
        const expected = k === 1 || k % 2 === 0 ? (batch.flow as () => GradientFlow)() : undefined;
        tf.dispose(batch.free);
        const s = e.step();
        assert.deepEqual(s.flow, expected, `step ${k}`);
      }
    } finally {
      e.dispose();
    }
  });
  it('the transformer is refused, naming the flag and why', () => {
    assert.throws(() => resolveRunConfig({ task: 'charlm', flowEvery: 5 }), /--flow-every measures the gradient through the recurrent state of --model rnn, lstm or gru .*the transformer has no recurrent state/);
    assert.throws(() => resolveRunConfig({ task: 'addition', flowEvery: -1 }), /--flow-every must be an integer >= 0/);
    assert.equal(resolveRunConfig({}).flowEvery, 0);
    assert.equal(resolveRunConfig({ task: 'cliff', flowEvery: 3 }).flowEvery, 3);
  });
});

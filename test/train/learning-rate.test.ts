/**
 * The run's learning rate reaches the optimizer the way that optimizer reads
 * it: `--warmup` scales the first updates of every optimizer (TF.js's sgd and
 * momentum ignore an assignment to their `learningRate` field, so the
 * schedule goes through `setLearningRate`), on cpu and wasm alike, and with
 * `--recover` the schedule keeps the factor of the rollbacks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { RECOVERY_OPTIONS } from '../../packages/cli/src/train/config.js';
import { createExperiment } from '../../packages/cli/src/train/experiment.js';
import { warmupSchedule } from '../../packages/cli/src/tasks/schedules.js';

const small = { task: 'addition', model: 'rnn', length: 10, batch: 4, steps: 3, lr: 0.05, evalSize: 20, clip: 'none', seed: 3 } as const;

/** The change of every weight made by step 1. */
function firstUpdate(optimizer: 'sgd' | 'momentum' | 'adam', warmup: number): Float64Array {
  const e = createExperiment({ ...small, optimizer, warmup });
  const before = e.variables.map((v) => v.dataSync().slice());
  e.step();
  const after = e.variables.map((v) => v.dataSync().slice());
  e.dispose();
  const out: number[] = [];
  for (let i = 0; i < before.length; i++) for (let j = 0; j < before[i].length; j++) out.push(after[i][j] - before[i][j]);
  return Float64Array.from(out);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`--warmup scales the first update (${backend})`, () => {
    for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
      it(optimizer, async () => {
        await useBackend(backend);
        const ratio = warmupSchedule({ peakLr: small.lr, warmupSteps: 10 })(1) / small.lr;
        assert.ok(ratio > 0 && ratio < 0.5, `the schedule's first rate is a small part of the peak (${ratio})`);
        const full = firstUpdate(optimizer, 0);
        const warm = firstUpdate(optimizer, 10);
        // Least-squares ratio of the two updates (single deltas of tiny updates lose digits to float32 rounding of the weights).
        let dot = 0;
        let sq = 0;
        for (let i = 0; i < full.length; i++) {
          dot += warm[i] * full[i];
          sq += full[i] * full[i];
        }
        assert.ok(sq > 0, 'the weights moved');
        const got = dot / sq;
        assert.ok(Math.abs(got - ratio) < 1e-4, `update ratio ${got}, the schedule's ${ratio}`);
      });
    }
  });
}

describe('--recover with --warmup: the schedule keeps the rollbacks\' factor', () => {
  it('after every step the rate is schedule(step) × lrFactor^rollbacks', async () => {
    await useBackend('cpu');
    const cfg = { task: 'addition', model: 'rnn', init: 'normal:0.2', lr: 0.1, length: 50, batch: 20, steps: 80, clip: 'none', seed: 1, evalSize: 40, warmup: 5, recover: true } as const;
    const schedule = warmupSchedule({ peakLr: cfg.lr, warmupSteps: cfg.warmup });
    const before = tf.memory().numTensors;
    const e = createExperiment(cfg);
    let rolled = 0;
    while (!e.done) {
      const s = e.step();
      if (s.recovered !== undefined) rolled++;
      const want = schedule(s.step) * RECOVERY_OPTIONS.lrFactor ** e.recoveries;
      assert.ok(Math.abs((e.recovery?.learningRate ?? NaN) - want) <= 1e-12 * want, `step ${s.step}: rate ${e.recovery?.learningRate}, want ${want}`);
    }
    assert.ok(rolled >= 1, 'the exploding run rolled back at least once');
    e.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

/**
 * The problems behind Experiment (packages/cli/src/train/problems): the
 * factory picks the family from the task, variables carry the prefix, AGC's
 * read-out name, the cliff's TF.js loss against the float64 reference,
 * evaluation shapes (error rate only where the task has one), and no tensor
 * leaks from a batch loss, an evaluation or dispose.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { createRng } from '../../packages/cli/src/core/random.js';
import { cliffForward } from '../../packages/cli/src/tasks/data/cliff.js';
import { resolveRunConfig, type RunConfig } from '../../packages/cli/src/train/config.js';
import { CharLmProblem, CliffProblem, SequenceProblem, createProblem, type Problem } from '../../packages/cli/src/train/problems/index.js';

function make(partial: Partial<RunConfig>, prefix: string): Problem {
  return createProblem(resolveRunConfig(partial), createRng(3), prefix);
}

/** Runs `f` and returns how many tensors it left behind. */
function leaked(f: () => void): number {
  const n = tf.memory().numTensors;
  f();
  return tf.memory().numTensors - n;
}

describe('problems', () => {
  before(() => useBackend('cpu'));

  it('createProblem picks the family from the task and prefixes every variable', () => {
    const cases: [Partial<RunConfig>, new (...args: never[]) => Problem][] = [
      [{ task: 'cliff' }, CliffProblem],
      [{ task: 'charlm', model: 'gru', hidden: 4, length: 8 }, CharLmProblem],
      [{ task: 'temporal-order', hidden: 4 }, SequenceProblem],
    ];
    for (const [i, [partial, cls]] of cases.entries()) {
      const p = make(partial, `pt${i}/`);
      try {
        assert.ok(p instanceof cls, `${partial.task} -> ${cls.name}`);
        assert.ok(p.variables.length > 0);
        for (const v of p.variables) assert.ok(v.name.startsWith(`pt${i}/`), v.name);
        assert.ok(p.description.length > 20);
      } finally {
        p.dispose();
      }
    }
  });

  it('names the last rank-2 variable as the read-out for AGC, and none for the cliff', () => {
    const seq = make({ task: 'addition', hidden: 4 }, 'ro1/');
    const lm = make({ task: 'charlm', model: 'transformer', length: 8 }, 'ro2/');
    const cliff = make({ task: 'cliff' }, 'ro3/');
    try {
      for (const p of [seq, lm]) {
        const kernels = p.variables.filter((v) => v.shape.length >= 2);
        assert.equal(p.outputLayerName, kernels[kernels.length - 1].name);
      }
      assert.equal(cliff.outputLayerName, null);
    } finally {
      seq.dispose();
      lm.dispose();
      cliff.dispose();
    }
  });

  it('cliff: the training loss and the evaluation agree with the float64 reference at (w0, b0)', () => {
    const p = make({ task: 'cliff', cliffW: 8, cliffB: -4.4 }, 'cl1/');
    try {
      assert.deepEqual(p.variables.map((v) => v.name), ['cl1/cliff/w', 'cl1/cliff/b']);
      assert.deepEqual(p.cliffPosition(), { w: 8, b: Math.fround(-4.4) });
      const { loss, free } = p.batchLoss(createRng(1), 20);
      assert.deepEqual(free, []);
      const l = loss();
      const train = l.dataSync()[0];
      l.dispose();
      const ev = p.evaluate(createRng(1), 1000);
      assert.deepEqual(ev, { loss: train });
      const ref = cliffForward(8, Math.fround(-4.4)).loss;
      assert.ok(Math.abs(train - ref) <= 1e-5 * Math.max(1, ref), `${train} vs ${ref}`);
      assert.equal(p.entropyBaseline, null);
    } finally {
      p.dispose();
    }
  });

  it('sequence tasks report an error rate; charlm reports its unigram entropy and none', () => {
    const seq = make({ task: 'temporal-order', hidden: 4, length: 20 }, 'ev1/');
    const lm = make({ task: 'charlm', model: 'lstm', hidden: 4, length: 8 }, 'ev2/');
    try {
      const a = seq.evaluate(createRng(9), 30);
      assert.deepEqual(seq.evaluate(createRng(9), 30), a, 'same stream, same result');
      assert.ok(Number.isFinite(a.loss) && a.errorRate !== undefined && a.errorRate >= 0 && a.errorRate <= 1);
      assert.equal(seq.entropyBaseline, null);
      assert.equal(seq.cliffPosition(), null);
      const b = lm.evaluate(createRng(9), 12);
      assert.ok(Number.isFinite(b.loss));
      assert.equal('errorRate' in b, false);
      assert.ok(typeof lm.entropyBaseline === 'number' && lm.entropyBaseline > 0);
      assert.equal(lm.cliffPosition(), null);
    } finally {
      seq.dispose();
      lm.dispose();
    }
  });

  it('leaks no tensors: batch loss + free, evaluation, and dispose, twice', () => {
    for (const [i, partial] of ([{ task: 'cliff' }, { task: 'memorization', model: 'gru', hidden: 4, length: 10 }, { task: 'charlm', model: 'rnn', hidden: 4, length: 8 }] as Partial<RunConfig>[]).entries()) {
      const before = tf.memory().numTensors;
      const p = make(partial, `lk${i}/`);
      assert.equal(
        leaked(() => {
          const { loss, free } = p.batchLoss(createRng(2), 3);
          loss().dispose();
          tf.dispose(free);
        }),
        0,
        `${partial.task}: batch loss`,
      );
      assert.equal(leaked(() => p.evaluate(createRng(2), 5)), 0, `${partial.task}: evaluate`);
      p.dispose();
      p.dispose();
      assert.equal(tf.memory().numTensors, before, `${partial.task}: dispose`);
    }
  });
});

/**
 * The gradient-flow hooks of the CLI's recurrent models (`--flow-every`)
 * against PyTorch on the committed weights and inputs of
 * test/vectors/flow.json: the mean state-to-state Jacobian of the LSTM
 * (state (h, c), 2H × 2H) and of the GRU (h) equals the mean over batch and
 * time of `torch.autograd.functional.jacobian`; the probed forward gives
 * torch.autograd's BPTT norms through the library's `gradientFlow`; the rnn
 * reports its recurrent kernel. The probed forward computes exactly what
 * `forward` computes. cpu and wasm; no tensor leaks.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { gradientFlow, spectralNorm, spectralRadius } from '../../packages/gradclip/src/index.js';
import { createRng } from '../../packages/cli/src/core/random.js';
import { createGru, createLstm, createRnn } from '../../packages/cli/src/tasks/models/index.js';
import type { SequenceModel } from '../../packages/cli/src/tasks/models/types.js';
import { computeLoss } from '../../packages/cli/src/tasks/losses.js';
import { loadFlowVectors, type NetCase } from '../helpers/flow-vectors.js';

const V = loadFlowVectors();

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: got ${actual}, expected ${expected}`);
}

/** The model of a case with the case's weights assigned (variables in forward order). */
function modelOf(c: NetCase, kind: 'rnn' | 'lstm' | 'gru'): SequenceModel {
  const opts = { inputSize: c.D, outputSize: 1, hidden: c.H, rng: createRng(1), prefix: `flowtest-${kind}-${c.name}/` };
  const m = kind === 'rnn' ? createRnn({ ...opts, init: 'normal:0.1' }) : kind === 'lstm' ? createLstm(opts) : createGru(opts);
  const keys = kind === 'rnn' ? ['W_hx', 'W_hh', 'b_h', 'W_hy', 'b_y'] : ['W_x', 'W_h', 'b', 'W_y', 'b_y'];
  m.variables.forEach((v, i) => {
    const t = tf.tensor(c.weights[keys[i]], v.shape);
    v.assign(t);
    t.dispose();
  });
  return m;
}

for (const backend of BACKENDS) {
  describe(`recurrent models' flow hooks on ${backend}`, () => {
    before(async () => useBackend(backend));

    const cases: [NetCase, 'rnn' | 'lstm' | 'gru'][] = [...V.rnn.map((c) => [c, 'rnn'] as [NetCase, 'rnn']), ...V.lstm.map((c) => [c, 'lstm'] as [NetCase, 'lstm']), ...V.gru.map((c) => [c, 'gru'] as [NetCase, 'gru'])];
    for (const [c, kind] of cases) {
      it(`${kind}: ${c.name}`, () => {
        const model = modelOf(c, kind);
        const flow = model.flow;
        assert.ok(flow);
        assert.equal(flow.state, kind === 'lstm' ? '(h, c)' : 'h');
        const x = tf.tensor3d(c.x, [c.T, c.B, c.D]);
        const y = tf.tensor2d(c.y, [c.B, 1]);
        const before = tf.memory().numTensors;

        // The probed forward is the forward.
        const plain = model.forward(x);
        const probed = flow.forward(x, (s) => s);
        assert.deepEqual(probed.dataSync(), plain.dataSync());
        tf.dispose([plain, probed]);

        const g = gradientFlow((probe) => computeLoss('mse', flow.forward(x, (s) => probe(s)), y));
        g.timeNorms.forEach((n, i) => close(n, c.timeNorms[i], 1e-5, `timeNorms[${i}]`));

        const sm = flow.stateMatrix(x);
        assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
        if (kind === 'rnn') {
          assert.equal(sm.kind, 'recurrent-weights');
          assert.deepEqual(Array.from(sm.matrix), c.weights.W_hh.map((v) => Math.fround(v)));
        } else {
          assert.equal(sm.kind, 'mean-jacobian');
          assert.equal(sm.n, c.size);
          const ref = c.meanJacobian as number[];
          const scale = Math.max(...ref.map(Math.abs));
          ref.forEach((r, i) => assert.ok(Math.abs(sm.matrix[i] - r) <= 1e-5 * scale, `J[${Math.floor(i / sm.n)}][${i % sm.n}]: got ${sm.matrix[i]}, expected ${r}`));
        }
        close(spectralNorm(sm.matrix, sm.n, sm.n), c.spectralNorm, 1e-5, 'spectralNorm');
        close(spectralRadius(sm.matrix, sm.n), c.spectralRadius, 1e-5, 'spectralRadius');
        tf.dispose([x, y]);
        model.dispose();
      });
    }
  });
}

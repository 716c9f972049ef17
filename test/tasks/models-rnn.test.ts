// Recurrent models: forward passes against float64 re-implementations written
// here, shapes, gradients, leaks, variable names and argument errors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { createRng } from '../../packages/cli/src/core/random.js';
import { createModel, createRnn, createLstm, createGru, type SequenceModel } from '../../packages/cli/src/tasks/models/index.js';

before(async () => {
  await useBackend('cpu');
});

type Mat = number[][];
const matvec = (row: number[], m: Mat): number[] => m[0].map((_, j) => row.reduce((s, r, i) => s + r * m[i][j], 0));
const addv = (...vs: number[][]): number[] => vs[0].map((_, i) => vs.reduce((s, v) => s + v[i], 0));
const sig = (z: number): number => 1 / (1 + Math.exp(-z));
const weights = (m: SequenceModel): Record<string, Mat & number[]> =>
  Object.fromEntries(m.variables.map((v) => [v.name.split('/').slice(-2).join('/'), v.arraySync() as Mat & number[]]));

function close(actual: ArrayLike<number>, expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

// x: [T=2, B=2, D=2]
const X = [
  [[0.5, -1.0], [1.5, 0.25]],
  [[-0.75, 2.0], [0.1, -0.3]],
];

test('rnn forward (2 steps, 3 units) matches a float64 re-implementation, last and sequence', () => {
  for (const [output, init] of [['last', 'normal:0.7'], ['sequence', 'basic-tanh'], ['last', 'sigmoid']] as const) {
    const m = createRnn({ inputSize: 2, outputSize: 2, hidden: 3, output, init, rng: createRng(5), prefix: `ref-${output}-${init}/` });
    // Give the biases non-zero values so they are exercised too.
    m.variables[2].assign(tf.tensor1d([0.1, -0.2, 0.3]));
    m.variables[4].assign(tf.tensor1d([0.05, -0.05]));
    const w = weights(m);
    const f = init === 'sigmoid' ? sig : Math.tanh;
    const ys: number[][][] = [];
    for (let b = 0; b < 2; b++) {
      let h = [0, 0, 0];
      for (let t = 0; t < 2; t++) {
        h = addv(matvec(X[t][b], w['rnn/W_hx']), matvec(h, w['rnn/W_hh']), w['rnn/b_h'] as unknown as number[]).map(f);
        const y = addv(matvec(h, w['out/W_hy']), w['out/b_y'] as unknown as number[]);
        (ys[t] ??= [])[b] = y;
      }
    }
    const x = tf.tensor3d(X);
    const y = m.forward(x);
    if (output === 'last') {
      assert.deepEqual(y.shape, [2, 2]);
      close(y.dataSync(), ys[1].flat(), 1e-5, `rnn ${init} last`);
    } else {
      assert.deepEqual(y.shape, [2, 2, 2]);
      close(y.dataSync(), ys.flat(2), 1e-5, `rnn ${init} sequence`);
    }
    tf.dispose([x, y]);
    m.dispose();
  }
});

test('lstm forward matches the float64 LSTM equations (gates i, f, g, o; forget bias 1)', () => {
  const m = createLstm({ inputSize: 2, outputSize: 1, hidden: 3, output: 'sequence', rng: createRng(7), prefix: 'lstmref/' });
  const w = weights(m);
  const b = w['lstm/b'] as unknown as number[];
  assert.deepEqual(b, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0], 'bias init: forget block = 1');
  const H = 3;
  const expected: number[] = [];
  const hs: number[][] = [[0, 0, 0], [0, 0, 0]];
  const cs: number[][] = [[0, 0, 0], [0, 0, 0]];
  for (let t = 0; t < 2; t++) {
    for (let bb = 0; bb < 2; bb++) {
      const z = addv(matvec(X[t][bb], w['lstm/W_x']), matvec(hs[bb], w['lstm/W_h']), b);
      const c = cs[bb].map((cPrev, j) => sig(z[H + j]) * cPrev + sig(z[j]) * Math.tanh(z[2 * H + j]));
      const h = c.map((cj, j) => sig(z[3 * H + j]) * Math.tanh(cj));
      cs[bb] = c;
      hs[bb] = h;
      expected.push(...addv(matvec(h, w['out/W_y']), w['out/b_y'] as unknown as number[]));
    }
  }
  const x = tf.tensor3d(X);
  const y = m.forward(x);
  assert.deepEqual(y.shape, [2, 2, 1]);
  close(y.dataSync(), expected, 1e-5, 'lstm');
  tf.dispose([x, y]);
  m.dispose();
});

test('gru forward matches Cho et al. 2014 eqs. 5-8 in float64 (reset before U_n)', () => {
  const m = createGru({ inputSize: 2, outputSize: 2, hidden: 3, init: 'normal:0.8', rng: createRng(8), prefix: 'gruref/' });
  m.variables[2].assign(tf.tensor1d([0.1, -0.1, 0.2, -0.2, 0.3, -0.3, 0.05, 0.15, -0.25]));
  const w = weights(m);
  const H = 3;
  const b = w['gru/b'] as unknown as number[];
  const expected: number[] = [];
  for (let bb = 0; bb < 2; bb++) {
    let h = [0, 0, 0];
    for (let t = 0; t < 2; t++) {
      const xw = addv(matvec(X[t][bb], w['gru/W_x']), b);
      const hu = matvec(h, w['gru/W_h']); // only the z and r blocks are used from this
      const z = [0, 1, 2].map((j) => sig(xw[j] + hu[j]));
      const r = [0, 1, 2].map((j) => sig(xw[H + j] + hu[H + j]));
      const rh = h.map((hj, j) => r[j] * hj);
      const un = matvec(rh, w['gru/W_h']);
      const n = [0, 1, 2].map((j) => Math.tanh(xw[2 * H + j] + un[2 * H + j]));
      h = h.map((hj, j) => z[j] * hj + (1 - z[j]) * n[j]);
    }
    expected.push(...addv(matvec(h, w['out/W_y']), w['out/b_y'] as unknown as number[]));
  }
  const x = tf.tensor3d(X);
  const y = m.forward(x);
  assert.deepEqual(y.shape, [2, 2]);
  close(y.dataSync(), expected, 1e-5, 'gru');
  tf.dispose([x, y]);
  m.dispose();
});

test('shapes for every recurrent model and output mode; variables named in forward order', () => {
  const names: Record<string, string[]> = {
    rnn: ['rnn/W_hx', 'rnn/W_hh', 'rnn/b_h', 'out/W_hy', 'out/b_y'],
    lstm: ['lstm/W_x', 'lstm/W_h', 'lstm/b', 'out/W_y', 'out/b_y'],
    gru: ['gru/W_x', 'gru/W_h', 'gru/b', 'out/W_y', 'out/b_y'],
  };
  for (const name of ['rnn', 'lstm', 'gru']) {
    for (const output of ['last', 'sequence'] as const) {
      const m = createModel({ name, inputSize: 4, outputSize: 3, hidden: 6, output, seed: 1, prefix: 's/' });
      assert.equal(m.input, 'sequence');
      if (m.input !== 'sequence') continue;
      assert.equal(m.kind, name);
      assert.deepEqual(m.variables.map((v) => v.name), names[name].map((n) => `s/${n}`));
      const gates = name === 'lstm' ? 4 : name === 'gru' ? 3 : 1;
      assert.equal(m.numParams, 4 * 6 * gates + 6 * 6 * gates + 6 * gates + 6 * 3 + 3);
      const x = tf.zeros([5, 2, 4]) as tf.Tensor3D;
      const y = m.forward(x);
      assert.deepEqual(y.shape, output === 'last' ? [2, 3] : [5, 2, 3]);
      tf.dispose([x, y]);
      m.dispose();
    }
  }
});

test('the default rnn is 50 units with smart-tanh, and the same seed gives the same weights', () => {
  const a = createModel({ name: 'rnn', inputSize: 2, outputSize: 1, seed: 3, prefix: 'a/' });
  const b = createModel({ name: 'rnn', inputSize: 2, outputSize: 1, seed: 3, prefix: 'b/' });
  const c = createModel({ name: 'rnn', inputSize: 2, outputSize: 1, seed: 4, prefix: 'c/' });
  assert.deepEqual(a.variables[1].shape, [50, 50]);
  assert.deepEqual(Array.from(a.variables[1].dataSync()), Array.from(b.variables[1].dataSync()));
  assert.notDeepEqual(Array.from(a.variables[1].dataSync()), Array.from(c.variables[1].dataSync()));
  // smart-tanh: W_hx and W_hy are N(0, 0.01), biases 0.
  const whx = a.variables[0].dataSync();
  assert.ok(Array.from(whx).every((v) => Math.abs(v) < 0.06), 'W_hx ~ N(0, 0.01)');
  assert.ok(Array.from(a.variables[2].dataSync()).every((v) => v === 0), 'b_h = 0');
  for (const m of [a, b, c]) m.dispose();
});

test('basic-tanh and sigmoid draw N(0, 0.1) and N(0, 0.01): sample std within 5% on 2500 entries', () => {
  for (const [init, std] of [['basic-tanh', 0.1], ['sigmoid', 0.01], ['normal:0.3', 0.3]] as const) {
    const m = createRnn({ inputSize: 1, outputSize: 1, init, rng: createRng(11), prefix: `std-${init}/` });
    const w = Array.from(m.variables[1].dataSync());
    const mu = w.reduce((s, v) => s + v, 0) / w.length;
    const sd = Math.sqrt(w.reduce((s, v) => s + (v - mu) ** 2, 0) / (w.length - 1));
    assert.ok(Math.abs(sd / std - 1) < 0.05, `${init}: sample std ${sd}, expected ${std}`);
    assert.ok(Math.abs(mu) < 4 * std / Math.sqrt(w.length) + 1e-12, `${init}: mean ${mu}`);
    m.dispose();
  }
});

test('gradients reach every variable (finite, non-zero) and nothing leaks (cpu and wasm)', async () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    await useBackend(backend);
    for (const name of ['rnn', 'lstm', 'gru']) {
      for (const output of ['last', 'sequence'] as const) {
        const m = createModel({ name, inputSize: 3, outputSize: 2, hidden: 5, output, seed: 2, init: name === 'rnn' ? 'basic-tanh' : undefined, prefix: `g-${backend}-${name}-${output}/` });
        if (m.input !== 'sequence') throw new Error('unreachable');
        const x = tf.tensor3d(Array.from({ length: 4 * 2 * 3 }, (_, i) => Math.sin(i + 1)), [4, 2, 3]);
        const before = tf.memory().numTensors;
        const { value, grads } = tf.tidy(() => tf.variableGrads(() => tf.sum(tf.square(tf.sub(m.forward(x), 0.3))) as tf.Scalar, m.variables as tf.Variable[]));
        assert.equal(Object.keys(grads).length, m.variables.length);
        for (const v of m.variables) {
          const g = grads[v.name].dataSync();
          assert.ok(Array.from(g).every(Number.isFinite), `${name}: gradient of ${v.name} is finite`);
          assert.ok(Array.from(g).some((e) => e !== 0), `${name}/${output}: gradient of ${v.name} is non-zero`);
        }
        assert.ok(Number.isFinite(value.dataSync()[0]));
        tf.dispose([value, ...Object.values(grads)]);
        assert.equal(tf.memory().numTensors, before, `${name}/${output}: forward + backward leaked tensors`);
        // forward alone outside tidy leaves only its output
        const y = m.forward(x);
        assert.equal(tf.memory().numTensors, before + 1);
        tf.dispose([x, y]);
        m.dispose();
      }
    }
  }
  await useBackend('cpu');
});

test('variable names are unique across two live instances with different prefixes; a clash says which prefix to change', () => {
  const n0 = tf.memory().numTensors;
  const a = createModel({ name: 'lstm', inputSize: 2, outputSize: 1, prefix: 'run1/' });
  const b = createModel({ name: 'lstm', inputSize: 2, outputSize: 1, prefix: 'run2/' });
  const all = [...a.variables, ...b.variables].map((v) => v.name);
  assert.equal(new Set(all).size, all.length);
  assert.ok(all.every((n) => n.startsWith('run1/') || n.startsWith('run2/')));
  assert.throws(
    () => createModel({ name: 'lstm', inputSize: 2, outputSize: 1, prefix: 'run1/' }),
    { message: "variable name 'run1/lstm/W_x' is already registered by another live model; pass a different prefix (for example 'run2/') or dispose the other model first" },
  );
  a.dispose();
  a.dispose(); // idempotent
  const again = createModel({ name: 'lstm', inputSize: 2, outputSize: 1, prefix: 'run1/' }); // the name is free again
  again.dispose();
  b.dispose();
  assert.equal(tf.memory().numTensors, n0, 'dispose frees every variable');
});

test('bad arguments throw errors that name the argument', () => {
  assert.throws(() => createModel({ name: 'mlp', inputSize: 1, outputSize: 1 }), { message: "model must be one of rnn, lstm, gru, transformer; got 'mlp'" });
  assert.throws(() => createModel({ name: 'rnn', outputSize: 1 }), { message: "inputSize is required for model 'rnn' (or pass vocabSize for token inputs)" });
  assert.throws(() => createModel({ name: 'rnn', inputSize: 1, outputSize: 0 }), { message: 'outputSize must be an integer >= 1, got 0' });
  assert.throws(() => createModel({ name: 'gru', inputSize: 1, outputSize: 1, hidden: 2.5 }), { message: 'hidden must be an integer >= 1, got 2.5' });
  assert.throws(() => createModel({ name: 'rnn', inputSize: 1, outputSize: 1, init: 'xavier' }), {
    message: "init for rnn must be one of basic-tanh, smart-tanh, sigmoid, normal:<std>; got 'xavier'",
  });
  assert.throws(() => createModel({ name: 'rnn', inputSize: 1, outputSize: 1, init: 'normal:-1' }), {
    message: "init 'normal:<std>' needs a finite std >= 0, got 'normal:-1' (for example 'normal:0.2')",
  });
  assert.throws(() => createModel({ name: 'lstm', inputSize: 1, outputSize: 1, init: 'smart-tanh' }), {
    message: "init for lstm must be 'glorot' or 'normal:<std>'; got 'smart-tanh'",
  });
  assert.throws(() => createModel({ name: 'rnn', inputSize: 1, outputSize: 1, output: 'all' as 'last' }), { message: "output must be 'last' or 'sequence', got 'all'" });
  assert.throws(() => createModel({ name: 'rnn', inputSize: 1, outputSize: 1, activation: 'relu' }), { message: "activation must be 'tanh' or 'sigmoid', got 'relu'" });
  const m = createModel({ name: 'rnn', inputSize: 2, outputSize: 1, hidden: 3, prefix: 'err/' });
  if (m.input !== 'sequence') throw new Error('unreachable');
  const x = tf.zeros([4, 2, 3]) as tf.Tensor3D;
  assert.throws(() => m.forward(x), { message: 'rnn.forward: x has D = 3 but the model was built with inputSize 2' });
  const x2 = tf.zeros([4, 2]) as unknown as tf.Tensor3D;
  assert.throws(() => m.forward(x2), { message: 'rnn.forward: x must be a time-major [T, B, D] tensor, got rank 2 (shape [4, 2])' });
  tf.dispose([x, x2]);
  m.dispose();
  assert.equal(tf.engine().registeredVariables['err/rnn/W_hx'], undefined);
});

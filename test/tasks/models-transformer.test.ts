// Token models: the causal transformer and recurrent models over one-hot ids.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { createRng } from '../../packages/cli/src/core/random.js';
import { createModel, createTransformer, type TokenModel } from '../../packages/cli/src/tasks/models/index.js';

before(async () => {
  await useBackend('cpu');
});

const small = { dModel: 16, layers: 2, heads: 4, maxLength: 12 };

function ids(b: number, t: number, v: number, seed: number): tf.Tensor2D {
  const rng = createRng(seed);
  return tf.tensor2d(Array.from({ length: b * t }, () => rng.int(v)), [b, t], 'int32');
}

test('transformer: logits [B, T, V] for T up to maxLength; defaults d=64, 2 layers, 4 heads, T <= 64', () => {
  const m = createTransformer({ vocabSize: 11, ...small, rng: createRng(1), prefix: 'tshape/' });
  for (const t of [1, 5, 12]) {
    const x = ids(3, t, 11, t);
    const y = m.forward(x);
    assert.deepEqual(y.shape, [3, t, 11]);
    assert.ok(Array.from(y.dataSync()).every(Number.isFinite));
    tf.dispose([x, y]);
  }
  m.dispose();
  const d = createModel({ name: 'transformer', vocabSize: 30, seed: 1, prefix: 'tdef/' });
  assert.equal(d.input, 'tokens');
  if (d.input !== 'tokens') return;
  assert.equal(d.maxLength, 64);
  const shapes = Object.fromEntries(d.variables.map((v) => [v.name.slice('tdef/'.length), v.shape]));
  assert.deepEqual(shapes['embed/tok'], [30, 64]);
  assert.deepEqual(shapes['embed/pos'], [64, 64]);
  assert.deepEqual(shapes['block1/attn/W_qkv'], [64, 192]);
  assert.deepEqual(shapes['block1/mlp/W_1'], [64, 256]);
  assert.equal(shapes['block2/attn/W_qkv'], undefined);
  assert.deepEqual(shapes['head/W'], [64, 30]);
  // forward order: embeddings first, blocks in order, head last
  const names = d.variables.map((v) => v.name.slice('tdef/'.length));
  assert.deepEqual(names.slice(0, 3), ['embed/tok', 'embed/pos', 'block0/ln1/gamma']);
  assert.deepEqual(names.slice(-4), ['ln_f/gamma', 'ln_f/beta', 'head/W', 'head/b']);
  // parameter count written out: 2 embeddings + 2 blocks (2 LN, qkv, o, mlp) + final LN + head
  const dm = 64;
  const block = 2 * 2 * dm + (dm * 3 * dm + 3 * dm) + (dm * dm + dm) + (dm * 4 * dm + 4 * dm) + (4 * dm * dm + dm);
  assert.equal(d.numParams, 30 * dm + 64 * dm + 2 * block + 2 * dm + dm * 30 + 30);
  d.dispose();
});

test('transformer is causal: changing token t+1.. leaves the logits at positions <= t unchanged', () => {
  const m = createTransformer({ vocabSize: 9, ...small, rng: createRng(2), prefix: 'tcausal/' });
  const n0 = tf.memory().numTensors;
  const run = (row: number[]): number[][] => tf.tidy(() => m.forward(tf.tensor2d([row], [1, row.length], 'int32')).arraySync()[0]);
  const base = [1, 4, 2, 8, 0, 3, 5, 7];
  const y0 = run(base);
  for (const t of [0, 3, 6]) {
    const y1 = run(base.map((v, i) => (i > t ? (v + 1 + i) % 9 : v)));
    for (let p = 0; p <= t; p++) {
      for (let k = 0; k < 9; k++) assert.ok(Math.abs(y1[p][k] - y0[p][k]) <= 1e-6, `position ${p} changed after editing tokens > ${t}`);
    }
    // and the later positions do change (the edit is visible to them)
    const diff = Math.max(...y1[t + 1].map((v, k) => Math.abs(v - y0[t + 1][k])));
    assert.ok(diff > 1e-4, `position ${t + 1} should see token ${t + 1}`);
  }
  assert.equal(tf.memory().numTensors, n0);
  m.dispose();
});

test('transformer forward matches a float64 re-implementation (1 block, d=4, 2 heads, T=3)', () => {
  const V = 5;
  const d = 4;
  const H = 2;
  const dh = d / H;
  const m = createTransformer({ vocabSize: V, dModel: d, layers: 1, heads: H, maxLength: 3, mlpRatio: 2, initStd: 0.5, rng: createRng(6), prefix: 'tref/' });
  // non-trivial LayerNorm and bias values
  const rng = createRng(60);
  for (const v of m.variables) if (/gamma|beta|b_|\/b$/.test(v.name)) v.assign(tf.tensor(Array.from({ length: v.size }, () => rng.normal(0.5, 0.5)), v.shape));
  const w = Object.fromEntries(m.variables.map((v) => [v.name.slice('tref/'.length), v.arraySync() as number[][] & number[]]));
  const vec = (name: string): number[] => w[name] as unknown as number[];
  const mat = (name: string): number[][] => w[name] as number[][];
  const lin = (x: number[], W: number[][], b: number[]): number[] => b.map((bj, j) => bj + x.reduce((s, xi, i) => s + xi * W[i][j], 0));
  const ln = (x: number[], g: number[], b: number[]): number[] => {
    const mu = x.reduce((s, v) => s + v, 0) / x.length;
    const va = x.reduce((s, v) => s + (v - mu) ** 2, 0) / x.length;
    return x.map((v, i) => ((v - mu) / Math.sqrt(va + 1e-5)) * g[i] + b[i]);
  };
  const gelu = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  const tokens = [3, 0, 4];
  let xs = tokens.map((id, t) => mat('embed/tok')[id].map((e, j) => e + mat('embed/pos')[t][j]));
  const hN = xs.map((x) => ln(x, vec('block0/ln1/gamma'), vec('block0/ln1/beta')));
  const qkv = hN.map((x) => lin(x, mat('block0/attn/W_qkv'), vec('block0/attn/b_qkv')));
  const ctx = xs.map(() => new Array<number>(d).fill(0));
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < 3; i++) {
      const q = qkv[i].slice(h * dh, (h + 1) * dh);
      const scores = [];
      for (let j = 0; j <= i; j++) {
        const k = qkv[j].slice(d + h * dh, d + (h + 1) * dh);
        scores.push(q.reduce((s, qi, c) => s + qi * k[c], 0) / Math.sqrt(dh));
      }
      const mx = Math.max(...scores);
      const ex = scores.map((s) => Math.exp(s - mx));
      const z = ex.reduce((a, b) => a + b, 0);
      for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) ctx[i][h * dh + c] += (ex[j] / z) * qkv[j][2 * d + h * dh + c];
    }
  }
  xs = xs.map((x, i) => lin(ctx[i], mat('block0/attn/W_o'), vec('block0/attn/b_o')).map((a, j) => a + x[j]));
  xs = xs.map((x) => {
    const hid = lin(ln(x, vec('block0/ln2/gamma'), vec('block0/ln2/beta')), mat('block0/mlp/W_1'), vec('block0/mlp/b_1')).map(gelu);
    return lin(hid, mat('block0/mlp/W_2'), vec('block0/mlp/b_2')).map((a, j) => a + x[j]);
  });
  const want = xs.map((x) => lin(ln(x, vec('ln_f/gamma'), vec('ln_f/beta')), mat('head/W'), vec('head/b'))).flat();
  const got = tf.tidy(() => m.forward(tf.tensor2d([tokens], [1, 3], 'int32')).dataSync());
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `logit ${i}: ${got[i]} vs ${want[i]}`);
  m.dispose();
});

test('transformer: the first position depends only on token 0 and its position (no other context)', () => {
  const m = createTransformer({ vocabSize: 5, ...small, rng: createRng(3), prefix: 'tfirst/' });
  const a = tf.tidy(() => m.forward(tf.tensor2d([[2, 0, 1], [2, 4, 4]], [2, 3], 'int32')).arraySync());
  for (let k = 0; k < 5; k++) assert.ok(Math.abs(a[0][0][k] - a[1][0][k]) <= 1e-6);
  m.dispose();
});

function checkGradsAndLeaks(m: TokenModel, x: tf.Tensor2D, label: string): void {
  const before = tf.memory().numTensors;
  const { value, grads } = tf.tidy(() =>
    tf.variableGrads(() => {
      const logits = m.forward(x);
      const labels = tf.oneHot(x, m.vocabSize).toFloat();
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    }, m.variables as tf.Variable[]),
  );
  assert.ok(Number.isFinite(value.dataSync()[0]));
  for (const v of m.variables) {
    const g = Array.from(grads[v.name].dataSync());
    assert.ok(g.every(Number.isFinite), `${label}: gradient of ${v.name} is finite`);
    assert.ok(g.some((e) => e !== 0), `${label}: gradient of ${v.name} is non-zero`);
  }
  tf.dispose([value, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, before, `${label}: forward + backward leaked tensors`);
}

test('gradients reach every transformer variable, and nothing leaks (cpu and wasm)', async () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    await useBackend(backend);
    // maxLength = T so every positional row gets a gradient
    const m = createTransformer({ vocabSize: 7, ...small, maxLength: 6, rng: createRng(4), prefix: `tgrad-${backend}/` });
    const x = ids(2, 6, 7, 9);
    checkGradsAndLeaks(m, x, `transformer/${backend}`);
    x.dispose();
    m.dispose();
  }
  await useBackend('cpu');
});

test('recurrent models as token models: one-hot inputs, logits [B, T, V], causal, gradients to all variables', () => {
  for (const name of ['rnn', 'lstm', 'gru']) {
    const m = createModel({ name, vocabSize: 6, hidden: 8, seed: 5, prefix: `tok-${name}/`, init: name === 'rnn' ? 'basic-tanh' : undefined });
    assert.equal(m.input, 'tokens');
    if (m.input !== 'tokens') continue;
    assert.equal(m.kind, name);
    const x = ids(3, 5, 6, 2);
    const y = m.forward(x);
    assert.deepEqual(y.shape, [3, 5, 6]);
    const edited = tf.tensor2d(x.arraySync().map((row) => row.map((v, i) => (i >= 3 ? (v + 1) % 6 : v))), [3, 5], 'int32');
    const y2 = m.forward(edited);
    const a = y.arraySync();
    const b = y2.arraySync();
    for (let r = 0; r < 3; r++) for (let t = 0; t < 3; t++) for (let k = 0; k < 6; k++) assert.ok(Math.abs(a[r][t][k] - b[r][t][k]) <= 1e-6);
    tf.dispose([y, y2, edited]);
    checkGradsAndLeaks(m, x, `token ${name}`);
    x.dispose();
    m.dispose();
  }
});

test('token-model errors name the argument', () => {
  assert.throws(() => createModel({ name: 'transformer', seed: 1 }), { message: "vocabSize is required for model 'transformer' (it reads token ids)" });
  assert.throws(() => createTransformer({ vocabSize: 5, dModel: 10, heads: 4, rng: createRng(1) }), { message: 'heads must divide dModel, got dModel 10 and heads 4' });
  assert.throws(() => createModel({ name: 'lstm', vocabSize: 5, output: 'last' }), {
    message: "output must be 'sequence' (or unset) with vocabSize: token models predict every position",
  });
  assert.throws(() => createModel({ name: 'transformer', vocabSize: 5, init: 'glorot' }), { message: "init for transformer must be 'normal:<std>'; got 'glorot'" });
  const m = createTransformer({ vocabSize: 5, ...small, maxLength: 4, rng: createRng(1), prefix: 'terr/' });
  const long = tf.zeros([1, 5], 'int32') as tf.Tensor2D;
  assert.throws(() => m.forward(long), {
    message: 'transformer.forward: sequence length 5 exceeds maxLength 4; pass shorter sequences or build the model with a larger maxLength',
  });
  const bad = tf.tensor2d([[0, 5]], [1, 2], 'int32');
  assert.throws(() => m.forward(bad), { message: 'transformer.forward: ids must lie in [0, 5) (vocabSize), found 5' });
  const flt = tf.zeros([1, 2]) as tf.Tensor2D;
  assert.throws(() => m.forward(flt), { message: 'transformer.forward: ids must be int32, got float32' });
  tf.dispose([long, bad, flt]);
  m.dispose();
});

test('init normal:<std> sets the transformer init std; residual projections use std / sqrt(2 layers)', () => {
  const m = createModel({ name: 'transformer', vocabSize: 50, init: 'normal:0.5', transformer: { dModel: 32, layers: 2, heads: 2, maxLength: 8 }, seed: 3, prefix: 'tstd/' });
  const sd = (name: string): number => {
    const v = Array.from(m.variables.find((x) => x.name === `tstd/${name}`)!.dataSync());
    return Math.sqrt(v.reduce((s, e) => s + e * e, 0) / v.length);
  };
  assert.ok(Math.abs(sd('block0/attn/W_qkv') / 0.5 - 1) < 0.05);
  assert.ok(Math.abs(sd('block0/mlp/W_2') / (0.5 / 2) - 1) < 0.05);
  assert.ok(Math.abs(sd('embed/tok') / 0.5 - 1) < 0.05);
  m.dispose();
});

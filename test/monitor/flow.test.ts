/**
 * `gradientFlow` against PyTorch: the BPTT norms ‖∂L/∂h_t‖ of a tanh RNN,
 * an LSTM (state (h, c)) and a GRU computed with torch.autograd in float64
 * on the committed weights and inputs of test/vectors/flow.json; the exact
 * ρ^(T−t) flow of a linear RNN with recurrent matrix ρ·(orthogonal); the
 * spectra of the recurrent matrix; bad input, no tensor leaks (error paths
 * too), and variables left alone. On cpu and wasm.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { GradclipArgumentError, gradientFlow, type FlowProbe } from '../../packages/gradclip/src/index.js';
import { loadFlowVectors, type NetCase } from '../helpers/flow-vectors.js';

const V = loadFlowVectors();
type T2 = tf.Tensor2D;

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: got ${actual}, expected ${expected} (relative error ${Math.abs(actual - expected) / Math.abs(expected)})`);
}

/** Tensors of a case's weights, inputs x_t ([B, D] each) and targets. */
function netTensors(c: NetCase, shapes: Record<string, number[]>): { w: Record<string, tf.Tensor>; xs: T2[]; y: T2; all: tf.Tensor[] } {
  const w: Record<string, tf.Tensor> = {};
  for (const [k, shape] of Object.entries(shapes)) w[k] = tf.tensor(c.weights[k], shape);
  const x = tf.tensor3d(c.x, [c.T, c.B, c.D]);
  const xs = tf.unstack(x) as T2[];
  const y = tf.tensor2d(c.y, [c.B, 1]);
  return { w, xs, y, all: [...Object.values(w), x, ...xs, y] };
}

function rnnLoss(c: NetCase, t: ReturnType<typeof netTensors>, probe: FlowProbe): tf.Scalar {
  let h: T2 = tf.zeros([c.B, c.H]);
  for (const xt of t.xs) h = probe(tf.tanh(tf.add(tf.add(tf.matMul(xt, t.w.W_hx as T2), tf.matMul(h, t.w.W_hh as T2)), t.w.b_h)) as T2);
  return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h, t.w.W_hy as T2), t.w.b_y), t.y))) as tf.Scalar;
}

function gatedLoss(c: NetCase, t: ReturnType<typeof netTensors>, probe: FlowProbe): tf.Scalar {
  const H = c.H;
  let h: T2 = tf.zeros([c.B, H]);
  let cell: T2 = tf.zeros([c.B, H]);
  const Wh = t.w.W_h as T2;
  for (const xt of t.xs) {
    const xz = tf.add(tf.matMul(xt, t.w.W_x as T2), t.w.b) as T2;
    if (c.kind === 'lstm') {
      const [zi, zf, zg, zo] = tf.split(tf.add(xz, tf.matMul(h, Wh)), 4, 1) as T2[];
      const c2 = tf.add(tf.mul(tf.sigmoid(zf), cell), tf.mul(tf.sigmoid(zi), tf.tanh(zg))) as T2;
      const h2 = tf.mul(tf.sigmoid(zo), tf.tanh(c2)) as T2;
      [h, cell] = probe([h2, c2]);
    } else {
      const [xzz, xr, xn] = tf.split(xz, 3, 1) as T2[];
      const [Uz, Ur, Un] = tf.split(Wh, 3, 1) as T2[];
      const z = tf.sigmoid(tf.add(xzz, tf.matMul(h, Uz)));
      const r = tf.sigmoid(tf.add(xr, tf.matMul(h, Ur)));
      const n = tf.tanh(tf.add(xn, tf.matMul(tf.mul(r, h), Un)));
      h = probe(tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), n)) as T2);
    }
  }
  return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h, t.w.W_y as T2), t.w.b_y), t.y))) as tf.Scalar;
}

for (const backend of BACKENDS) {
  describe(`gradientFlow on ${backend}`, () => {
    before(async () => useBackend(backend));

    for (const c of V.rnn) {
      it(`tanh RNN = torch.autograd: ${c.name}`, () => {
        const t = netTensors(c, { W_hx: [c.D, c.H], W_hh: [c.H, c.H], b_h: [c.H], W_hy: [c.H, 1], b_y: [1] });
        const before = tf.memory().numTensors;
        const flow = gradientFlow((probe) => rnnLoss(c, t, probe), { recurrentMatrix: t.w.W_hh });
        assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
        assert.equal(flow.timeNorms.length, c.T);
        flow.timeNorms.forEach((n, i) => close(n, c.timeNorms[i], 1e-5, `timeNorms[${i}]`));
        // The matrix holds float32 values exactly, so its spectra are float64-exact.
        close(flow.spectralNorm as number, c.spectralNorm, 1e-9, 'spectralNorm');
        close(flow.spectralRadius as number, c.spectralRadius, 1e-9, 'spectralRadius');
        tf.dispose(t.all);
      });
    }

    for (const c of [...V.lstm, ...V.gru]) {
      it(`${c.kind} (state ${c.kind === 'lstm' ? '(h, c)' : 'h'}) = torch.autograd: ${c.name}`, () => {
        const g = c.kind === 'lstm' ? 4 : 3;
        const t = netTensors(c, { W_x: [c.D, g * c.H], W_h: [c.H, g * c.H], b: [g * c.H], W_y: [c.H, 1], b_y: [1] });
        const before = tf.memory().numTensors;
        const flow = gradientFlow((probe) => gatedLoss(c, t, probe));
        assert.equal(tf.memory().numTensors, before);
        assert.equal(flow.spectralNorm, undefined);
        flow.timeNorms.forEach((n, i) => close(n, c.timeNorms[i], 1e-5, `timeNorms[${i}]`));
        tf.dispose(t.all);
      });
    }

    for (const rho of [0.9, 1.1]) {
      it(`linear RNN with W = ${rho}·Q (Q orthogonal): ‖∂L/∂h_t‖ = ρ^(T−t)·‖∂L/∂h_T‖ and growth = ρ`, () => {
        const n = V.orthogonal.n;
        const T = 25;
        const W = tf.mul(tf.tensor2d(V.orthogonal.matrix, [n, n]), rho) as T2;
        const xs = Array.from({ length: T }, (_, i) => tf.fill([2, n], Math.sin(i + 1)) as T2);
        const v = tf.tensor2d(Array.from({ length: 2 * n }, (_, i) => Math.cos(i)), [2, n]);
        const flow = gradientFlow((probe) => {
          let h: T2 = tf.zeros([2, n]);
          for (const x of xs) h = probe(tf.add(tf.matMul(h, W), x) as T2);
          return tf.sum(tf.mul(h, v)) as tf.Scalar;
        });
        const last = flow.timeNorms[T - 1];
        close(last, Math.hypot(...(v.dataSync() as Float32Array)), 1e-6, '‖∂L/∂h_T‖ = ‖v‖');
        flow.timeNorms.forEach((x, i) => close(x, rho ** (T - (i + 1)) * last, 1e-5, `timeNorms[${i}]`));
        close(flow.growth as number, rho, 1e-5, 'growth');
        tf.dispose([W, v, ...xs]);
      });
    }
  });
}

describe('gradientFlow: arguments, leaks and side effects', () => {
  before(async () => useBackend('cpu'));
  const isArg = (re: RegExp) => (e: unknown) => e instanceof GradclipArgumentError && re.test(e.message);

  it('leaves variables, their values and the tape alone', () => {
    const W = tf.variable(tf.tensor2d([[0.5, -1], [1.5, 0.2]]), true, 'flow-test/W');
    const optimizer = tf.train.adam(0.1);
    const before = W.dataSync().slice();
    const flow = gradientFlow((probe) => {
      let h: T2 = tf.ones([1, 2]);
      for (let t = 0; t < 5; t++) h = probe(tf.tanh(tf.matMul(h, W)) as T2);
      return tf.sum(h) as tf.Scalar;
    }, { recurrentMatrix: W });
    assert.deepEqual(W.dataSync(), before);
    assert.equal(flow.timeNorms.length, 5);
    assert.equal(optimizer.iterations, 0);
    assert.equal(optimizer.getWeights.length, 0);
    // An ordinary gradient afterwards still works (no tape left open).
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.scalar(3));
    assert.equal(g.dataSync()[0], 6);
    tf.dispose([g, W]);
  });

  it('a probed state the loss does not use gets 0; the rest are measured', () => {
    const x = tf.scalar(2);
    const flow = gradientFlow((probe) => {
      const a = probe(tf.mul(x, 3));
      probe(tf.mul(x, 5)); // unused
      return tf.square(a) as tf.Scalar;
    });
    assert.deepEqual(flow.timeNorms, [12, 0]);
    assert.equal(flow.growth, null);
    x.dispose();
  });

  it('bad input throws GradclipArgumentError naming the argument, and leaks nothing', () => {
    const x = tf.tensor2d([[1, 2]]);
    const cases: [() => unknown, RegExp][] = [
      [() => gradientFlow(42 as unknown as () => tf.Scalar), /lossFn must be a function/],
      [() => gradientFlow(() => tf.sum(x) as tf.Scalar), /lossFn never called probe/],
      [() => gradientFlow((p) => tf.sum(p(tf.tensor1d([1, 2], 'int32')))), /must be float32/],
      [() => gradientFlow((p) => p(tf.mul(x, 2)) as unknown as tf.Scalar), /must return a scalar loss, got shape \[1, 2\]/],
      [() => gradientFlow(((p: FlowProbe) => (p(tf.mul(x, 2)), 3)) as unknown as () => tf.Scalar), /must return the loss as a scalar tf.Tensor, got 3/],
      [() => gradientFlow((p) => (p(tf.mul(x, 2)), tf.sum(x)) as tf.Scalar), /the loss does not depend on any probed state/],
      [() => gradientFlow((p) => tf.sum(p([] as tf.Tensor[])[0]) as tf.Scalar), /got an empty array/],
      [() => gradientFlow((p) => tf.sum(p('h' as unknown as tf.Tensor)) as tf.Scalar), /probe\(state\) at time step 1 needs a tf.Tensor/],
      [() => gradientFlow((p) => tf.sum(p(tf.mul(x, 2))) as tf.Scalar, { recurrentMatrix: x }), /recurrentMatrix must be a square \[H, H\] matrix/],
      [() => gradientFlow((p) => tf.sum(p(tf.mul(x, 2))) as tf.Scalar, { recurentMatrix: x } as unknown as undefined), /unknown option "recurentMatrix".*did you mean "recurrentMatrix"/],
      [() => gradientFlow((p) => tf.sum(p(tf.mul(x, 2))) as tf.Scalar, { recurrentMatrix: [[1]] as unknown as tf.Tensor }), /recurrentMatrix must be a tf.Tensor/],
    ];
    for (const [f, re] of cases) {
      const before = tf.memory().numTensors;
      assert.throws(f, isArg(re));
      assert.equal(tf.memory().numTensors, before, `leak after ${re}`);
    }
    let kept: FlowProbe | null = null;
    gradientFlow((p) => {
      kept = p;
      return tf.sum(p(tf.mul(x, 2))) as tf.Scalar;
    });
    assert.throws(() => (kept as unknown as FlowProbe)(x), isArg(/probe was called after gradientFlow returned/));
    x.dispose();
  });

  it('an error thrown by lossFn itself propagates and leaks nothing', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const before = tf.memory().numTensors;
    assert.throws(() => gradientFlow((p) => {
      p(tf.mul(x, 2));
      throw new RangeError('user bug');
    }), RangeError);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });
});

describe('gradientFlow / fitGrowth / spectralRadius: inputs that do not fit are refused', () => {
  it('a recurrentMatrix of another width, probes of changing shapes, a negative norm; the error names the function', async () => {
    const { tf: t, useBackend } = await import('../helpers/backends.js');
    const { gradientFlow, fitGrowth, spectralRadius } = await import('gradclip');
    await useBackend('cpu');
    const before = t.memory().numTensors;
    const W = t.eye(7);
    const run = (opts: Parameters<typeof gradientFlow>[1], widths: number[]) => () =>
      gradientFlow((probe) => {
        let total = t.scalar(0);
        for (const w of widths) total = t.add(total, t.sum(probe(t.ones([2, w])))) as typeof total;
        return total;
      }, opts);
    assert.throws(run({ recurrentMatrix: W }, [2, 2, 2]), /options\.recurrentMatrix is \[7, 7\] but the probed state has width 2/);
    assert.throws(run({}, [2, 3]), /probe got state shapes \[2, 3\] at time step 2 but \[2, 2\] at step 1/);
    W.dispose();
    assert.equal(t.memory().numTensors, before, 'no tensor left on the error paths');
    assert.throws(() => fitGrowth([1, -1, 2]), /fitGrowth: timeNorms\[1\] is -1, but a norm is >= 0/);
    assert.equal(fitGrowth([4, Number.NaN, 1]), 2, 'NaN is skipped, as documented');
    assert.throws(() => spectralRadius([1, 2, 3], 2), /^GradclipArgumentError: spectralRadius: /);
  });
});

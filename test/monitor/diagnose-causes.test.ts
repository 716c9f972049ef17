/**
 * diagnose's ranked causes on small real trainings through the library
 * (withTransforms + monitor, TF.js cpu backend), whose cause is known by
 * construction (issue 14, part 3):
 *
 * - 12 dense sigmoid layers with a small initialisation → `vanishing-depth`;
 * - 12 dense sin layers whose weights have gain 3 (bounded activations, so
 *   only the backward signal grows) → `exploding-depth`;
 * - a healthy tanh MLP that meets one batch with a NaN input, skipped by
 *   skipNonFinite → `bad-data-or-numerics`;
 * - a linear RNN `h_t = h_{t−1} W + x_t U` with `W = ρ Q` (Q orthogonal), whose
 *   backpropagated gradient changes by exactly ρ per time step, measured
 *   with gradientFlow every 5 steps: ρ = 0.9 → `vanishing-through-time`,
 *   ρ = 1.1 → `exploding-through-time`.
 *
 * Plus the ranking without `flow` records and the context validation.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { trainSigmoidStack } from '../helpers/sigmoid-stack.js';
import { diagnose } from '../../packages/gradclip/src/monitor/diagnose/index.js';
import { gradientFlow } from '../../packages/gradclip/src/monitor/flow.js';
import type { StepStats } from '../../packages/gradclip/src/core/step-stats.js';
import { GradclipArgumentError } from '../../packages/gradclip/src/core/errors.js';
import { withTransforms } from '../../packages/gradclip/src/optim/transforming-optimizer.js';
import { chain, monitor, skipNonFinite } from '../../packages/gradclip/src/transforms/index.js';

/** Seeded uniform (mulberry32) and normal (Box-Muller) draws. */
function rng(seed: number): { u: () => number; normal: (std: number) => number } {
  let a = seed >>> 0;
  const u = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { u, normal: (std) => std * Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u()) };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** An n × n orthogonal matrix (Gram-Schmidt on seeded normals, float64), row-major. */
function orthogonal(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const q: number[][] = [];
  while (q.length < n) {
    const v = Array.from({ length: n }, () => r.normal(1));
    for (const b of q) {
      const d = v.reduce((s, x, i) => s + x * b[i], 0);
      for (let i = 0; i < n; i++) v[i] -= d * b[i];
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    if (norm > 1e-6) q.push(v.map((x) => x / norm));
  }
  return Float64Array.from(q.flat());
}

describe('diagnose causes on real library trainings', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('12 dense sigmoid layers: vanishing-depth, with fixes for a deep sigmoid MLP', () => {
    const before = tf.memory().numTensors;
    const L = 12;
    const W = 24;
    const N = 32;
    const IN = 8;
    const r = rng(12345);
    const STEPS = 40;
    const { stats } = trainSigmoidStack({ normal: (std) => r.normal(std), name: (l, part) => `mlp/dense${String(l).padStart(2, '0')}/${part}`, layers: L, width: W, examples: N, inputs: IN, steps: STEPS });
    assert.equal(tf.memory().numTensors, before);

    // Independent reference: per-layer norms sqrt(kernel² + bias²), their medians, and the
    // least-squares slope of log10(median) over the layer index, times (L - 1).
    const meds = Array.from({ length: L }, (_, l) => {
      const p = `mlp/dense${String(l).padStart(2, '0')}`;
      return median(stats.map((s) => Math.hypot(s.layerNorms![`${p}/kernel`], s.layerNorms![`${p}/bias`])));
    });
    const ys = meds.map((m) => Math.log10(m));
    const xm = (L - 1) / 2;
    const ym = ys.reduce((a, b) => a + b) / L;
    const slope = ys.reduce((s, yv, k) => s + (k - xm) * (yv - ym), 0) / ys.reduce((s, _, k) => s + (k - xm) ** 2, 0);
    const span = slope * (L - 1);
    assert.ok(span > 4, `the gradient falls ${span} decades toward the input`);

    const context = { model: 'mlp', layers: 12, activation: 'sigmoid', residual: false, optimizer: 'sgd', learningRate: 0.01 } as const;
    const d = diagnose(stats, {}, context);
    const top = d.causes![0];
    assert.equal(top.cause, 'vanishing-depth', JSON.stringify(d.causes, null, 1));
    assert.ok(top.confidence >= 0.8);
    assert.ok(top.evidence[0].includes(`10^${Number(span.toPrecision(2))}`), top.evidence[0]);
    assert.ok(top.evidence[0].includes('Across 12 layers'));
    assert.match(top.fixes[0], /ReLU or GELU instead of sigmoid/);
    assert.ok(top.fixes.some((f) => /residual/i.test(f)));
    assert.ok(!d.causes!.some((c) => c.cause.endsWith('through-time')), 'no time axis in an MLP');
    // Without context the ranking holds (from the layer norms alone).
    assert.equal(diagnose(stats).causes![0].cause, 'vanishing-depth');
    // With residual connections already there, they are not proposed.
    const withRes = diagnose(stats, {}, { ...context, residual: true });
    assert.ok(!withRes.causes![0].fixes.some((f) => /residual/i.test(f)));
  });

  it('12 dense sin layers with gain 3 per layer: exploding-depth (bounded activations, the gradient grows toward the input)', () => {
    const before = tf.memory().numTensors;
    const L = 12;
    const W = 24;
    const N = 32;
    const r = rng(321);
    const vars: tf.Variable[] = [];
    for (let l = 0; l < L; l++) {
      const fout = l === L - 1 ? 1 : W;
      const std = 3 / Math.sqrt(W);
      vars.push(tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: W * fout }, () => r.normal(std)), [W, fout]), true, `deep/dense${String(l).padStart(2, '0')}/kernel`)));
    }
    const x = tf.tensor2d(Float32Array.from({ length: N * W }, () => r.normal(1)), [N, W]);
    const y = tf.tensor2d(Float32Array.from({ length: N }, (_, i) => Math.cos(i)), [N, 1]);
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        let h: tf.Tensor = x;
        for (let l = 0; l < L; l++) {
          h = tf.matMul(h as tf.Tensor2D, vars[l] as tf.Tensor2D);
          if (l < L - 1) h = tf.sin(h);
        }
        return tf.mean(tf.square(tf.sub(h, y))) as tf.Scalar;
      });
    const STEPS = 20;
    const opt = withTransforms(tf.train.sgd(1e-4), monitor(), { layerNorms: true, statsBuffer: STEPS });
    for (let s = 0; s < STEPS; s++) opt.minimize(loss, false, vars);
    const stats = opt.drainStatsSync();
    opt.dispose();
    tf.dispose([x, y, ...vars]);
    assert.equal(tf.memory().numTensors, before);
    // Independent reference: the first layer's median gradient is over 100x the last's.
    const med = (l: number): number => median(stats.map((s) => s.layerNorms![`deep/dense${String(l).padStart(2, '0')}/kernel`]));
    assert.ok(med(0) > 100 * med(L - 1), `${med(0)} vs ${med(L - 1)}`);
    const d = diagnose(stats, {}, { model: 'mlp', layers: 12, activation: 'sin', optimizer: 'sgd', learningRate: 1e-4 });
    const top = d.causes![0];
    assert.equal(top.cause, 'exploding-depth', JSON.stringify(d.causes, null, 1));
    assert.ok(top.evidence[0].startsWith('Across 12 layers the gradient grows toward the input'), top.evidence[0]);
    assert.match(top.fixes[0], /smaller scale/);
    assert.equal(diagnose(stats).causes![0].cause, 'exploding-depth');
  });

  it('one batch with a NaN input in a healthy run, skipped by skipNonFinite: bad-data-or-numerics', () => {
    const before = tf.memory().numTensors;
    const r = rng(7);
    const IN = 4;
    const H = 8;
    const N = 16;
    const STEPS = 60;
    const BAD = 30;
    const w1 = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: IN * H }, () => r.normal(0.5)), [IN, H]), true, 'net/hidden/kernel'));
    const w2 = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: H }, () => r.normal(0.5)), [H, 1]), true, 'net/out/kernel'));
    const batches = Array.from({ length: STEPS }, (_, s) => {
      const xs = Float32Array.from({ length: N * IN }, () => r.normal(1));
      if (s + 1 === BAD) xs[5] = Number.NaN;
      const ys = Float32Array.from({ length: N }, (_, i) => Math.tanh(xs[i * IN] - xs[i * IN + 1]));
      return { x: tf.tensor2d(xs, [N, IN]), y: tf.tensor2d(ys, [N, 1]) };
    });
    const opt = withTransforms(tf.train.sgd(0.1), chain(monitor(), skipNonFinite()), { layerNorms: true, statsBuffer: STEPS });
    for (const b of batches) {
      opt.minimize(() => tf.tidy(() => tf.mean(tf.square(tf.sub(tf.matMul(tf.tanh(tf.matMul(b.x, w1)), w2), b.y))) as tf.Scalar), false, [w1, w2]);
    }
    const stats = opt.drainStatsSync();
    opt.dispose();
    tf.dispose([w1, w2, ...batches.flatMap((b) => [b.x, b.y])]);
    assert.equal(tf.memory().numTensors, before);
    // The run as built: exactly one non-finite step, skipped, the others finite.
    const bad = stats.filter((s) => !Number.isFinite(s.loss ?? 0) || !Number.isFinite(s.preClipNorm ?? 0));
    assert.deepEqual(bad.map((s) => s.step), [BAD]);
    assert.equal(bad[0].skipped, true);

    const d = diagnose(stats, {}, { model: 'mlp', layers: 2, optimizer: 'sgd', learningRate: 0.1, clip: 'none' });
    const top = d.causes![0];
    assert.equal(top.cause, 'bad-data-or-numerics', JSON.stringify(d.causes, null, 1));
    assert.ok(top.confidence >= 0.7);
    assert.match(top.evidence[0], new RegExp(`^At step ${BAD} `));
    assert.ok(top.evidence.some((e) => /NaN, not ±Infinity/.test(e)));
    assert.ok(top.evidence.some((e) => e.includes(`the ${STEPS - BAD} steps after it ran normally`)));
    assert.match(top.fixes[0], new RegExp(`Check the batch of step ${BAD}`));
    assert.ok(top.fixes.some((f) => /Keep the non-finite guard/.test(f)));
    // The old verdict (exploding, from the non-finite rule) is kept.
    assert.equal(d.status, 'exploding');
  });

  /**
   * Trains `h_t = h_{t−1} W + x_t U` (H = 16, T = 50, h_0 = 0) to output x_1 (a memory task) with
   * SGD at `lr` for 30 steps, W = ρ Q fixed (not trained, so ρ stays exact), U and the read-out V trained;
   * measures gradientFlow before every 5th step and puts it on that step's record.
   */
  function linearRnn(rho: number, lr: number): { stats: StepStats[]; flows: number } {
    const before = tf.memory().numTensors;
    const H = 16;
    const T = 50;
    const B = 8;
    const STEPS = 30;
    const r = rng(99);
    const q = orthogonal(H, 5);
    const Wh = tf.tensor2d(Float32Array.from(q, (v) => rho * v), [H, H]);
    const U = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: H }, () => r.normal(0.3)), [1, H]), true, 'lin/rnn/U_x'));
    const V = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: H }, () => r.normal(0.3)), [H, 1]), true, 'lin/out/V'));
    const data = Array.from({ length: STEPS }, () => Float32Array.from({ length: B * T }, () => r.normal(1)));
    const forward = (xs: Float32Array, probe: <S extends tf.Tensor>(h: S) => S): tf.Scalar => {
      const x = tf.tensor2d(xs, [B, T]);
      let h: tf.Tensor = tf.zeros([B, H]);
      for (let t = 0; t < T; t++) h = probe(tf.add(tf.matMul(h as tf.Tensor2D, Wh), tf.matMul(tf.slice(x, [0, t], [B, 1]) as tf.Tensor2D, U as tf.Tensor2D)));
      return tf.mean(tf.square(tf.sub(tf.matMul(h as tf.Tensor2D, V as tf.Tensor2D), tf.slice(x, [0, 0], [B, 1])))) as tf.Scalar;
    };
    const opt = withTransforms(tf.train.sgd(lr), monitor(), { layerNorms: true, statsBuffer: STEPS });
    const flows = new Map<number, ReturnType<typeof gradientFlow>>();
    for (let s = 0; s < STEPS; s++) {
      if (s % 5 === 0) flows.set(s + 1, gradientFlow((probe) => forward(data[s], probe), { recurrentMatrix: Wh }));
      opt.minimize(() => tf.tidy(() => forward(data[s], (h) => h)), false, [U, V]);
    }
    const stats = opt.drainStatsSync().map((s) => (flows.has(s.step) ? { ...s, flow: flows.get(s.step) } : s));
    opt.dispose();
    tf.dispose([Wh, U, V]);
    assert.equal(tf.memory().numTensors, before);
    return { stats, flows: flows.size };
  }

  for (const [rho, lr, expected] of [[0.9, 0.01, 'vanishing-through-time'], [1.1, 1e-5, 'exploding-through-time']] as const) {
    it(`linear RNN with W = ${rho} Q, SGD lr ${lr}: ${expected}`, () => {
      const { stats, flows } = linearRnn(rho, lr);
      assert.equal(flows, 6);
      // The flow as measured: the backpropagated norm changes by rho per step (Q orthogonal).
      for (const s of stats.filter((x) => x.flow)) {
        assert.ok(Math.abs(s.flow!.growth! - rho) < 1e-3, `growth ${s.flow!.growth}`);
        assert.ok(Math.abs(s.flow!.spectralNorm! - rho) < 1e-4, `spectral norm ${s.flow!.spectralNorm}`);
      }
      const d = diagnose(stats, {}, { model: 'rnn', layers: 2, activation: 'linear', sequenceLength: 50, optimizer: 'sgd', learningRate: lr, clip: 'none' });
      const top = d.causes![0];
      assert.equal(top.cause, expected, JSON.stringify(d.causes, null, 1));
      assert.ok(top.confidence >= 0.7, String(top.confidence));
      // "grow about 1.1× per time step backward over T = 40": the growth and T as measured.
      const g = median(stats.filter((x) => x.flow).map((x) => x.flow!.growth!));
      assert.ok(top.evidence[0].includes(`about ${Number(g.toPrecision(3))}× per time step backward over T = 50`), top.evidence[0]);
      const decades = 49 * Math.abs(Math.log10(g));
      assert.ok(top.evidence[0].includes(`10^${Number(decades.toPrecision(2))} times`), top.evidence[0]);
      if (expected === 'vanishing-through-time') {
        assert.ok(top.evidence.some((e) => /Clipping cannot help/.test(e)));
        assert.ok(top.fixes.some((f) => /LSTM or GRU/.test(f)));
        for (const f of top.fixes) assert.doesNotMatch(f, /[Cc]lip/);
      } else {
        assert.match(top.fixes[0], /[Cc]lip the gradient by global norm/);
        // Truncated BPTT over K = floor(2 / log10 g) steps bounds the amplification g^K to 100×.
        const K = Math.floor(2 / Math.log10(g));
        assert.ok(K < 50 && g ** K <= 100 && g ** (K + 1) > 100);
        assert.ok(top.fixes.some((f) => f.includes(`Truncate backpropagation through time to about ${K} steps`)), top.fixes.join('\n'));
      }
      // Without the flow records, a linear RNN with no explosion gives no through-time cause.
      const noFlow = diagnose(stats.map(({ flow: _f, ...rest }) => rest), {}, { model: 'rnn' });
      assert.ok(!noFlow.causes!.some((c) => c.cause === expected && c.confidence >= 0.7));
    });
  }

  it('records without flow still rank from norms and layer norms; bad context is rejected', () => {
    // An unclipped run whose recurrent layer leads a norm explosion, hand-built records.
    const stats: StepStats[] = Array.from({ length: 40 }, (_, i) => {
      const blow = i >= 20 ? 10 ** (i - 19) : 1;
      return {
        step: i + 1, loss: 1, preClipNorm: 1 + blow, postClipNorm: 1 + blow, clipCoef: 1, clipped: false, skipped: false,
        layerNorms: { 'm/rnn/W_hh': blow, 'm/out/W': 1 },
      };
    });
    const d = diagnose(stats);
    assert.equal(d.causes![0].cause, 'exploding-through-time');
    assert.throws(() => diagnose(stats, {}, { model: 'rnnn' as never }), (e: unknown) => e instanceof GradclipArgumentError && /context\.model must be one of rnn, lstm/.test(e.message));
    assert.throws(() => diagnose(stats, {}, { learningRat: 0.1 } as never), (e: unknown) => e instanceof GradclipArgumentError && /did you mean "learningRate"/.test(e.message));
    assert.throws(() => diagnose(stats, {}, { learningRate: -1 }), /context\.learningRate must be a finite number > 0/);
    assert.throws(() => diagnose(stats, {}, { layers: 1.5 }), /context\.layers must be an integer >= 1/);
    assert.throws(() => diagnose(stats, {}, { unclippedDiverged: 'yes' as never }), /context\.unclippedDiverged must be a boolean/);
    // Confidences are in [0, 1], best first.
    const cs = d.causes!;
    for (let i = 0; i < cs.length; i++) {
      assert.ok(cs[i].confidence >= 0 && cs[i].confidence <= 1);
      if (i > 0 && cs[i].cause !== 'saturation-after-explosion') assert.ok(cs[i].confidence <= cs[i - 1].confidence);
    }
    // Empty and too-short runs: no causes.
    assert.deepEqual(diagnose([]).causes, []);
    assert.deepEqual(diagnose(stats.slice(0, 5)).causes, []);
  });
});

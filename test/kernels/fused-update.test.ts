// Clipping inside the update (wasm SIMD): withClipping / withTransforms with a plain
// global-norm clip around tf.train.sgd, tf.train.adam and adamw() must give the same
// weights and optimizer state as clip-then-applyGradients, over several steps, via
// applyGradients and via minimize; skip semantics and other paths are unchanged.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend } from '../helpers/backends.js';
import { withClipping, withTransforms, adamw } from 'gradclip';
import { fusedUpdateAvailable, applyClippedUpdate } from 'gradclip';
import * as transforms from '../../packages/gradclip/src/transforms/index.js';
import { measurePeak } from '../../bench/lib/memory.js';
import { rng } from '../helpers/rng.js';

function data(n: number, seed: number, mag: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (r() * 2 - 1) * mag;
  return x;
}

const SHAPES = [[7, 5], [5], [33], [1]];
let uid = 0;
function makeVars(prefix: string): tf.Variable[] {
  return SHAPES.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    return tf.variable(tf.tensor(data(n, 10 + i, 1), s), true, `${prefix}_${uid}_${i}`);
  });
}
/** Gradients of step k (same for every optimizer under test); the norm crosses 1 both ways. */
function gradsFor(vars: tf.Variable[], k: number): tf.NamedTensorMap {
  const m: tf.NamedTensorMap = {};
  vars.forEach((v, i) => (m[v.name] = tf.tensor(data(v.size, 1000 * k + i, k % 2 === 0 ? 2 : 0.01), v.shape)));
  return m;
}
function maxUlpDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    const ulp = Math.max(Math.abs(a[i]), Math.abs(b[i])) * 2 ** -23 + 1e-45;
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / ulp);
  }
  return worst;
}

type Factory = () => tf.Optimizer;
const OPTIMIZERS: Array<[string, Factory]> = [
  ['sgd', () => tf.train.sgd(0.1)],
  ['adam', () => tf.train.adam(0.01, 0.9, 0.999, 1e-7)],
  ['adamw', () => adamw({ learningRate: 0.01, weightDecay: 0.1, excludeFromWeightDecay: ['_3'] })],
];

describe('fused clipped update on wasm', () => {
  before(async () => {
    await useBackend('wasm');
  });

  for (const [name, make] of OPTIMIZERS) {
    it(`${name}: withClipping({globalClipnorm: 1}) fused equals unfused and clip-then-applyGradients over 6 steps`, async () => {
      const fusedVars = makeVars(`f${name}`);
      const plainVars = makeVars(`p${name}`);
      const refVars = makeVars(`r${name}`);
      uid++;
      const fused = withClipping(make(), { globalClipnorm: 1 });
      const plain = withClipping(make(), { globalClipnorm: 1 }, { fusedUpdate: false });
      const ref = make();
      assert.equal(fusedUpdateAvailable(fused.inner), true);
      let afterStep2 = 0;
      for (let k = 1; k <= 6; k++) {
        const gf = gradsFor(fusedVars, k);
        const gp = gradsFor(plainVars, k);
        const gr = gradsFor(refVars, k);
        fused.applyGradients(gf);
        plain.applyGradients(gp);
        // independent path: the global norm in float64 here, TF's clip_by_global_norm
        // formula c·min(1/n, 1/c) + (n − n) with c = 1, then the stock optimizer
        let sq = 0;
        for (const g of Object.values(gr)) for (const x of g.dataSync()) sq += x * x;
        const clipped = tf.tidy(() => {
          const n = tf.scalar(Math.sqrt(sq));
          const scale = tf.add(tf.mul(1, tf.minimum(tf.div(1, n), 1)), tf.sub(n, n));
          const out: tf.NamedTensorMap = {};
          for (const [key, g] of Object.entries(gr)) out[key] = tf.mul(g, scale);
          return out;
        });
        ref.applyGradients(clipped);
        tf.dispose([...Object.values(gf), ...Object.values(gp), ...Object.values(gr), ...Object.values(clipped)]);
        const s = fused.lastStats();
        assert.ok(s !== null && s.preClipNorm !== null && s.clipCoef !== null);
        assert.equal(s.clipped, k % 2 === 0);
        if (k === 2) afterStep2 = tf.memory().numTensors;
      }
      assert.equal(tf.memory().numTensors, afterStep2, 'no tensors leaked by steps 3..6');
      for (let i = 0; i < SHAPES.length; i++) {
        const f = fusedVars[i].dataSync();
        assert.ok(maxUlpDiff(f, plainVars[i].dataSync()) <= 2, `${name} var ${i} vs unfused`);
        assert.ok(maxUlpDiff(f, refVars[i].dataSync()) <= 4, `${name} var ${i} vs reference`);
      }
      // optimizer state (moments, iterations) the same
      assert.equal(fused.iterations, 6);
      const wf = await fused.getWeights();
      const wp = await plain.getWeights();
      assert.equal(wf.length, wp.length);
      wf.forEach((w, i) => assert.ok(maxUlpDiff(w.tensor.dataSync(), wp[i].tensor.dataSync()) <= 2, `weight ${w.name}`));
      fused.dispose();
      plain.dispose();
      ref.dispose();
      tf.dispose([...fusedVars, ...plainVars, ...refVars]);
    });
  }

  it('Adam via minimize (owned gradients) matches a float64 reference of clip + Adam', () => {
    const x = data(64, 5, 3);
    const w0 = data(64, 6, 1);
    const w = tf.variable(tf.tensor1d(w0), true, `minw_${uid++}`);
    const xt = tf.tensor1d(x);
    const opt = withClipping(tf.train.adam(0.05, 0.9, 0.999, 1e-7), { globalClipnorm: 0.5 });
    // loss = sum(w * x) + 0.5 * sum(w^2)  →  grad = x + w
    const ref = Float64Array.from(w0);
    const m = new Float64Array(64);
    const v = new Float64Array(64);
    for (let t = 1; t <= 4; t++) {
      opt.minimize(() => tf.add(tf.sum(tf.mul(w, xt)), tf.mul(0.5, tf.sum(tf.square(w)))) as tf.Scalar);
      const g = ref.map((wi, i) => x[i] + wi);
      const n = Math.sqrt(g.reduce((a, b) => a + b * b, 0));
      const c = 0.5 / Math.max(n, 0.5);
      for (let i = 0; i < 64; i++) {
        const gc = g[i] * c;
        m[i] = 0.9 * m[i] + 0.1 * gc;
        v[i] = 0.999 * v[i] + 0.001 * gc * gc;
        ref[i] -= (0.05 * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-7);
      }
    }
    const got = w.dataSync();
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(got[i] - ref[i]) <= 1e-5 * Math.max(1, Math.abs(ref[i])), `w[${i}]`);
    opt.dispose();
    tf.dispose([w, xt]);
  });

  it('a variable sharing its buffer is copied before the in-place update (the alias keeps its values)', () => {
    const init = tf.tensor1d([1, 2, 3]);
    const v = tf.variable(init, true, `cow_${uid++}`); // shares init's buffer
    const opt = withClipping(tf.train.sgd(1), { globalClipnorm: 100 });
    const g = { [v.name]: tf.tensor1d([1, 1, 1]) };
    opt.applyGradients(g);
    assert.deepEqual(Array.from(v.dataSync()), [0, 1, 2]);
    assert.deepEqual(Array.from(init.dataSync()), [1, 2, 3]);
    opt.dispose();
    tf.dispose([init, v, ...Object.values(g)]);
  });

  it('non-finite gradients: NaN weights as Keras (plain clip); skipNonFinite in a chain still skips', async () => {
    const v = tf.variable(tf.tensor1d([1, 2]), true, `nan_${uid++}`);
    const opt = withClipping(tf.train.adam(0.1), { globalClipnorm: 1 });
    const g = { [v.name]: tf.tensor1d([NaN, 1]) };
    opt.applyGradients(g);
    assert.ok(Array.from(v.dataSync()).every(Number.isNaN));
    const u = tf.variable(tf.tensor1d([1, 2]), true, `skip_${uid++}`);
    const guarded = withTransforms(
      tf.train.adam(0.1),
      transforms.chain(transforms.skipNonFinite(), transforms.clipByGlobalNorm(1, { rule: 'tf' })),
    );
    const ok = { [u.name]: tf.tensor1d([3, 4]) };
    guarded.applyGradients(ok);
    const afterOk = Array.from(u.dataSync());
    const wBefore = (await guarded.getWeights()).map((w) => Array.from(w.tensor.dataSync()));
    const bad = { [u.name]: tf.tensor1d([Infinity, 4]) };
    guarded.applyGradients(bad);
    assert.deepEqual(Array.from(u.dataSync()), afterOk, 'weights untouched by the skipped step');
    const wAfter = (await guarded.getWeights()).map((w) => Array.from(w.tensor.dataSync()));
    assert.deepEqual(wAfter, wBefore, 'optimizer state untouched by the skipped step');
    assert.equal(guarded.lastStats()?.skipped, true);
    opt.dispose();
    guarded.dispose();
    tf.dispose([v, u, ...Object.values(g), ...Object.values(ok), ...Object.values(bad)]);
  });

  it('fusedUpdate: true throws with a clear message where it cannot fuse; applyClippedUpdate validates', async () => {
    const v = tf.variable(tf.tensor1d([1, 2]), true, `req_${uid++}`);
    const g = { [v.name]: tf.tensor1d([1, 1]) };
    const rms = withClipping(tf.train.rmsprop(0.1), { globalClipnorm: 1 }, { fusedUpdate: true });
    assert.throws(() => rms.applyGradients(g), /fusedUpdate: true needs tf\.train\.sgd, tf\.train\.adam or adamw\(\) on the wasm backend/);
    const coef = tf.scalar(1);
    assert.throws(() => applyClippedUpdate(tf.train.sgd(1), { nosuchvar: tf.scalar(1) }, coef), /no variable named "nosuchvar"/);
    await useBackend('cpu');
    const cpuOpt = withClipping(tf.train.sgd(0.1), { globalClipnorm: 1 }, { fusedUpdate: true });
    assert.equal(fusedUpdateAvailable(cpuOpt.inner), false);
    const gc = { [v.name]: tf.tensor1d([1, 1]) };
    assert.throws(() => cpuOpt.applyGradients(gc), /got SGD on "cpu"/);
    tf.dispose(Object.values(gc));
    await useBackend('wasm');
    rms.dispose();
    tf.dispose([v, coef, ...Object.values(g)]);
  });

  it('memory: a fused clipped Adam step holds new buffers for one variable at a time (w, m, v), less than plain Adam', () => {
    // New weights and moments go into fresh buffers (tfjs-wasm caches packed matMul weights by
    // tensor id, DESIGN.md section 7); each variable's old buffers are freed before the next.
    const vars = [tf.variable(tf.tensor1d(data(30000, 1, 1)), true, `mem_${uid}_a`), tf.variable(tf.tensor1d(data(20000, 2, 1)), true, `mem_${uid++}_b`)];
    const opt = withClipping(tf.train.adam(0.01), { globalClipnorm: 1 });
    const plain = tf.train.adam(0.01);
    const g = gradsFor(vars, 2);
    opt.applyGradients(g); // first step creates the moments
    plain.applyGradients(g as unknown as Parameters<typeof plain.applyGradients>[0]);
    const peak = measurePeak(() => opt.applyGradients(g)).peakExtraBytes;
    const plainPeak = measurePeak(() => plain.applyGradients(g as unknown as Parameters<typeof plain.applyGradients>[0])).peakExtraBytes;
    assert.ok(peak <= 3 * 4 * 30000 + 1024, `peak ${peak} B`);
    assert.ok(peak < plainPeak, `fused ${peak} B vs plain adam ${plainPeak} B`);
    opt.dispose();
    plain.dispose();
    tf.dispose([...vars, ...Object.values(g)]);
  });
});

describe('in-place clip of owned gradients (minimize), cpu', () => {
  it('withClipping(rmsprop) via minimize scales in place: no extra gradient-sized buffer, same result as applyGradients', async () => {
    await useBackend('cpu');
    const x = tf.tensor1d(data(50000, 3, 2));
    const a = tf.variable(tf.tensor1d(data(50000, 4, 1)), true, `own_${uid}_a`);
    const b = tf.variable(tf.tensor1d(Array.from(a.dataSync())), true, `own_${uid++}_b`);
    const oa = withClipping(tf.train.rmsprop(0.01), { globalClipnorm: 1 });
    const ob = withClipping(tf.train.rmsprop(0.01), { globalClipnorm: 1 });
    const lossOf = (w: tf.Variable) => (): tf.Scalar => tf.sum(tf.mul(w, x)) as tf.Scalar; // grad = x
    oa.minimize(lossOf(a)); // warm-up: the optimizer's slots
    const { grads } = tf.variableGrads(lossOf(b), [b]);
    ob.applyGradients(grads);
    tf.dispose(Object.values(grads));
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    const gradBytes = 4 * 50000;
    // minimize itself holds the gradient (1×) and rmsprop temporaries; the clip adds nothing on top:
    const inPlace = measurePeak(() => oa.minimize(lossOf(a))).peakExtraBytes;
    const copying = withClipping(tf.train.rmsprop(0.01), { globalClipnorm: 1 }, { layerNorms: true }); // forces out of place
    copying.minimize(lossOf(b));
    const outOfPlace = measurePeak(() => copying.minimize(lossOf(b))).peakExtraBytes;
    assert.ok(outOfPlace - inPlace >= gradBytes * 0.99, `in place ${inPlace} B vs out of place ${outOfPlace} B`);
    tf.dispose([x, a, b]);
    oa.dispose();
    ob.dispose();
    copying.dispose();
  });
});

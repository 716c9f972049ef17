// transforms.adaGC (Wang et al., arXiv 2502.11034) against the float64 PyTorch
// reference of scripts/gen_guard_vectors.py (test/vectors/guards.json): a spike
// after warm-up, the warm-up boundary, a tensor first seen after warm-up,
// absent and zero gradients, the defaults over 103 steps; on cpu and wasm, to
// float32 tolerance. Plus the state (JSON round trip, immutability,
// validation), non-finite steps, spec / model.save, options and leaks.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, BACKENDS } from '../helpers/backends.js';
import { GradclipArgumentError, transforms, withTransforms } from 'gradclip';
import { adaGC, type AdaGCState } from '../../packages/gradclip/src/transforms/adaptive/index.js';
import { loadGuardVectors, type AdaGCVectorCase } from '../helpers/guard-vectors.js';
import { assertClose } from '../helpers/vectors.js';
import { disposeInfo } from '../helpers/transforms.js';

const V = loadGuardVectors();
/** float32 norms (rounded once, accumulated in float64) feed float64 host arithmetic: a few float32 ulps. */
const REL = 2e-6;
const ABS = 1e-30;

function gradsOf(c: AdaGCVectorCase, step: number): tf.NamedTensorMap {
  const g: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(c.steps[step].grads)) {
    (g as Record<string, tf.Tensor | null>)[k] = v === null ? null : tf.tensor(v, c.shapes[k]);
  }
  return g;
}

function disposeAll(updates: tf.NamedTensorMap, grads: tf.NamedTensorMap): void {
  for (const k of Object.keys(updates)) if (updates[k] && updates[k] !== grads[k]) updates[k].dispose();
  for (const t of Object.values(grads)) t?.dispose();
}

for (const backend of BACKENDS) {
  describe(`adaGC against the PyTorch reference (${backend})`, () => {
    before(() => useBackend(backend));

    for (const c of V.adaGC) {
      it(`${c.id}: ${c.note}`, () => {
        const t = adaGC(c.options);
        let state = t.init({});
        const before = tf.memory().numTensors;
        c.steps.forEach((s, i) => {
          const what = `${c.id} step ${i + 1}`;
          const g = gradsOf(c, i);
          const r = t.update(g, state);
          for (const [k, ref] of Object.entries(s.expect.updates)) {
            if (ref === null) {
              assert.equal(r.updates[k], null, `${what}: ${k} stays absent`);
              continue;
            }
            const got = r.updates[k].dataSync();
            for (let j = 0; j < ref.length; j++) assertClose(got[j], ref[j], REL, ABS, `${what}: ${k}[${j}]`);
            if (!s.expect.clipped) assert.equal(r.updates[k], g[k], `${what}: an unclipped tensor is passed through`);
          }
          assert.deepEqual(Object.keys(r.state.gamma).sort(), Object.keys(s.expect.gamma).sort(), `${what}: gamma keys`);
          for (const [k, ref] of Object.entries(s.expect.gamma)) assertClose(r.state.gamma[k], ref, REL, ABS, `${what}: gamma ${k}`);
          assertClose(r.info.preClipNorm.dataSync()[0], s.expect.preClipNorm, REL, ABS, `${what}: preClipNorm`);
          assertClose(r.info.postClipNorm.dataSync()[0], s.expect.postClipNorm, REL, ABS, `${what}: postClipNorm`);
          assert.equal(r.info.clipped, s.expect.clipped, `${what}: clipped`);
          assert.equal(r.info.warmup, s.expect.warmup, `${what}: warmup`);
          assert.equal(r.state.step, i + 1);
          disposeInfo(r.info);
          disposeAll(r.updates, g);
          state = r.state;
        });
        assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
      });
    }

    it('the state survives a JSON round trip mid-run (the defaults case across the warm-up boundary)', () => {
      const c = V.adaGC.find((x) => x.id === 'defaults') as AdaGCVectorCase;
      const t = adaGC(c.options);
      const runFrom = (s0: AdaGCState, from: number, to: number): { state: AdaGCState; outs: number[][] } => {
        let s = s0;
        const outs: number[][] = [];
        for (let i = from; i < to; i++) {
          const g = gradsOf(c, i);
          const r = t.update(g, s);
          outs.push(Object.values(r.updates).flatMap((u) => Array.from(u.dataSync())));
          disposeInfo(r.info);
          disposeAll(r.updates, g);
          s = r.state;
        }
        return { state: s, outs };
      };
      const full = runFrom(t.init({}), 0, 103);
      const first = runFrom(t.init({}), 0, 98);
      const second = runFrom(JSON.parse(JSON.stringify(first.state)) as AdaGCState, 98, 103);
      assert.deepEqual([...first.outs, ...second.outs], full.outs);
      assert.deepEqual(second.state, full.state);
    });

    it('a non-finite step passes the gradients through and leaves the state as it was', () => {
      const t = adaGC({ warmupSteps: 1 });
      const g1 = { a: tf.tensor1d([3, 4]), b: tf.tensor1d([1]) };
      const r1 = t.update(g1, t.init({}));
      disposeInfo(r1.info);
      disposeAll(r1.updates, g1);
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const g = { a: tf.tensor1d([bad, 1]), b: tf.tensor1d([1]) };
        const r = t.update(g, r1.state);
        assert.equal(r.state, r1.state);
        assert.equal(r.updates.a, g.a);
        assert.equal(r.updates.b, g.b);
        assert.equal(r.info.clipped, false);
        assert.ok(!Number.isFinite(r.info.preClipNorm.dataSync()[0]));
        disposeInfo(r.info);
        disposeAll(r.updates, g);
      }
    });

    it('does not mutate its input state; an empty gradient map is a step', () => {
      const t = adaGC({ warmupSteps: 0 });
      const s0: AdaGCState = { step: 3, gamma: { a: 1, other: 2 } };
      const copy = JSON.parse(JSON.stringify(s0));
      const g = { a: tf.tensor1d([30, 40]) };
      const r = t.update(g, s0);
      assert.deepEqual(s0, copy);
      // ||g|| = 50 > 1.05 * 1: scaled to 1.05 / (50 + 1e-6) · g; gamma ← 0.98 + 0.02 · 1.05; "other" kept
      assertClose(r.state.gamma.a, 0.98 + 0.02 * 1.05, 1e-12, 0, 'gamma a');
      assert.equal(r.state.gamma.other, 2);
      assertClose(r.updates.a.dataSync()[0], 30 * (1.05 / (50 + 1e-6)), 1e-6, 0, 'scaled a[0]');
      disposeInfo(r.info);
      disposeAll(r.updates, g);
      const e = t.update({}, s0);
      assert.deepEqual(e.state, { step: 4, gamma: { a: 1, other: 2 } });
      assert.equal(e.info.clipped, false);
      disposeInfo(e.info);
    });
  });
}

describe('adaGC options, spec and serialisation (cpu)', () => {
  before(() => useBackend('cpu'));

  it('defaults are the paper\'s: beta 0.98, lambdaAbs 1, lambdaRel 1.05, warmupSteps 100', () => {
    assert.deepEqual(adaGC().spec, { type: 'adaGC', args: [{ beta: 0.98, lambdaAbs: 1, lambdaRel: 1.05, warmupSteps: 100 }] });
    assert.equal(adaGC().name, 'adaGC(1.05)');
    assert.equal(transforms.adaGC, adaGC);
  });

  it('rejects bad options and states with a message naming them', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => adaGC({ beta: 1 }), /^transforms\.adaGC: beta must be in \[0, 1\), got 1;/],
      [() => adaGC({ beta: -0.1 }), /^transforms\.adaGC: beta must be in \[0, 1\), got -0\.1;/],
      [() => adaGC({ beta: Number.NaN }), /^transforms\.adaGC: beta must be a finite number, got NaN/],
      [() => adaGC({ lambdaAbs: 0 }), /^transforms\.adaGC: lambdaAbs must be > 0, got 0/],
      [() => adaGC({ lambdaRel: -1 }), /^transforms\.adaGC: lambdaRel must be > 0, got -1/],
      [() => adaGC({ warmupSteps: 2.5 }), /^transforms\.adaGC: warmupSteps must be an integer >= 0, got 2\.5/],
      [() => adaGC({ lambdarel: 1 } as never), /^transforms\.adaGC: unknown option "lambdarel" in options; did you mean "lambdaRel"\?/],
      [() => adaGC({ beta: null } as never), /^transforms\.adaGC: options\.beta is null/],
    ];
    const argError = (re: RegExp) => (e: unknown): boolean => e instanceof GradclipArgumentError && re.test(e.message);
    for (const [f, re] of cases) assert.throws(f, argError(re), String(re));
    const g = { w: tf.tensor1d([1]) };
    for (const bad of [{}, { step: -1, gamma: {} }, { step: 1, gamma: [] }, { step: 1, gamma: { w: -1 } }, { step: 1, gamma: { w: Number.NaN } }, { step: 0.5, gamma: {} }]) {
      assert.throws(() => adaGC().update(g, bad as AdaGCState), argError(/^transforms\.adaGC: state is not a state of transforms\.adaGC/), JSON.stringify(bad));
    }
    const i32 = { w: tf.tensor1d([1], 'int32') };
    assert.throws(() => adaGC().update(i32, adaGC().init({})), argError(/^transforms\.adaGC: the gradient of "w" must be a float32 tensor, got dtype int32/));
    tf.dispose([g.w, i32.w]);
  });

  it('transformFromSpec rebuilds it, and a model saved with it reloads and trains the same way', async () => {
    const t = adaGC({ beta: 0.9, lambdaRel: 1.1, warmupSteps: 2 });
    const back = transforms.transformFromSpec(JSON.parse(JSON.stringify(t.spec)));
    assert.deepEqual(back.spec, t.spec);
    assert.equal(back.name, t.name);

    // A model trained with it, saved (the transform's spec goes with the optimizer; its state is saved
    // beside it with getTransformState), loaded back and trained on from the restored state: the same
    // weights as the original model trained on from the save point.
    const build = (): { model: tf.Sequential; opt: ReturnType<typeof withTransforms> } => {
      const model = tf.sequential();
      model.add(tf.layers.dense({ name: 'agc_hidden', units: 3, inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
      model.add(tf.layers.dense({ name: 'agc_out', units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
      const opt = withTransforms(tf.train.sgd(0.1), transforms.chain(transforms.monitor(), adaGC({ warmupSteps: 2, lambdaAbs: 0.5 })));
      model.compile({ optimizer: opt, loss: 'meanSquaredError' });
      return { model, opt };
    };
    const xs = tf.tensor2d([1, 2, -1, 0.5, 0.3, -2, 1.5, 1], [4, 2]);
    const ys = tf.tensor2d([3, -1, 2, 0.5], [4, 1]);
    const fit = (m: tf.LayersModel) => m.fit(xs, ys, { batchSize: 2, epochs: 2, shuffle: false, verbose: 0 });
    const a = build();
    await fit(a.model);
    let saved: tf.io.ModelArtifacts | undefined;
    await a.model.save(tf.io.withSaveHandler(async (art) => {
      saved = art;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }), { includeOptimizer: true });
    const savedState = JSON.stringify(a.opt.getTransformState());
    const st = JSON.parse(savedState) as [unknown, AdaGCState];
    assert.equal(st[1].step, 4);
    assert.deepEqual(Object.keys(st[1].gamma).sort(), ['agc_hidden/bias', 'agc_hidden/kernel', 'agc_out/bias', 'agc_out/kernel']);
    await fit(a.model);
    const wa = a.model.getWeights().map((w) => Array.from(w.dataSync()));
    a.model.dispose();
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const lopt = loaded.optimizer as unknown as ReturnType<typeof withTransforms>;
    assert.deepEqual(lopt.transform.spec, a.opt.transform.spec);
    assert.equal(lopt.transform.name, a.opt.transform.name);
    // tfjs-layers names the loaded variables anew ("agc_hidden/kernel_1"): the state's keys are the
    // gradients' keys (variable names), so rename them from the saved names to the loaded ones
    const renamed = new Map(loaded.weights.map((w) => [w.originalName, w.name]));
    assert.ok([...renamed].some(([from, to]) => from !== to), 'the loaded variables have new names');
    const [mon, ada] = JSON.parse(savedState) as [unknown, AdaGCState];
    lopt.setTransformState([mon, { step: ada.step, gamma: Object.fromEntries(Object.entries(ada.gamma).map(([k, v]) => [renamed.get(k) ?? k, v])) }]);
    await fit(loaded);
    const wb = loaded.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(wb, wa);
    tf.dispose([xs, ys]);
    loaded.dispose();
  });

  it('no host sync beyond the one read of the per-tensor norms (one dataSync per update)', () => {
    const t = adaGC({ warmupSteps: 1 });
    const g = { a: tf.tensor1d([3, 4]), b: tf.tensor2d([1, 2, 3, 4], [2, 2]), c: tf.tensor1d([0.5]) };
    const proto = tf.Tensor.prototype as unknown as { dataSync: () => unknown };
    const orig = proto.dataSync;
    let reads = 0;
    proto.dataSync = function (this: tf.Tensor) {
      reads++;
      return orig.call(this);
    };
    try {
      let s = t.init({});
      for (let i = 0; i < 3; i++) {
        const r = t.update(g, s);
        s = r.state;
        disposeInfo(r.info);
        for (const k of Object.keys(r.updates)) if (r.updates[k] !== g[k as keyof typeof g]) r.updates[k].dispose();
      }
    } finally {
      proto.dataSync = orig;
    }
    assert.equal(reads, 3);
    tf.dispose(Object.values(g));
  });
});

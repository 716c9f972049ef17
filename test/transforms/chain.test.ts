/**
 * `transforms.chain` (Optax `chain`) and the skip contract of `withTransforms`,
 * with tiny hand-written transforms whose effect is known exactly:
 *
 * - updates are threaded through the members in order, the state is the
 *   tuple of member states;
 * - info is merged as documented: `preClipNorm`/`layerNorms` from the first
 *   member that reports them, `postClipNorm` from the last, `clipCoef`
 *   multiplied, `clipped` and `skip` OR-ed; the discarded measurements and
 *   intermediate updates are disposed (no leak);
 * - a member asking to skip stops the chain, and every other member's state
 *   reverts to its value before the step;
 * - `chain(...).spec` rebuilds an identical chain through the registry;
 * - `withTransforms`: a skipped step leaves the weights **and** the inner
 *   optimizer's state (Adam moments, iterations) untouched.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NamedTensorMap, Scalar, Tensor } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import { transforms, withTransforms, type GradientTransformation, type TransformInfo } from 'gradclip';

// ------------------------------------------------------- tiny transforms ---

interface Count {
  readonly calls: number;
}

/** Multiplies every update by k; reports pre/post norms (sqrt of sum of squares), coef k, clipped k < 1. */
function scaleBy(k: number, log?: string[]): GradientTransformation<Count> {
  return {
    name: `scaleBy(${k})`,
    spec: { type: 'test.scaleBy', args: [k] },
    init: () => ({ calls: 0 }),
    update(updates, state) {
      log?.push(`scale${k}`);
      const out: NamedTensorMap = {};
      for (const [n, g] of Object.entries(updates)) out[n] = tf.mul(g, k);
      const norm = (m: NamedTensorMap) => tf.tidy(() => tf.sqrt(tf.addN(Object.values(m).map((t) => tf.sum(tf.square(t)))))) as Scalar;
      return {
        updates: out,
        state: { calls: state.calls + 1 },
        info: { preClipNorm: norm(updates), postClipNorm: norm(out), clipCoef: tf.scalar(k), clipped: k < 1 },
      };
    },
  };
}

/** Adds c to every update; reports nothing. */
function addConst(c: number, log?: string[]): GradientTransformation<Count> {
  return {
    name: `addConst(${c})`,
    init: () => ({ calls: 0 }),
    update(updates, state) {
      log?.push(`add${c}`);
      const out: NamedTensorMap = {};
      for (const [n, g] of Object.entries(updates)) out[n] = tf.add(g, c);
      return { updates: out, state: { calls: state.calls + 1 }, info: {} };
    },
  };
}

/** Passes updates through (same tensors) and asks to skip on the listed (1-based) calls. */
function skipOn(steps: number[], log?: string[]): GradientTransformation<Count> {
  return {
    name: 'skipOn',
    spec: { type: 'test.skipOn', args: [steps] },
    init: () => ({ calls: 0 }),
    update(updates, state) {
      log?.push('skip?');
      const calls = state.calls + 1;
      // Not a skipped test: TransformInfo.skip asks the optimizer wrapper to skip this training step.
      const info = steps.includes(calls) ? { skip: true as const } : {};
      return { updates, state: { calls }, info };
    },
  };
}

/** Reports a tensor `clipped` flag and per-variable norms; passes updates through. */
function reporter(clipped: number, layerValue: number): GradientTransformation<Count> {
  return {
    name: 'reporter',
    init: () => ({ calls: 0 }),
    update(updates, state) {
      const layerNorms: NamedTensorMap = {};
      for (const n of Object.keys(updates)) layerNorms[n] = tf.scalar(layerValue);
      return { updates, state: { calls: state.calls + 1 }, info: { clipped: tf.scalar(clipped), layerNorms } };
    },
  };
}

transforms.registerTransform('test.scaleBy', (k: number) => scaleBy(k));
transforms.registerTransform('test.skipOn', (steps: number[]) => skipOn(steps));

// --------------------------------------------------------------- helpers ---

function grads(): NamedTensorMap {
  return { w: tf.tensor1d([1, 2]), b: tf.tensor1d([-2]) };
}

function values(m: NamedTensorMap): Record<string, number[]> {
  const o: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(m)) o[k] = Array.from(t.dataSync());
  return o;
}

function num(s: Scalar | boolean | undefined): number | boolean | undefined {
  if (s === undefined || typeof s === 'boolean') return s;
  return s.dataSync()[0];
}

/** Disposes a result's new tensors (not the inputs) and its info. */
function release(input: NamedTensorMap, out: NamedTensorMap, info: TransformInfo): void {
  const inputs = new Set(Object.values(input));
  for (const t of Object.values(out)) if (!inputs.has(t)) t.dispose();
  const ts: Tensor[] = [];
  for (const v of [info.preClipNorm, info.postClipNorm, info.clipCoef, info.clipped]) if (v instanceof tf.Tensor) ts.push(v);
  if (info.layerNorms) ts.push(...Object.values(info.layerNorms));
  tf.dispose(ts);
}

// ----------------------------------------------------------------- tests ---

for (const backend of BACKENDS) {
  describe(`transforms.chain (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('threads the updates through the members in order; the state is the tuple of member states', () => {
      const before = tf.memory().numTensors;
      const g = grads();
      const log: string[] = [];
      const ab = transforms.chain(scaleBy(2, log), addConst(1, log));
      const ba = transforms.chain(addConst(1, log), scaleBy(2, log));
      const s0 = ab.init(g);
      assert.deepEqual(s0, [{ calls: 0 }, { calls: 0 }]);
      const r1 = ab.update(g, s0);
      assert.deepEqual(values(r1.updates), { w: [3, 5], b: [-3] }, '(g·2)+1');
      assert.deepEqual(r1.state, [{ calls: 1 }, { calls: 1 }]);
      assert.deepEqual(s0, [{ calls: 0 }, { calls: 0 }], 'the input state is not mutated');
      const r2 = ba.update(g, ba.init(g));
      assert.deepEqual(values(r2.updates), { w: [4, 6], b: [-2] }, '(g+1)·2');
      assert.deepEqual(log, ['scale2', 'add1', 'add1', 'scale2']);
      assert.deepEqual(values(g), { w: [1, 2], b: [-2] }, 'inputs untouched');
      release(g, r1.updates, r1.info);
      release(g, r2.updates, r2.info);
      tf.dispose(Object.values(g));
      assert.equal(tf.memory().numTensors, before, 'intermediate updates and discarded info are disposed');
    });

    it('merges info: first preClipNorm/layerNorms, last postClipNorm, product of clipCoef, OR of clipped', () => {
      const before = tf.memory().numTensors;
      const g = grads(); // ||g|| = 3
      const t = transforms.chain(reporter(0, 7), scaleBy(0.5), addConst(0), scaleBy(0.25), reporter(1, 9));
      const r = t.update(g, t.init(g));
      // updates: g · 0.5 + 0 then · 0.25 → g / 8
      assert.deepEqual(values(r.updates), { w: [0.125, 0.25], b: [-0.25] });
      assert.equal(num(r.info.preClipNorm), 3, 'from the first member reporting it (scaleBy(0.5) saw ||g|| = 3)');
      assert.equal(num(r.info.postClipNorm), 3 / 8, 'from the last member reporting it');
      assert.equal(num(r.info.clipCoef), 0.125, '0.5 · 0.25');
      // clipped: tensor 0, boolean true, boolean true, tensor 1 → 1
      assert.equal(num(r.info.clipped), 1);
      assert.deepEqual(
        Object.fromEntries(Object.entries(r.info.layerNorms ?? {}).map(([k, v]) => [k, v.dataSync()[0]])),
        { w: 7, b: 7 },
        'layerNorms from the first reporter',
      );
      assert.equal(r.info.skip, undefined);
      release(g, r.updates, r.info);

      // clipped: booleans only stay booleans; false OR false = false
      const t2 = transforms.chain(scaleBy(2), scaleBy(3));
      const r2 = t2.update(g, t2.init(g));
      assert.equal(r2.info.clipped, false);
      assert.equal(num(r2.info.clipCoef), 6);
      release(g, r2.updates, r2.info);
      // boolean true then tensor 0 → tensor 1
      const t3 = transforms.chain(scaleBy(0.5), reporter(0, 1));
      const r3 = t3.update(g, t3.init(g));
      assert.equal(num(r3.info.clipped), 1);
      release(g, r3.updates, r3.info);

      tf.dispose(Object.values(g));
      assert.equal(tf.memory().numTensors, before, 'no tensor leak');
    });

    it('skip stops the chain and reverts every other member state (the skipper keeps its own)', () => {
      const before = tf.memory().numTensors;
      const g = grads();
      const log: string[] = [];
      const t = transforms.chain(scaleBy(2, log), skipOn([2], log), scaleBy(3, log));
      let state = t.init(g);
      // step 1: no skip, everything runs
      const r1 = t.update(g, state);
      assert.deepEqual(log, ['scale2', 'skip?', 'scale3']);
      assert.deepEqual(r1.state, [{ calls: 1 }, { calls: 1 }, { calls: 1 }]);
      assert.notEqual(r1.info.skip, true);
      release(g, r1.updates, r1.info);
      state = r1.state;
      // step 2: the skipper fires; scaleBy(3) does not run; scaleBy(2) ran but its state reverts
      log.length = 0;
      const r2 = t.update(g, state);
      assert.deepEqual(log, ['scale2', 'skip?']);
      assert.equal(r2.info.skip, true);
      assert.deepEqual(r2.state, [{ calls: 1 }, { calls: 2 }, { calls: 1 }]);
      release(g, r2.updates, r2.info);
      state = r2.state;
      // step 3 continues from there
      log.length = 0;
      const r3 = t.update(g, state);
      assert.deepEqual(log, ['scale2', 'skip?', 'scale3']);
      assert.deepEqual(r3.state, [{ calls: 2 }, { calls: 3 }, { calls: 2 }]);
      assert.deepEqual(values(r3.updates), { w: [6, 12], b: [-12] });
      release(g, r3.updates, r3.info);
      tf.dispose(Object.values(g));
      assert.equal(tf.memory().numTensors, before, 'no tensor leak on skipped steps');
    });

    it('spec round trip: transformFromSpec(t.spec) builds a chain that behaves identically', () => {
      const t = transforms.chain(
        transforms.clipByValue(1.5),
        scaleBy(0.5),
        transforms.chain(transforms.clipByNorm(0.8), transforms.clipByGlobalNorm(1, { rule: 'torch' })),
      );
      assert.ok(t.spec);
      const json = JSON.parse(JSON.stringify(t.spec));
      assert.deepEqual(json, {
        type: 'chain',
        args: [
          { type: 'clipByValue', args: [1.5] },
          { type: 'test.scaleBy', args: [0.5] },
          { type: 'chain', args: [{ type: 'clipByNorm', args: [0.8] }, { type: 'clipByGlobalNorm', args: [1, { rule: 'torch' }] }] },
        ],
      });
      const u = transforms.transformFromSpec(json);
      assert.deepEqual(u.spec, t.spec);
      const g = { a: tf.tensor1d([3, -2, 0.5]), b: tf.tensor2d([[4, -0.1]]) };
      const r1 = t.update(g, t.init(g));
      const r2 = u.update(g, u.init(g));
      assert.deepEqual(values(r2.updates), values(r1.updates));
      for (const k of ['preClipNorm', 'postClipNorm', 'clipCoef', 'clipped'] as const) {
        assert.equal(num(r2.info[k]), num(r1.info[k]), k);
      }
      release(g, r1.updates, r1.info);
      release(g, r2.updates, r2.info);
      tf.dispose(Object.values(g));
    });

    it('a member without a spec leaves the chain without one; errors name the problem', () => {
      assert.equal(transforms.chain(transforms.clipByValue(1), addConst(1)).spec, undefined);
      assert.throws(() => transforms.chain(transforms.clipByValue(1), {} as never), /^GradclipArgumentError: chain: argument 1 is not a GradientTransformation \(\{name, init, update\}\)/);
      const t = transforms.chain(transforms.clipByValue(1));
      const g = grads();
      assert.throws(() => t.update(g, [] as never), /chain: state must be an array of 1 member states \(from init\), got 0/);
      assert.throws(() => t.update(g, {} as never), /chain: state must be an array of 1 member states \(from init\), got object/);
      assert.throws(
        () => transforms.transformFromSpec({ type: 'noSuchTransform', args: [] }),
        (e: unknown) =>
          e instanceof Error &&
          /^transformFromSpec: unknown transform type "noSuchTransform"; registered types: .*\bchain\b.*\bclipByGlobalNorm\b.*test\.scaleBy/.test(e.message) &&
          /registerTransform\(type, factory\)/.test(e.message),
      );
      tf.dispose(Object.values(g));
    });
  });

  describe(`withTransforms skip semantics (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    for (const [label, make] of [
      ['a skipping transform', () => skipOn([2, 3])],
      ['a skip inside a chain after a clip', () => transforms.chain(transforms.clipByGlobalNorm(1), skipOn([2, 3]))],
    ] as const) {
      it(`${label}: weights and Adam state (moments, iterations) untouched on skipped steps`, async () => {
        let id = 0;
        const mk = (tag: string) => tf.variable(tf.tensor1d([1, -2, 3]), true, `chain_skip_${backend}_${tag}_${label.length}_${id++}`);
        const v = mk('wrapped');
        const ref = mk('ref');
        const opt = withTransforms(tf.train.adam(0.1), make());
        const bare = tf.train.adam(0.1);
        const f = (x: Tensor) => () => tf.sum(tf.square(tf.mul(x, 0.4))) as Scalar;
        const snapshot = async () => {
          const ws = await opt.getWeights();
          const out = { w: Array.from(v.dataSync()), opt: ws.map((e) => [e.name, Array.from(e.tensor.dataSync())]), iterations: opt.iterations };
          ws[0].tensor.dispose(); // TF.js creates the iterations scalar afresh; the moments are the live variables
          return out;
        };
        const clipFirst = label.includes('chain');
        const refStep = () => {
          const { grads: gr } = tf.variableGrads(f(ref), [ref]);
          const clipped = clipFirst ? tf.tidy(() => {
            const g = gr[ref.name];
            const n = tf.norm(g);
            return tf.mul(g, tf.div(1, tf.maximum(n, 1)));
          }) : gr[ref.name];
          bare.applyGradients([{ name: ref.name, tensor: clipped }]);
          tf.dispose([gr[ref.name], clipped]);
        };

        opt.minimize(f(v), false, [v]);
        refStep();
        const s1 = await snapshot();
        assert.equal(s1.iterations, 1);
        assert.equal(s1.opt.length, 3, 'iterations + first and second moments');
        const before = tf.memory().numTensors;
        opt.minimize(f(v), false, [v]);
        opt.minimize(f(v), false, [v]);
        assert.deepEqual(await snapshot(), s1, 'skipped steps change neither the weights nor the optimizer state');
        assert.equal(tf.memory().numTensors, before, 'no leak on skipped steps');
        assert.equal(opt.steps, 3);
        assert.equal(opt.skippedSteps, 2);
        const st = opt.lastStats();
        assert.ok(st);
        assert.equal(st.skipped, true);
        assert.equal(st.clipped, false, 'a skipped step is never reported as clipped');
        assert.equal(st.step, 3);

        // step 4 runs, continuing exactly like an Adam that never saw steps 2-3
        opt.minimize(f(v), false, [v]);
        refStep();
        assert.equal(opt.iterations, 2);
        assert.equal(bare.iterations, 2);
        const got = Array.from(v.dataSync());
        const want = Array.from(ref.dataSync());
        got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `w[${i}] ${x} vs ${want[i]}`));
        if (!clipFirst) assert.deepEqual(got, want, 'bit-identical without a clip');
        assert.equal(opt.lastStats()?.skipped, false);
        opt.dispose();
        bare.dispose();
        tf.dispose([v, ref]);
      });
    }
  });
}

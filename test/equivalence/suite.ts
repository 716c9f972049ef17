/**
 * Training-equivalence suite: every public clipping path, in real multi-step
 * training with forward passes between the steps, on whatever TF.js backend
 * is active. It is backend-agnostic (no Node imports): the Node tests run it
 * on cpu and wasm, the browser tests bundle it and run it in Chromium on
 * webgl, webgpu and the threaded wasm build.
 *
 * Three checks, on real models (an MLP with 8 weight tensors, an LSTM, one
 * conv layer, all trained with `model.fit`; the CLI's transformer trained
 * with `minimize`), for the seven TF.js optimizers and gradclip's `adamw`:
 * 1. **A clip that never binds leaves training exactly as the plain optimizer
 *    leaves it**: every wrapper (`withClipping` with `clipnorm`,
 *    `globalClipnorm` (fused update where available, and with
 *    `fusedUpdate: false`), `clipvalue`; `withTransforms` with
 *    `chain(monitor(), clipByGlobalNorm(...))`) ends bit-identical to the
 *    unwrapped optimizer after many steps: the clip coefficient is exactly 1,
 *    and the fused update performs TF.js's own float32 operations.
 * 2. **A binding clip equals the hand-written loop** `variableGrads` →
 *    `clipByGlobalNorm` / `clipGradNorm` → `applyGradients` with the same
 *    loss, step for step.
 * 4. **Clip after accumulation**: micro-batches of B through
 *    `chain(accumulate(4), clipByGlobalNorm(c))` train like batches of 4B
 *    through `clipByGlobalNorm(c)` (the loss is a mean over the batch, so the
 *    mean of 4 micro-batch gradients is the 4B gradient), to 1e-6 relative,
 *    over 12 optimizer steps (48 micro-steps) of `model.fit`, for SGD and Adam.
 * 5. **Rollback**: `withRecovery` around a binding clip, in `model.fit`, with
 *    a NaN in one batch, ends with the weights of the same fit over the other
 *    batches, bit-identical, for SGD and Adam (the restored weights then
 *    train on: a restore that left a backend cache stale fails check 3).
 * 3. **The trained model predicts what a fresh copy of its weights predicts**
 *    (tfjs-backend-wasm caches packed matMul/conv2d weights by tensor id: a
 *    weight written in place keeps serving its old values to later forward
 *    passes, which checks 1 and 2 alone would not see when both sides read
 *    the same stale cache).
 * Every case also checks that it leaks no tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, clipGradNorm } from 'gradclip';
import { adamw } from 'gradclip';
import { withClipping, type ClippingOptions } from 'gradclip';
import { withTransforms, type TransformingOptimizer } from 'gradclip';
import { withRecovery, type RecoveringOptimizer } from 'gradclip';
import * as transforms from '../../packages/gradclip/src/transforms/index.js';
import { createModel } from '../../packages/cli/src/tasks/models/index.js';
import type { TokenModel } from '../../packages/cli/src/tasks/models/types.js';

/** One case's outcome. */
export interface CaseResult {
  name: string;
  ok: boolean;
  /** Set when the backend cannot run the case at all (the reason); `ok` is then true. */
  skipped?: string;
  /** What was compared and the largest difference found. */
  detail: string;
}

/** Options of {@link runEquivalence}. */
export interface SuiteOptions {
  /** Training steps per run. @default 8 */
  steps?: number;
  /** Only cases whose name contains one of these substrings. */
  filter?: readonly string[];
  /** Called after each case (progress). */
  onCase?: (r: CaseResult) => void;
}

/** The optimizers of the suite: the seven TF.js ones and gradclip's AdamW. */
export const OPTIMIZERS: Readonly<Record<string, () => tf.Optimizer>> = {
  sgd: () => tf.train.sgd(0.05),
  momentum: () => tf.train.momentum(0.05, 0.9),
  adagrad: () => tf.train.adagrad(0.05),
  adadelta: () => tf.train.adadelta(1, 0.95, 1e-6),
  adam: () => tf.train.adam(0.01),
  adamax: () => tf.train.adamax(0.01),
  rmsprop: () => tf.train.rmsprop(0.01),
  adamw: () => adamw({ learningRate: 0.01, weightDecay: 0.05 }),
};

/** Step statistics kept for the checks (more than any run's steps). */
const STATS = 1000;

/** A threshold no gradient of these models reaches. */
const NEVER = 1e9;

/** Wrappers whose clip never binds at {@link NEVER}. */
const NON_BINDING: Readonly<Record<string, (o: tf.Optimizer) => TransformingOptimizer | RecoveringOptimizer>> = {
  clipnorm: (o) => withClipping(o, { clipnorm: NEVER }, { statsBuffer: STATS }),
  globalClipnorm: (o) => withClipping(o, { globalClipnorm: NEVER }, { statsBuffer: STATS }),
  'globalClipnorm-unfused': (o) => withClipping(o, { globalClipnorm: NEVER }, { fusedUpdate: false, statsBuffer: STATS }),
  clipvalue: (o) => withClipping(o, { clipvalue: NEVER }, { statsBuffer: STATS }),
  'chain(monitor,clipByGlobalNorm)': (o) =>
    withTransforms(o, transforms.chain(transforms.monitor(), transforms.clipByGlobalNorm(NEVER)), { statsBuffer: STATS }),
  // a snapshot after every step, never restored: snapshots must not disturb training
  'recover(globalClipnorm)': (o) => withRecovery(withClipping(o, { globalClipnorm: NEVER }, { statsBuffer: STATS }), { snapshotEvery: 1 }),
};

/** mulberry32: seeded uniform numbers in [0, 1), independent of the library's RNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(n: number, seed: number, scale: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * r() - 1) * scale;
  return out;
}

// ---------------------------------------------------------------- models
interface LayersCase {
  name: string;
  /** TF.js kernels training needs beyond the common ones (a backend without them cannot train this model). */
  needs?: string[];
  build: () => tf.LayersModel;
  x: number[];
  y: number[];
}

const BATCH = 4;

function layersCases(steps: number): LayersCase[] {
  const n = BATCH * steps;
  return [
    {
      name: 'mlp',
      build: () =>
        tf.sequential({
          layers: [
            tf.layers.dense({ units: 8, activation: 'relu', inputShape: [6] }),
            tf.layers.dense({ units: 8, activation: 'tanh' }),
            tf.layers.dense({ units: 8, activation: 'relu' }),
            tf.layers.dense({ units: 3 }),
          ],
        }),
      x: [n, 6],
      y: [n, 3],
    },
    {
      name: 'lstm',
      build: () => tf.sequential({ layers: [tf.layers.lstm({ units: 6, inputShape: [5, 3] }), tf.layers.dense({ units: 2 })] }),
      x: [n, 5, 3],
      y: [n, 2],
    },
    {
      name: 'conv',
      needs: ['Conv2DBackpropFilter'], // tfjs-backend-wasm 4.22 has no conv2d filter gradient
      build: () =>
        tf.sequential({
          layers: [
            tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }),
            tf.layers.flatten(),
            tf.layers.dense({ units: 2 }),
          ],
        }),
      x: [n, 6, 6, 1],
      y: [n, 2],
    },
  ];
}

/** A model of `c`'s architecture with seeded weights (the same for every call). */
function buildSeeded(c: LayersCase): tf.LayersModel {
  const m = c.build();
  const ws = m.getWeights().map((w, i) => tf.tensor(uniform(w.size, 1000 + i, 0.5), w.shape));
  m.setWeights(ws);
  tf.dispose(ws);
  return m;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// ---------------------------------------------------------------- comparisons
interface Diff {
  identical: boolean;
  maxRel: number;
}

/** Element-wise comparison of two weight lists: bit-identical?, and max |a−b| / max|b| per tensor. */
function compare(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): Diff {
  let identical = a.length === b.length;
  let maxRel = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i].dataSync();
    const y = b[i].dataSync();
    let scale = 0;
    for (let j = 0; j < y.length; j++) scale = Math.max(scale, Math.abs(y[j]));
    for (let j = 0; j < x.length; j++) {
      if (!Object.is(x[j], y[j])) identical = false;
      const d = Math.abs(x[j] - y[j]) / (scale || 1);
      maxRel = Number.isNaN(d) ? Infinity : Math.max(maxRel, d);
    }
  }
  return { identical, maxRel };
}

function describe(d: Diff): string {
  return d.identical ? 'bit-identical' : `max relative difference ${d.maxRel.toExponential(2)}`;
}

/** The model's predictions against a fresh model holding copies of its weights. */
function predictsLikeFreshCopy(c: LayersCase, m: tf.LayersModel, x: tf.Tensor): Diff {
  const fresh = c.build();
  const ws = m.getWeights().map((w) => tf.add(w, 0)); // new buffers, never seen by a cache
  fresh.setWeights(ws);
  tf.dispose(ws);
  const p1 = m.predict(x) as tf.Tensor;
  const p2 = fresh.predict(x) as tf.Tensor;
  const d = compare([p1], [p2]);
  tf.dispose([p1, p2]);
  fresh.dispose();
  return d;
}

// ---------------------------------------------------------------- runs
async function fitRun(c: LayersCase, opt: tf.Optimizer, x: tf.Tensor, y: tf.Tensor): Promise<tf.LayersModel> {
  const m = buildSeeded(c);
  m.compile({ optimizer: opt, loss: 'meanSquaredError' });
  await m.fit(x, y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0 });
  return m;
}

/** model.fit's loss for one batch (tfjs-layers: mean over the batch of mean((ŷ − y)², −1)). */
function fitLoss(m: tf.LayersModel, xb: tf.Tensor, yb: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.mean(tf.square(tf.sub(m.apply(xb, { training: true }) as tf.Tensor, yb)), -1)) as tf.Scalar);
}

/** The hand-written loop: per batch, variableGrads → clip → plain applyGradients. */
function manualRun(
  c: LayersCase,
  opt: tf.Optimizer,
  x: tf.Tensor,
  y: tf.Tensor,
  steps: number,
  clip: (grads: tf.NamedTensorMap) => tf.NamedTensorMap,
): tf.LayersModel {
  const m = buildSeeded(c);
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  for (let s = 0; s < steps; s++) {
    const xb = tf.slice(x, s * BATCH, BATCH);
    const yb = tf.slice(y, s * BATCH, BATCH);
    const { value, grads } = tf.variableGrads(() => fitLoss(m, xb, yb), vars);
    const clipped = clip(grads);
    opt.applyGradients(clipped);
    tf.dispose([xb, yb, value, grads, clipped]);
  }
  return m;
}

interface CaseEnv {
  steps: number;
  out: CaseResult[];
  filter?: readonly string[];
  onCase?: (r: CaseResult) => void;
}

/**
 * Tensors that creating and disposing the plain optimizer leaves behind by
 * itself (tfjs-core 4.22's MomentumOptimizer.dispose does not free the
 * learning-rate scalar its SGD base class keeps): not gradclip's to count.
 */
function ownLeak(optName: string | undefined): number {
  if (optName === undefined) return 0;
  const before = tf.memory().numTensors;
  OPTIMIZERS[optName]().dispose();
  return tf.memory().numTensors - before;
}

async function runCase(env: CaseEnv, name: string, body: () => Promise<string | null>): Promise<void> {
  if (env.filter && !env.filter.some((f) => name.includes(f))) return;
  const optimizersMade = name.endsWith('/binds') ? 2 : name.startsWith('matmul') || name.startsWith('transformer') ? 2 : 1;
  const allowed = optimizersMade * ownLeak(name.split('/')[1]);
  const before = tf.memory().numTensors + allowed;
  let r: CaseResult;
  try {
    const failure = await body();
    const leaked = tf.memory().numTensors - before;
    r = leaked !== 0 ? { name, ok: false, detail: `${failure ?? 'ok'}; leaked ${leaked} tensor(s)` } : { name, ok: failure === null, detail: failure ?? 'ok' };
  } catch (e) {
    r = { name, ok: false, detail: `threw: ${e instanceof Error ? e.message : String(e)}` };
  }
  env.out.push(r);
  env.onCase?.(r);
}

/** Non-binding wrappers (all optimizers on the MLP; globalClipnorm and the chain on the others) + the fresh-copy check. */
async function nonBindingCases(env: CaseEnv, c: LayersCase, x: tf.Tensor, y: tf.Tensor): Promise<void> {
  const wrappers = c.name === 'mlp' ? Object.keys(NON_BINDING) : ['globalClipnorm', 'chain(monitor,clipByGlobalNorm)'];
  for (const optName of Object.keys(OPTIMIZERS)) {
    const names = wrappers.map((w) => `${c.name}/${optName}/${w}/never-binds`);
    if (env.filter && !names.some((n) => env.filter?.some((f) => n.includes(f)))) continue;
    const plainOpt = OPTIMIZERS[optName]();
    const plain = await fitRun(c, plainOpt, x, y);
    const plainW = plain.getWeights();
    for (const w of wrappers) {
      await runCase(env, `${c.name}/${optName}/${w}/never-binds`, async () => {
        const opt = NON_BINDING[w](OPTIMIZERS[optName]());
        const m = await fitRun(c, opt, x, y);
        const d = compare(m.getWeights(), plainW);
        const p = predictsLikeFreshCopy(c, m, x);
        const stats = opt.drainStatsSync();
        m.dispose();
        opt.dispose();
        const problems: string[] = [];
        if (!d.identical) problems.push(`weights after ${env.steps} fit steps differ from plain ${optName}: ${describe(d)}`);
        if (!p.identical) problems.push(`predictions differ from a fresh copy of the weights: ${describe(p)}`);
        if (stats.some((s) => s.clipped)) problems.push('a step reports clipped although the threshold is never reached');
        return problems.length === 0 ? null : problems.join('; ');
      });
    }
    plain.dispose();
    plainOpt.dispose();
  }
}

/** A binding clip: model.fit with the wrapper vs the hand-written loop. */
async function bindingCases(env: CaseEnv, c: LayersCase, x: tf.Tensor, y: tf.Tensor): Promise<void> {
  const maxNorm = 0.05; // binds on every step of these models (checked below)
  const variants: Array<{
    name: string;
    wrap: (o: tf.Optimizer) => TransformingOptimizer;
    clip: (g: tf.NamedTensorMap) => tf.NamedTensorMap;
  }> = [
    {
      name: 'globalClipnorm',
      wrap: (o) => withClipping(o, { globalClipnorm: maxNorm } satisfies ClippingOptions, { statsBuffer: STATS }),
      clip: (g) => {
        const [clipped, norm] = clipByGlobalNorm(g, maxNorm);
        norm.dispose();
        return clipped;
      },
    },
    {
      name: 'chain(monitor,clipByGlobalNorm torch)',
      wrap: (o) =>
        withTransforms(o, transforms.chain(transforms.monitor(), transforms.clipByGlobalNorm(maxNorm, { rule: 'torch' })), { statsBuffer: STATS }),
      clip: (g) => {
        const r = clipGradNorm(g, maxNorm);
        r.totalNorm.dispose();
        return r.grads;
      },
    },
  ];
  const opts = c.name === 'mlp' ? Object.keys(OPTIMIZERS) : ['sgd', 'adam', 'adamw', 'rmsprop'];
  for (const optName of opts) {
    for (const v of variants) {
      await runCase(env, `${c.name}/${optName}/${v.name}/binds`, async () => {
        const opt = v.wrap(OPTIMIZERS[optName]());
        const m = await fitRun(c, opt, x, y);
        const stats = opt.drainStatsSync();
        const refOpt = OPTIMIZERS[optName]();
        const ref = manualRun(c, refOpt, x, y, env.steps, v.clip);
        const d = compare(m.getWeights(), ref.getWeights());
        const p = predictsLikeFreshCopy(c, m, x);
        m.dispose();
        ref.dispose();
        opt.dispose();
        refOpt.dispose();
        const problems: string[] = [];
        // Same float32 operations in the same order on both sides: bit-identical is expected.
        if (!d.identical) problems.push(`weights differ from variableGrads → clip → applyGradients: ${describe(d)}`);
        if (!p.identical) problems.push(`predictions differ from a fresh copy of the weights: ${describe(p)}`);
        const clippedSteps = stats.filter((s) => s.clipped).length;
        if (clippedSteps !== env.steps) problems.push(`the clip bound on ${clippedSteps} of ${env.steps} steps (expected all)`);
        return problems.length === 0 ? null : problems.join('; ');
      });
    }
  }
}

/** The CLI's transformer (variables + forward function) trained with `minimize`, as `gradclip train` does. */
async function transformerCases(env: CaseEnv): Promise<void> {
  const vocab = 7;
  const T = 6;
  let serial = 0;
  const build = (): TokenModel =>
    createModel({
      name: 'transformer',
      vocabSize: vocab,
      seed: 3,
      prefix: `eq${serial++}/`,
      transformer: { dModel: 8, layers: 1, heads: 2, maxLength: T, mlpRatio: 2 },
    }) as TokenModel;
  const r = rng(77);
  const batches = Array.from({ length: env.steps }, () => {
    const ids = Array.from({ length: BATCH * (T + 1) }, () => Math.floor(r() * vocab));
    return ids;
  });
  const lossOf = (model: TokenModel, ids: number[]): (() => tf.Scalar) => () =>
    tf.tidy(() => {
      const all = tf.tensor2d(ids, [BATCH, T + 1], 'int32');
      const inp = tf.slice(all, [0, 0], [BATCH, T]) as tf.Tensor2D;
      const tgt = tf.slice(all, [0, 1], [BATCH, T]);
      const logits = model.forward(inp);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tgt, vocab), logits) as tf.Scalar;
    });
  const train = (opt: tf.Optimizer): TokenModel => {
    const model = build();
    for (const ids of batches) opt.minimize(lossOf(model, ids), false, [...model.variables]);
    return model;
  };
  const manual = (opt: tf.Optimizer, maxNorm: number): TokenModel => {
    const model = build();
    for (const ids of batches) {
      const { value, grads } = tf.variableGrads(lossOf(model, ids), [...model.variables]);
      const [clipped, norm] = clipByGlobalNorm(grads, maxNorm);
      opt.applyGradients(clipped);
      tf.dispose([value, grads, clipped, norm]);
    }
    return model;
  };
  for (const optName of ['sgd', 'adam', 'adamw', 'rmsprop']) {
    await runCase(env, `transformer/${optName}/globalClipnorm/never-binds`, async () => {
      const plainOpt = OPTIMIZERS[optName]();
      const plain = train(plainOpt);
      const opt = withClipping(OPTIMIZERS[optName](), { globalClipnorm: NEVER });
      const m = train(opt);
      const d = compare(m.variables, plain.variables);
      opt.drainStatsSync();
      m.dispose();
      plain.dispose();
      opt.dispose();
      plainOpt.dispose();
      return d.identical ? null : `weights after ${env.steps} minimize steps differ from plain ${optName}: ${describe(d)}`;
    });
    await runCase(env, `transformer/${optName}/globalClipnorm/binds`, async () => {
      const maxNorm = 0.05;
      const opt = withClipping(OPTIMIZERS[optName](), { globalClipnorm: maxNorm }, { statsBuffer: STATS });
      const m = train(opt);
      const stats = opt.drainStatsSync();
      const refOpt = OPTIMIZERS[optName]();
      const ref = manual(refOpt, maxNorm);
      const d = compare(m.variables, ref.variables);
      m.dispose();
      ref.dispose();
      opt.dispose();
      refOpt.dispose();
      const problems: string[] = [];
      if (!d.identical) problems.push(`weights differ from variableGrads → clipByGlobalNorm → applyGradients: ${describe(d)}`);
      const clippedSteps = stats.filter((s) => s.clipped).length;
      if (clippedSteps !== env.steps) problems.push(`the clip bound on ${clippedSteps} of ${env.steps} steps (expected all)`);
      return problems.length === 0 ? null : problems.join('; ');
    });
  }
}

/**
 * The minimal case of the wasm defect: a 2×2 weight, three `minimize` steps of
 * `sum(matMul(x, w)²)` with SGD through `withClipping(..., {globalClipnorm: 1e9})`;
 * after each step `matMul(x, w)` must equal `matMul(x, copy of w)` and the
 * plain optimizer's trajectory.
 */
async function minimalMatMulCase(env: CaseEnv): Promise<void> {
  for (const optName of ['sgd', 'adam', 'adamw']) {
    await runCase(env, `matmul-2x2/${optName}/forward-after-step`, async () => {
      const x = tf.tensor2d([[1, 2]]);
      const run = (opt: tf.Optimizer): number[][] => {
        const init = tf.tensor2d([[0.5, 0.25], [1.5, 1.5]]);
        const w = tf.variable(init);
        init.dispose();
        const seen: number[][] = [];
        for (let s = 0; s < 3; s++) {
          opt.minimize(() => tf.sum(tf.square(tf.matMul(x, w))) as tf.Scalar, false, [w]);
          const direct = tf.matMul(x, w);
          const copy = tf.add(w, 0);
          const viaCopy = tf.matMul(x, copy);
          seen.push([...direct.dataSync(), ...viaCopy.dataSync()]);
          tf.dispose([direct, copy, viaCopy]);
        }
        w.dispose();
        return seen;
      };
      const plainOpt = OPTIMIZERS[optName]();
      const want = run(plainOpt);
      const opt = withClipping(OPTIMIZERS[optName](), { globalClipnorm: NEVER });
      const got = run(opt);
      plainOpt.dispose();
      opt.dispose();
      x.dispose();
      const problems: string[] = [];
      got.forEach((g, s) => {
        if (g[0] !== g[2] || g[1] !== g[3]) problems.push(`step ${s + 1}: matMul(x, w) = ${g[0]}, ${g[1]} but matMul(x, copy of w) = ${g[2]}, ${g[3]}`);
        if (g[2] !== want[s][2] || g[3] !== want[s][3]) problems.push(`step ${s + 1}: ${g[2]}, ${g[3]} vs plain ${optName} ${want[s][2]}, ${want[s][3]}`);
      });
      return problems.length === 0 ? null : problems.join('; ');
    });
  }
}

/** Micro-batches per update in {@link accumulateCases}. */
const ACCUMULATE = 4;

/**
 * Clip after accumulation (issue 13, point 3): `model.fit` with batch size B
 * through `withTransforms(opt, chain(accumulate(4), clipByGlobalNorm(c)))`
 * against batch size 4B through `withTransforms(opt, clipByGlobalNorm(c))`,
 * on the same samples, over at least 12 optimizer steps, SGD and Adam; the
 * clip binds on every step. Not bit-identical (a sum of four float32 means
 * is not the float32 mean of all): 1e-6 relative per weight tensor.
 */
async function accumulateCases(env: CaseEnv): Promise<void> {
  const steps = Math.max(12, env.steps);
  const c = layersCases(ACCUMULATE * steps)[0]; // the MLP, with 4B · steps samples
  const maxNorm = 0.05;
  for (const optName of ['sgd', 'adam']) {
    const name = `${c.name}/${optName}/accumulate(4)+clipByGlobalNorm=batch-4B/binds`;
    if (env.filter && !env.filter.some((f) => name.includes(f))) continue;
    const x = tf.tensor(uniform(sizeOf(c.x), 21, 1), c.x);
    const y = tf.tensor(uniform(sizeOf(c.y), 22, 1), c.y);
    await runCase(env, name, async () => {
      const accOpt = withTransforms(OPTIMIZERS[optName](), transforms.chain(transforms.accumulate(ACCUMULATE), transforms.clipByGlobalNorm(maxNorm)), { statsBuffer: STATS });
      const micro = buildSeeded(c);
      micro.compile({ optimizer: accOpt, loss: 'meanSquaredError' });
      await micro.fit(x, y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0 });
      const bigOpt = withTransforms(OPTIMIZERS[optName](), transforms.clipByGlobalNorm(maxNorm), { statsBuffer: STATS });
      const big = buildSeeded(c);
      big.compile({ optimizer: bigOpt, loss: 'meanSquaredError' });
      await big.fit(x, y, { batchSize: ACCUMULATE * BATCH, epochs: 1, shuffle: false, verbose: 0 });
      const d = compare(micro.getWeights(), big.getWeights());
      const p = predictsLikeFreshCopy(c, micro, x);
      const s1 = accOpt.drainStatsSync();
      const s2 = bigOpt.drainStatsSync();
      const iterations = [accOpt.iterations, bigOpt.iterations];
      micro.dispose();
      big.dispose();
      accOpt.dispose();
      bigOpt.dispose();
      const problems: string[] = [];
      if (!(d.maxRel <= 1e-6)) problems.push(`weights after ${steps} updates differ from batch-4B training: ${describe(d)}`);
      if (!p.identical) problems.push(`predictions differ from a fresh copy of the weights: ${describe(p)}`);
      if (iterations[0] !== steps || iterations[1] !== steps) problems.push(`inner iterations ${iterations.join(' / ')}, expected ${steps}`);
      const applied = s1.filter((s) => s.accumulated !== true);
      const pattern = s1.every((s, i) => (s.accumulated === true) === ((i + 1) % ACCUMULATE !== 0) && s.skipped === (s.accumulated === true));
      if (s1.length !== ACCUMULATE * steps || !pattern) problems.push(`the micro-step records are not ${ACCUMULATE - 1} accumulated + 1 applied per window`);
      let normRel = 0;
      applied.forEach((s, i) => (normRel = Math.max(normRel, Math.abs((s.preClipNorm ?? NaN) - (s2[i]?.preClipNorm ?? NaN)) / (s2[i]?.preClipNorm ?? NaN))));
      if (!(normRel <= 1e-5)) problems.push(`the accumulated pre-clip norms differ from the batch-4B norms by ${normRel.toExponential(2)} relative`);
      const clipped = applied.filter((s) => s.clipped).length;
      if (clipped !== steps || s2.filter((s) => s.clipped).length !== steps) problems.push(`the clip bound on ${clipped} of ${steps} accumulated steps (expected all)`);
      return problems.length === 0 ? null : problems.join('; ');
    });
    tf.dispose([x, y]);
  }
}

/** Rollback: a NaN batch under withRecovery(snapshotEvery 1) in model.fit = fit without that batch. */
async function recoveryCases(env: CaseEnv): Promise<void> {
  const c = layersCases(env.steps).find((k) => k.name === 'mlp') as LayersCase;
  const bad = Math.min(2, env.steps - 2); // a batch with steps after it
  const x = tf.tensor(uniform(sizeOf(c.x), 21, 1), c.x);
  const y = tf.tensor(uniform(sizeOf(c.y), 22, 1), c.y);
  const xBad = tf.tidy(() => {
    const v = x.bufferSync();
    const b = tf.buffer(x.shape, 'float32', (v.values as Float32Array).slice());
    b.set(Number.NaN, bad * BATCH + 1, 3);
    return b.toTensor();
  });
  const keep = Array.from({ length: c.x[0] }, (_, i) => i).filter((i) => Math.floor(i / BATCH) !== bad);
  const xClean = tf.gather(x, keep);
  const yClean = tf.gather(y, keep);
  for (const optName of ['sgd', 'adam']) {
    await runCase(env, `mlp/${optName}/recover/nan-batch/binds`, async () => {
      const opt = withRecovery(withClipping(OPTIMIZERS[optName](), { globalClipnorm: 0.5 }, { statsBuffer: STATS }), { snapshotEvery: 1 });
      const m = await fitRun(c, opt, xBad, y);
      const stats = opt.drainStatsSync();
      const ref = withClipping(OPTIMIZERS[optName](), { globalClipnorm: 0.5 }, { statsBuffer: STATS });
      const r = await fitRun(c, ref, xClean, yClean);
      const d = compare(m.getWeights(), r.getWeights());
      const p = predictsLikeFreshCopy(c, m, x);
      const problems: string[] = [];
      const events = stats.filter((s) => s.recovered !== undefined);
      if (events.length !== 1 || events[0].step !== bad + 1) problems.push(`expected one rollback at step ${bad + 1}, got ${events.map((s) => s.step).join(', ') || 'none'}`);
      if (!d.identical) problems.push(`weights differ from fit without the NaN batch: ${describe(d)}`);
      if (!p.identical) problems.push(`predictions differ from a fresh copy of the weights: ${describe(p)}`);
      m.dispose();
      r.dispose();
      opt.dispose();
      ref.dispose();
      return problems.length === 0 ? null : problems.join('; ');
    });
  }
  tf.dispose([x, y, xBad, xClean, yClean]);
}

/**
 * Runs the whole suite on the active backend and returns one result per case
 * (it never throws for a failing case).
 */
export async function runEquivalence(options: SuiteOptions = {}): Promise<CaseResult[]> {
  const env: CaseEnv = { steps: options.steps ?? 8, out: [], filter: options.filter, onCase: options.onCase };
  await minimalMatMulCase(env);
  for (const c of layersCases(env.steps)) {
    const missing = (c.needs ?? []).filter((k) => tf.getKernel(k, tf.getBackend()) === undefined);
    if (missing.length > 0) {
      const skipped = `the ${tf.getBackend()} backend has no ${missing.join(', ')} kernel: TF.js cannot train this model there`;
      const r: CaseResult = { name: `${c.name}/*`, ok: true, skipped, detail: skipped };
      env.out.push(r);
      env.onCase?.(r);
      continue;
    }
    const x = tf.tensor(uniform(sizeOf(c.x), 11, 1), c.x);
    const y = tf.tensor(uniform(sizeOf(c.y), 12, 1), c.y);
    await nonBindingCases(env, c, x, y);
    await bindingCases(env, c, x, y);
    tf.dispose([x, y]);
  }
  await transformerCases(env);
  await accumulateCases(env);
  await recoveryCases(env);
  return env.out;
}

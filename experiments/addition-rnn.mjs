#!/usr/bin/env node
// Checks gradclip's diagnosis on someone else's model: our re-implementation of the
// model and training setup of tfjs-examples' addition-rnn (github.com/tensorflow/tfjs-examples,
// addition-rnn/): questions such as "12+345" padded to 2·digits+1 characters, answers padded
// to digits+1 characters, both one-hot over the 12 characters "0123456789+ "; an LSTM encoder,
// RepeatVector(digits+1), an LSTM decoder returning sequences, a time-distributed Dense with
// softmax, categorical cross-entropy, batch 128, 90/10 train/validation split, one model.fit
// per epoch. (The example's defaults: 2 digits, 5000 examples, hidden size 128, Adam at its
// default learning rate 0.001, 100 epochs; its default cell is SimpleRNN, we use its LSTM.
// Our defaults halve the hidden size to 64 and train 15 epochs, so that each run takes about
// two minutes on two CPU cores; --hidden 128 --epochs 100 is the example's full size.)
//
// Each run trains through withClipping(optimizer, {globalClipnorm}) (or a monitor-only
// transform when unclipped), collects StepStats with gradStatsCallback, and diagnoses them
// with a context describing the model. A clipped run's unclipped twin (same seed, same
// initial weights, same batches) is trained first, to say whether it diverged.
//
// Usage: npm run experiment:addition-rnn   (builds, then runs)
//        node experiments/addition-rnn.mjs [--epochs 15] [--hidden 64] [--digits 2]
//          [--examples 5000] [--batch 128] [--seed 1] [--runs a,b,c] [--json out.json]
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { writeFileSync } from 'node:fs';
import { diagnose, gradStatsCallback, transforms, withClipping, withTransforms } from 'gradclip';

// ---- arguments ----
const argv = process.argv.slice(2);
function arg(name, dflt) {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = argv[i + 1];
  if (v === undefined) throw new Error(`--${name} needs a value`);
  return typeof dflt === 'number' ? Number(v) : v;
}
const EPOCHS = arg('epochs', 15);
const HIDDEN = arg('hidden', 64);
const DIGITS = arg('digits', 2);
const EXAMPLES = arg('examples', 5000);
const BATCH = arg('batch', 128);
const SEED = arg('seed', 1);
const RUNS = arg('runs', 'a,b,c').split(',');
const JSON_OUT = arg('json', '');

await tf.setBackend('wasm');
tf.enableProdMode();

// ---- data ----
const CHARS = '0123456789+ ';
const IN_LEN = 2 * DIGITS + 1;
const OUT_LEN = DIGITS + 1;

/** mulberry32: a small seeded PRNG, so every run (and every twin) sees the same data and batches (its own, as a user's script would have, not gradclip's). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Distinct addition problems (a+b and b+a count once), as [question, answer] strings. */
function problems(n, rand) {
  const operand = () => {
    // a random string of DIGITS digits, read as a number (leading zeros drop, so shorter operands occur)
    let s = '';
    for (let i = 0; i < DIGITS; i++) s += String(Math.floor(rand() * 10));
    return Number(s);
  };
  const seen = new Set();
  const out = [];
  const max = 10 ** (2 * DIGITS);
  if (n > max) throw new Error(`at most ${max} problems with ${DIGITS} digits`);
  while (out.length < n) {
    const a = operand();
    const b = operand();
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([`${a}+${b}`.padEnd(IN_LEN, ' '), String(a + b).padEnd(OUT_LEN, ' ')]);
  }
  return out;
}

/** One-hot [n, len, 12] tensor of the strings. */
function oneHot(strings, len) {
  const buf = new Float32Array(strings.length * len * CHARS.length);
  strings.forEach((s, n) => {
    for (let i = 0; i < s.length; i++) buf[(n * len + i) * CHARS.length + CHARS.indexOf(s[i])] = 1;
  });
  return tf.tensor3d(buf, [strings.length, len, CHARS.length]);
}

const data = problems(EXAMPLES, rng(SEED));
const split = Math.floor(EXAMPLES * 0.9);
const trainX = oneHot(data.slice(0, split).map((d) => d[0]), IN_LEN);
const trainY = oneHot(data.slice(0, split).map((d) => d[1]), OUT_LEN);
const valX = oneHot(data.slice(split).map((d) => d[0]), IN_LEN);
const valY = oneHot(data.slice(split).map((d) => d[1]), OUT_LEN);

// ---- model ----
/** The seq2seq LSTM, with seeded initialisers so a run and its twin start from the same weights. */
function buildModel() {
  const s = SEED * 100;
  const m = tf.sequential();
  m.add(
    tf.layers.lstm({
      units: HIDDEN,
      inputShape: [IN_LEN, CHARS.length],
      kernelInitializer: tf.initializers.glorotUniform({ seed: s + 1 }),
      recurrentInitializer: tf.initializers.glorotNormal({ seed: s + 2 }),
    }),
  );
  m.add(tf.layers.repeatVector({ n: OUT_LEN }));
  m.add(
    tf.layers.lstm({
      units: HIDDEN,
      returnSequences: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: s + 3 }),
      recurrentInitializer: tf.initializers.glorotNormal({ seed: s + 4 }),
    }),
  );
  m.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: CHARS.length, kernelInitializer: tf.initializers.glorotUniform({ seed: s + 5 }) }) }));
  m.add(tf.layers.activation({ activation: 'softmax' }));
  return m;
}

function makeOptimizer(name, lr) {
  if (name === 'adam') return tf.train.adam(lr);
  if (name === 'sgd') return tf.train.sgd(lr);
  throw new Error(`unknown optimizer ${name}`);
}

function weightsFinite(model) {
  return tf.tidy(() => model.getWeights().every((w) => tf.all(tf.isFinite(w)).dataSync()[0] === 1));
}

/** Exact-match accuracy on the validation set: every character of the answer right. */
function exactAccuracy(model) {
  return tf.tidy(() => {
    const p = model.predict(valX).argMax(2);
    const t = valY.argMax(2);
    return tf.all(tf.equal(p, t), 1).cast('float32').mean().dataSync()[0];
  });
}

/**
 * Trains one configuration for EPOCHS epochs (one fit per epoch, batches in a seeded order)
 * and returns its StepStats and outcome. `clip` is a global-norm threshold or null.
 */
async function train({ optimizer, lr, clip }) {
  const model = buildModel();
  const inner = makeOptimizer(optimizer, lr);
  const opt =
    clip === null
      ? withTransforms(inner, transforms.monitor(), { layerNorms: true, statsBuffer: 64 })
      : withClipping(inner, { globalClipnorm: clip }, { layerNorms: true, statsBuffer: 64 });
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const stats = [];
  const cb = gradStatsCallback(opt, { onStep: (s) => stats.push(s) });
  const order = rng(SEED + 7);
  const idx = Array.from({ length: split }, (_, i) => i);
  const t0 = Date.now();
  let last = { loss: NaN, acc: NaN, valLoss: NaN, valAcc: NaN };
  let divergedAtStep = null;
  for (let e = 0; e < EPOCHS; e++) {
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(order() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const ix = tf.tensor1d(idx, 'int32');
    const x = tf.gather(trainX, ix);
    const y = tf.gather(trainY, ix);
    const before = stats.length;
    const h = await model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: false, validationData: [valX, valY], callbacks: [cb], verbose: 0 });
    tf.dispose([ix, x, y]);
    last = { loss: h.history.loss[0], acc: h.history.acc[0], valLoss: h.history.val_loss[0], valAcc: h.history.val_acc[0] };
    if (divergedAtStep === null) {
      const bad = stats.slice(before).find((s) => typeof s.loss === 'number' && !Number.isFinite(s.loss));
      if (bad) divergedAtStep = bad.step;
      else if (!weightsFinite(model)) divergedAtStep = stats[stats.length - 1]?.step ?? null;
    }
    if (divergedAtStep !== null) break; // NaN weights stay NaN: no point in training on
  }
  const seconds = (Date.now() - t0) / 1000;
  const exact = divergedAtStep === null ? exactAccuracy(model) : 0;
  model.dispose();
  inner.dispose();
  return { stats, last, exact, seconds, diverged: divergedAtStep !== null, divergedAtStep };
}

const CONFIGS = {
  a: { label: '(a) Adam at its default rate 0.001, clip norm 1 (baseline)', optimizer: 'adam', lr: 0.001, clip: 1, twin: false },
  b: { label: '(b) Adam at 100x its rate (0.1), clip norm 1', optimizer: 'adam', lr: 0.1, clip: 1, twin: true },
  c: { label: '(c) SGD at lr 2, clip norm 1', optimizer: 'sgd', lr: 2, clip: 1, twin: true },
};

const f = (x, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : String(x));
console.log(
  `addition-rnn (our re-implementation of tfjs-examples' model): LSTM ${HIDDEN} -> RepeatVector(${OUT_LEN}) -> LSTM ${HIDDEN} -> TimeDistributed(Dense ${CHARS.length}) softmax; ` +
    `${DIGITS} digits, ${split} train / ${EXAMPLES - split} validation problems, batch ${BATCH}, ${EPOCHS} epochs (${Math.ceil(split / BATCH) * EPOCHS} steps), seed ${SEED}, backend ${tf.getBackend()}\n`,
);
const results = [];
for (const key of RUNS) {
  const c = CONFIGS[key];
  if (!c) throw new Error(`unknown run ${key} (a, b or c)`);
  let twin = null;
  if (c.twin) {
    twin = await train({ optimizer: c.optimizer, lr: c.lr, clip: null });
    console.log(
      `${c.label}: unclipped twin ${twin.diverged ? `DIVERGED at step ${twin.divergedAtStep}` : 'did not diverge'}; ` +
        `final train loss ${f(twin.last.loss)}, val exact-answer accuracy ${f(twin.exact)}, max pre-clip norm ${f(Math.max(...twin.stats.map((s) => s.preClipNorm ?? 0)))} (${f(twin.seconds, 2)} s)`,
    );
  }
  const r = await train(c);
  const context = {
    model: 'lstm',
    layers: 2,
    residual: false,
    sequenceLength: IN_LEN,
    optimizer: c.optimizer,
    learningRate: c.lr,
    clip: 'norm',
    clipThreshold: c.clip,
    ...(twin ? { unclippedDiverged: twin.diverged } : {}),
  };
  const d = diagnose(r.stats, undefined, context);
  const losses = r.stats.map((s) => s.loss).filter((x) => typeof x === 'number');
  console.log(`${c.label}  (${f(r.seconds, 2)} s)`);
  console.log(
    `  final train loss ${f(r.last.loss)}, val loss ${f(r.last.valLoss)}, val per-character accuracy ${f(r.last.valAcc)}, val exact-answer accuracy ${f(r.exact)}` +
      `${r.diverged ? `, DIVERGED at step ${r.divergedAtStep}` : ''}`,
  );
  console.log(
    `  steps ${d.steps}, clip rate ${f(d.clipRate === null ? null : 100 * d.clipRate)}%, median pre-clip norm ${f(d.medianPreClipNorm)}, max ${f(d.maxPreClipNorm)}, ` +
      `loss first ${f(losses[0])} -> last ${f(losses[losses.length - 1])}, recommendedThreshold ${f(d.recommendedThreshold)}`,
  );
  console.log(`  old status: ${d.status}${d.flags.length ? ` [${d.flags.join(', ')}]` : ''}`);
  (d.causes ?? []).slice(0, 3).forEach((cause, i) => {
    console.log(`  ${i + 1}. ${cause.cause} (${cause.confidence})`);
    for (const e of cause.evidence) console.log(`       evidence: ${e}`);
    console.log(`       first fix: ${cause.fixes[0] ?? '(none)'}`);
  });
  console.log('');
  results.push({ run: key, label: c.label, context, twin: twin && { diverged: twin.diverged, divergedAtStep: twin.divergedAtStep, finalLoss: twin.last.loss }, outcome: { ...r.last, exact: r.exact, diverged: r.diverged }, diagnosis: d, stats: r.stats });
}
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 1));
tf.dispose([trainX, trainY, valX, valY]);

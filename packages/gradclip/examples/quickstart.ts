/**
 * The README's library example, runnable: `npx tsx examples/quickstart.ts`.
 * In this repository `gradclip` resolves to src/ (tsconfig.json "paths"); in
 * the installed package, to the package itself. scripts/check-examples.mjs
 * type-checks and runs it and checks that the README's copy is this program;
 * test/examples.test.ts runs it as the README says.
 */
import * as tf from '@tensorflow/tfjs';
import { adamw, clipGradNorm, transforms, withClipping, withTransforms } from 'gradclip';

// A small regression model and data.
const xs = tf.randomNormal([64, 8], 0, 1, 'float32', 1);
const ys = tf.randomNormal([64, 1], 0, 10, 'float32', 2);
const model = tf.sequential({ layers: [tf.layers.dense({ units: 16, inputShape: [8], activation: 'tanh' }), tf.layers.dense({ units: 1 })] });

// 1. PyTorch-style, functional: clip_grad_norm_ returns the pre-clip norm.
const optimizer = tf.train.sgd(0.01);
const lossFn = () => tf.losses.meanSquaredError(ys, model.predict(xs) as tf.Tensor) as tf.Scalar;
const { value, grads } = tf.variableGrads(lossFn);
const { grads: clipped, totalNorm } = clipGradNorm(grads, 1.0); // same container form back
optimizer.applyGradients(clipped);
console.log(`pre-clip norm ${totalNorm.dataSync()[0].toFixed(3)}`);
tf.dispose([value, totalNorm, grads, clipped]);

// 2. Keras-style, in model.fit: clipnorm / globalClipnorm / clipvalue on any TF.js optimizer.
const opt = withClipping(tf.train.adam(1e-3), { globalClipnorm: 1 });
model.compile({ optimizer: opt, loss: 'meanSquaredError' });
await model.fit(xs, ys, { epochs: 2, batchSize: 16, verbose: 0 });
console.log(opt.lastStats()); // {step, preClipNorm, postClipNorm, clipCoef, clipped, skipped, loss}

// 3. Optax-style transforms: skip NaN/Inf steps, then clip adaptively.
const guarded = withTransforms(
  adamw({ learningRate: 3e-4, weightDecay: 0.1 }),
  transforms.chain(transforms.skipNonFinite(), transforms.zClip({ zThresh: 2.5 })),
);
guarded.minimize(lossFn);
console.log(`step ${guarded.steps}, skipped ${guarded.skippedSteps}`);

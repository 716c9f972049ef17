/**
 * A deep sigmoid MLP trained with plain SGD, whose gradient vanishes toward
 * the input (a known case of the diagnosis): L dense layers of width W,
 * kernels N(0, 0.3²) drawn with the caller's `normal`, zero biases, inputs
 * N(0, 1) of width IN over N examples, targets 2 + sin(i), mean squared
 * error, `steps` steps of `sgd(0.01)` through `withTransforms(…, monitor())`
 * with per-layer norms. Frees every tensor it made.
 */
import { tf } from './backends.js';
import { transforms, withTransforms, type StepStats } from 'gradclip';

/** The knobs of {@link trainSigmoidStack}. */
export interface SigmoidStackOptions {
  /** Seeded normal draws with standard deviation `std`. */
  normal: (std: number) => number;
  /** The variable name of layer `l`'s `part`. */
  name: (l: number, part: 'kernel' | 'bias') => string;
  layers?: number;
  width?: number;
  examples?: number;
  inputs?: number;
  steps?: number;
}

/** Trains the stack and returns its step records and the variable names in forward order. */
export function trainSigmoidStack(o: SigmoidStackOptions): { stats: StepStats[]; names: string[] } {
  const L = o.layers ?? 12;
  const W = o.width ?? 24;
  const N = o.examples ?? 32;
  const IN = o.inputs ?? 8;
  const steps = o.steps ?? 40;
  const vars: tf.Variable[] = [];
  for (let l = 0; l < L; l++) {
    const fin = l === 0 ? IN : W;
    const fout = l === L - 1 ? 1 : W;
    vars.push(tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: fin * fout }, () => o.normal(0.3)), [fin, fout]), true, o.name(l, 'kernel'))));
    vars.push(tf.tidy(() => tf.variable(tf.zeros([fout]), true, o.name(l, 'bias'))));
  }
  const x = tf.tensor2d(Float32Array.from({ length: N * IN }, () => o.normal(1)), [N, IN]);
  const y = tf.tensor2d(Float32Array.from({ length: N }, (_, i) => 2 + Math.sin(i)), [N, 1]);
  const loss = (): tf.Scalar =>
    tf.tidy(() => {
      let h: tf.Tensor = x;
      for (let l = 0; l < L; l++) {
        h = tf.add(tf.matMul(h as tf.Tensor2D, vars[2 * l] as tf.Tensor2D), vars[2 * l + 1]);
        if (l < L - 1) h = tf.sigmoid(h);
      }
      return tf.mean(tf.square(tf.sub(h, y))) as tf.Scalar;
    });
  const opt = withTransforms(tf.train.sgd(0.01), transforms.monitor(), { layerNorms: true, statsBuffer: steps });
  for (let s = 0; s < steps; s++) opt.minimize(loss, false, vars);
  const stats = opt.drainStatsSync();
  const names = vars.map((v) => v.name);
  opt.dispose();
  tf.dispose([x, y, ...vars]);
  return { stats, names };
}

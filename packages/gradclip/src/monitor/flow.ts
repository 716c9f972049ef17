/**
 * `gradientFlow`: how strongly a loss's gradient reaches each time step of a
 * recurrence the user writes with TF.js ops (Pascanu, Mikolov & Bengio 2013,
 * arXiv 1211.5063, section 2), plus the spectra of a recurrent matrix.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { GradclipArgumentError, describeValue } from '../core/errors.js';
import { fitGrowth, spectralNorm, spectralRadius } from '../core/linalg/index.js';
import { checkOptions } from '../core/options.js';
import type { GradientFlow } from '../core/step-stats.js';

export { fitGrowth, spectralNorm, spectralRadius } from '../core/linalg/index.js';

/**
 * What {@link gradientFlow} hands to the recurrence: call it once per time
 * step on the new state and carry on with what it returns,
 * `h = probe(cell(h, x_t))`. It returns the same values (`h + 0`) and marks
 * them so that the total derivative `∂L/∂h_t` is recorded on the way back.
 * A state of several tensors (an LSTM's `(h, c)`) is passed as one array,
 * `[h, c] = probe([h, c])`: the norm of step t is then the norm of all of
 * them together.
 */
export type FlowProbe = <S extends Tensor | readonly Tensor[]>(state: S) => S;

/** Options of {@link gradientFlow}. */
export interface GradientFlowOptions {
  /**
   * The recurrent weight matrix `W_hh` (a square float32 `[H, H]` tensor,
   * for example the variable of `h_t = tanh(x_t W_hx + h_{t−1} W_hh + b)`):
   * its largest singular value and largest eigenvalue modulus are added as
   * `spectralNorm` and `spectralRadius` (float64, on the host; both are the
   * same for `W` and `Wᵀ`). Not modified.
   * @default none: the result has no spectral fields
   */
  recurrentMatrix?: Tensor;
}

const FN = 'gradientFlow';

/** Reads the recurrent matrix (checked) and measures its spectra. */
function matrixSpectra(m: unknown): { spectralNorm: number; spectralRadius: number } {
  const t = m as Tensor;
  if (!(t instanceof tf.Tensor)) throw new GradclipArgumentError(`${FN}: options.recurrentMatrix must be a tf.Tensor of shape [H, H], got ${describeValue(m)}`);
  if (t.isDisposed) throw new GradclipArgumentError(`${FN}: options.recurrentMatrix has been disposed; pass a live tensor`);
  if (t.rank !== 2 || t.shape[0] !== t.shape[1]) {
    throw new GradclipArgumentError(`${FN}: options.recurrentMatrix must be a square [H, H] matrix (the state-to-state weights), got shape [${t.shape.join(', ')}]`);
  }
  if (t.dtype !== 'float32') throw new GradclipArgumentError(`${FN}: options.recurrentMatrix must be float32, got ${t.dtype}`);
  const n = t.shape[0];
  const data = Float64Array.from(t.dataSync() as Float32Array);
  return { spectralNorm: spectralNorm(data, n, n), spectralRadius: spectralRadius(data, n) };
}

function checkState(s: unknown, step: number, part: string): Tensor {
  if (!(s instanceof tf.Tensor)) {
    throw new GradclipArgumentError(`${FN}: probe(state) at time step ${step} needs a tf.Tensor (or an array of them)${part}, got ${describeValue(s)}`);
  }
  if (s.isDisposed) throw new GradclipArgumentError(`${FN}: probe(state) at time step ${step}: the state${part} has been disposed`);
  if (s.dtype !== 'float32') throw new GradclipArgumentError(`${FN}: probe(state) at time step ${step}: the state${part} must be float32 (it is differentiated), got ${s.dtype}`);
  return s;
}

/**
 * Measures the gradient flow through time of one loss: the norm of the
 * total derivative of the loss with respect to every state of a recurrence,
 *
 * `timeNorms[t − 1] = ‖∂L/∂h_t‖₂` for t = 1..T (over all entries of the
 * state, the whole batch together), where
 * `∂L/∂h_t = ∂⁺L/∂h_t + (∂h_{t+1}/∂h_t)ᵀ ∂L/∂h_{t+1}`
 * (the direct part plus everything that flows back through later steps:
 * Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063, section 2, eqs. 3–5), and
 * `growth = fitGrowth(timeNorms)`, the fitted factor by which the norm
 * changes per step going back (`exp(−slope)` of the least-squares line
 * through `(t, ln ‖∂L/∂h_t‖)`; above 1 the gradient explodes back in time,
 * below 1 it vanishes). With `options.recurrentMatrix` the result also
 * holds its `spectralNorm` (`‖W‖₂`: `γ‖W‖₂ < 1`, with γ the bound of the
 * non-linearity's derivative, is sufficient for vanishing gradients) and
 * its `spectralRadius`.
 *
 * How: `lossFn(probe)` runs the forward pass; every `probe(h_t)` adds a
 * zero to the state, and the loss is differentiated with respect to that
 * zero, which records `∂L/∂h_t` on the way back (one forward and one
 * backward pass, like `tf.grad`; only the path from the probes to the loss
 * is differentiated). The gradients of the variables are not computed and
 * no variable, optimizer or optimizer state is touched; every tensor made
 * here is released (on error too); only the host result is returned.
 *
 * ```ts
 * const flow = gradientFlow((probe) => {
 *   let h = tf.zeros([batch, hidden]);
 *   for (let t = 0; t < T; t++) h = probe(tf.tanh(tf.add(tf.matMul(xs[t], Wx), tf.matMul(h, Wh))));
 *   return tf.losses.meanSquaredError(y, tf.matMul(h, Wy));
 * }, { recurrentMatrix: Wh });
 * flow.timeNorms; // [‖∂L/∂h_1‖, …, ‖∂L/∂h_T‖]
 * flow.growth;    // > 1: exploding through time
 * ```
 *
 * @param lossFn runs the recurrence, calling `probe` on each new state (in
 *   time order: the first call is t = 1), and returns the scalar loss. It
 *   runs inside a gradient tape: call it nowhere else, and do not call it
 *   inside another `tf.grad` or `optimizer.minimize`.
 * @param options see {@link GradientFlowOptions}.
 * @returns the {@link GradientFlow} (host numbers; a probed state that the
 *   loss does not depend on gets the norm 0).
 * @throws GradclipArgumentError when `lossFn` is not a function, returns no
 *   scalar, never calls `probe`, probes a non-float32 tensor, or the loss
 *   depends on no probed state; or on a bad option.
 */
export function gradientFlow(lossFn: (probe: FlowProbe) => Scalar, options?: GradientFlowOptions): GradientFlow {
  if (typeof lossFn !== 'function') {
    throw new GradclipArgumentError(`${FN}: lossFn must be a function (probe) => loss that runs the recurrence and calls probe on each state, got ${describeValue(lossFn)}`);
  }
  const opts = checkOptions<GradientFlowOptions>(FN, options, { recurrentMatrix: 'checked' });
  const spectra = opts.recurrentMatrix !== undefined ? matrixSpectra(opts.recurrentMatrix) : null;

  // captured[t] holds copies of the gradients that reached the parts of state t.
  const captured: Tensor[][] = [];
  let firstShapes: string | null = null;
  let open = true;
  const anchor = tf.scalar(0);
  const probe = (<S extends Tensor | readonly Tensor[]>(state: S): S => {
    if (!open) throw new GradclipArgumentError(`${FN}: probe was called after gradientFlow returned; call it only inside lossFn`);
    const step = captured.length + 1;
    const parts: readonly unknown[] = Array.isArray(state) ? state : [state];
    if (Array.isArray(state) && parts.length === 0) throw new GradclipArgumentError(`${FN}: probe(state) at time step ${step} got an empty array; pass the state tensor(s)`);
    const tensors = parts.map((s, i) => checkState(s, step, Array.isArray(state) ? ` [${i}]` : ''));
    const shapes = tensors.map((t) => `[${t.shape.join(', ')}]`).join(', ');
    if (firstShapes === null) {
      firstShapes = shapes;
      const width = tensors[0].shape[tensors[0].rank - 1];
      const m = opts.recurrentMatrix;
      if (m !== undefined && m.shape[0] !== width) {
        throw new GradclipArgumentError(`${FN}: options.recurrentMatrix is [${m.shape.join(', ')}] but the probed state has width ${width} (shape ${shapes}); pass the [${width}, ${width}] state-to-state matrix of this recurrence`);
      }
    } else if (shapes !== firstShapes) {
      throw new GradclipArgumentError(`${FN}: probe got state shapes ${shapes} at time step ${step} but ${firstShapes} at step 1; probe the same state (of the same shapes) at every time step`);
    }
    const mine: Tensor[] = [];
    captured.push(mine);
    const out = tensors.map((s) =>
      tf.customGrad((...inputs: (Tensor | tf.GradSaveFunc)[]) => ({
        value: tf.add(inputs[0] as Tensor, inputs[1] as Tensor),
        gradFunc: (dy: Tensor) => {
          mine.push(tf.keep(tf.clone(dy)));
          return [dy, tf.sum(dy)];
        },
      }))(s, anchor),
    );
    return (Array.isArray(state) ? out : out[0]) as unknown as S;
  }) as FlowProbe;

  try {
    // The forward never throws inside the tape (TF.js would keep the tensors
    // it saved for the backward pass): a failure is remembered, the loss is
    // replaced by 0·anchor, the backward pass runs (and frees them), and the
    // error is thrown afterwards. 0·anchor also keeps the loss connected to
    // the anchor when it depends on no probed state.
    let failure: unknown = null;
    const g = tf.grad(() => {
      const zero = tf.mul(anchor, 0) as Scalar;
      let loss: unknown;
      try {
        loss = lossFn(probe);
      } catch (e) {
        failure = e;
        return zero;
      }
      if (!(loss instanceof tf.Tensor)) failure = new GradclipArgumentError(`${FN}: lossFn must return the loss as a scalar tf.Tensor, got ${describeValue(loss)}`);
      else if (loss.rank !== 0) failure = new GradclipArgumentError(`${FN}: lossFn must return a scalar loss, got shape [${loss.shape.join(', ')}]; reduce it (e.g. tf.mean)`);
      else if (loss.dtype !== 'float32') failure = new GradclipArgumentError(`${FN}: lossFn must return a float32 loss, got ${loss.dtype}`);
      else if (captured.length === 0) failure = new GradclipArgumentError(`${FN}: lossFn never called probe; call h = probe(h) on the state of every time step`);
      return failure === null ? (tf.add(loss as Scalar, zero) as Scalar) : zero;
    })(anchor);
    g.dispose();
    if (failure !== null) throw failure;
    if (captured.every((list) => list.length === 0)) {
      throw new GradclipArgumentError(`${FN}: the loss does not depend on any probed state; use what probe returns (h = probe(h)) in the rest of the recurrence`);
    }
    const timeNorms = readNorms(captured);
    const flow: GradientFlow = { timeNorms, growth: fitGrowth(timeNorms) };
    if (spectra !== null) {
      flow.spectralNorm = spectra.spectralNorm;
      flow.spectralRadius = spectra.spectralRadius;
    }
    return flow;
  } finally {
    open = false;
    anchor.dispose();
    for (const list of captured) tf.dispose(list);
  }
}

/** Per time step, the float64 norm of every captured gradient of that step together (one host read for all). */
function readNorms(captured: Tensor[][]): number[] {
  const all = captured.flat();
  let values: ArrayLike<number> = new Float32Array(0);
  if (all.length > 0) {
    const flat = tf.tidy(() => tf.concat(all.map((t) => tf.reshape(t, [-1]))));
    values = flat.dataSync() as Float32Array;
    flat.dispose();
  }
  const norms: number[] = [];
  let offset = 0;
  for (const list of captured) {
    let sum = 0;
    for (const t of list) {
      for (let i = 0; i < t.size; i++) sum += values[offset + i] * values[offset + i];
      offset += t.size;
    }
    norms.push(Math.sqrt(sum));
  }
  return norms;
}

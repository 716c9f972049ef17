/**
 * The advice {@link diagnose} gives, in one place: the run-independent texts
 * for exploding gradients ({@link EXPLODING_ADVICE}) and vanishing gradients
 * ({@link VANISHING_ADVICE}), and the run-dependent ones (the clipping
 * threshold to use, how many steps to record).
 *
 * The remedies are those of Pascanu, Mikolov & Bengio (2013, arXiv
 * 1211.5063): clip the gradient norm against exploding gradients; for
 * vanishing gradients (Bengio, Simard & Frasconi 1994) change the
 * architecture or the initialisation — residual connections (He et al. 2016),
 * gated cells (Hochreiter & Schmidhuber 1997), orthogonal / Glorot
 * initialisation (Saxe et al. 2014; Glorot & Bengio 2010), normalisation
 * layers (Ba et al. 2016).
 *
 * @module
 */

import { formatNumber } from '../../core/format.js';
import type { diagnose } from './index.js';
import type { DiagnoseContext } from './run-context.js';

/** Advice for exploding gradients that does not depend on the run. */
export const EXPLODING_ADVICE = {
  /** Always given for an exploding run. */
  lowerLr: 'Lower the learning rate (for example by 2-10x); exploding steps are often a learning rate that is too high.',
  /** Also given when a gradient norm or the loss became non-finite. */
  guard: 'Add a non-finite guard (transforms.skipNonFinite()) so that a NaN/Inf gradient skips the step instead of destroying the weights.',
} as const;

/** Advice for vanishing gradients (Pascanu et al. 2013; He et al. 2016; Hochreiter & Schmidhuber 1997; Saxe et al. 2014; Glorot & Bengio 2010; Ba et al. 2016). */
export const VANISHING_ADVICE = {
  /** Residual connections (He et al. 2016). */
  residual: 'Add residual (skip) connections so that gradients reach the early layers directly (He et al. 2016, arXiv 1512.03385).',
  /** Gated recurrent cells (Hochreiter & Schmidhuber 1997). */
  gated: 'Use an LSTM or GRU instead of a vanilla RNN: the gated cell state carries gradients over long spans.',
  /** Orthogonal / Glorot / He initialisation (Saxe et al. 2014; Glorot & Bengio 2010). */
  init: 'Use a better initialisation: orthogonal recurrent weights (Saxe et al. 2014, arXiv 1312.6120) and Glorot/Xavier or He initialisation for the other layers.',
  /** Normalisation layers (Ba et al. 2016). */
  norm: 'Add normalisation layers (LayerNorm for recurrent and transformer models, BatchNorm for convolutional ones).',
} as const;

/** Given for a run with no records at all. */
export const EMPTY_RUN_ADVICE = 'Record at least a few hundred steps (StepStats) before diagnosing the run.';

/**
 * The first advice for an exploding run: clip by global norm (Pascanu et al.
 * 2013, section 3.2) at `recommendedThreshold` (formatted with 6 significant
 * digits, the `--clip norm:<t>` of the CLI) — "keep" clipping when the run
 * already clipped — or, without a threshold, how to get one.
 */
export function clipAdvice(recommendedThreshold: number | null, alreadyClipping: boolean): string {
  if (recommendedThreshold === null) {
    return 'Clip gradients by global norm; to choose the threshold, record a few hundred unclipped steps and use recommendThreshold on their pre-clip norms.';
  }
  const t = formatNumber(recommendedThreshold, 6);
  return alreadyClipping
    ? `Keep gradient clipping by global norm, with the threshold at ${t} (recommendThreshold on this run's pre-clip norms; CLI: --clip norm:${t}).`
    : `Clip gradients by global norm at ${t} (recommendThreshold on this run's pre-clip norms; CLI: --clip norm:${t}).`;
}

/**
 * Advice for exploding gradients, in order: {@link clipAdvice}, then
 * {@link EXPLODING_ADVICE}.lowerLr, then, when a norm or the loss became
 * NaN/±Infinity, {@link EXPLODING_ADVICE}.guard.
 */
export function explodingAdvice(recommendedThreshold: number | null, alreadyClipping: boolean, nonFinite: boolean): string[] {
  const out: string[] = [clipAdvice(recommendedThreshold, alreadyClipping), EXPLODING_ADVICE.lowerLr];
  if (nonFinite) out.push(EXPLODING_ADVICE.guard);
  return out;
}

/**
 * Advice for vanishing gradients: the four {@link VANISHING_ADVICE} texts, in
 * their order, less those that do not fit the model of `run`: residual
 * connections when it already has them, is recurrent or has fewer than 3
 * layers; gated cells unless it is a vanilla RNN (or unknown); normalisation
 * when it already has it; none when the architecture is fixed
 * (`architectureFixed`).
 */
export function vanishingAdvice(run: DiagnoseContext = {}): string[] {
  if (run.architectureFixed === true) return [];
  const recurrent = run.model === 'rnn' || run.model === 'lstm' || run.model === 'gru';
  const out: string[] = [];
  if (!(run.residual === true || recurrent || (run.layers !== undefined && run.layers < 3))) out.push(VANISHING_ADVICE.residual);
  if (run.model === undefined || run.model === 'rnn') out.push(VANISHING_ADVICE.gated);
  out.push(VANISHING_ADVICE.init);
  if (run.normalization !== true) out.push(VANISHING_ADVICE.norm);
  return out;
}

/** Advice for a run shorter than `minSteps` records (status `insufficient-data`). */
export function insufficientDataAdvice(minSteps: number): string {
  return `Record at least ${minSteps} steps (a few hundred are better) before diagnosing the run.`;
}

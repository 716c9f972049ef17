/**
 * The fixes the ranked causes of {@link diagnose} give, fitted to the run in
 * front of them ({@link DiagnoseContext}): the learning rate quoted with its
 * value, clipping kept (never raised) when the unclipped run diverged, gated
 * cells proposed only for a vanilla RNN, residual connections and
 * normalisation only for a deep model that lacks them.
 *
 * The remedies are those of Pascanu, Mikolov & Bengio (2013, arXiv
 * 1211.5063): gradient-norm clipping against exploding gradients (section
 * 3.2), the regulariser that keeps the backpropagated norm against vanishing
 * ones (3.3); gated cells (Hochreiter & Schmidhuber 1997; the forget-gate bias
 * of Jozefowicz, Zaremba & Sutskever 2015), orthogonal initialisation (Saxe et
 * al. 2014, arXiv 1312.6120), Glorot / He initialisation (Glorot & Bengio
 * 2010; He et al. 2015), residual connections (He et al. 2016, arXiv
 * 1512.03385) and normalisation layers (Ba et al. 2016).
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import type { CauseFacts } from './facts.js';
import type { diagnose } from '../index.js';
import type { DiagnoseContext } from '../run-context.js';

/** Optimizers with per-coordinate step sizes, and their customary learning rate (Kingma & Ba 2015; Loshchilov & Hutter 2019). */
export const ADAPTIVE_OPTIMIZERS: Readonly<Record<string, number>> = {
  adam: 1e-3,
  adamw: 1e-3,
  stableadamw: 1e-3,
  adamax: 2e-3,
  rmsprop: 1e-3,
  adagrad: 1e-2,
  adadelta: 1,
};

/** The customary learning rate of the context's optimizer when it is adaptive, else null. */
export function customaryLr(run: DiagnoseContext): number | null {
  return run.optimizer !== undefined ? (ADAPTIVE_OPTIMIZERS[run.optimizer] ?? null) : null;
}

function fmt(x: number, digits = 3): string {
  return formatNumber(x, digits);
}

/** Whether clipping must not be loosened: the unclipped run diverged. */
export function clippingKeepsAlive(run: DiagnoseContext): boolean {
  return run.unclippedDiverged === true;
}

/**
 * Clip by global norm: keep the threshold in use (`CauseFacts.thresholdInUse`),
 * else the recommended threshold, else how to choose one.
 */
export function clipFix(f: CauseFacts, why: string): string {
  if (f.thresholdInUse !== null) {
    return `Keep clipping by global norm at ${fmt(f.thresholdInUse, 6)}${f.run.clipThreshold === undefined ? ' (the median post-clip norm of the clipped steps)' : ''}: ${why}.`;
  }
  const t = f.recommendedThreshold;
  if (t !== null) {
    const tt = fmt(t, 6);
    return `Clip the gradient by global norm at ${tt} (recommendThreshold on this run's norms${f.explodingIdx >= 0 ? ' before the explosion' : ''}; CLI --clip norm:${tt}): ${why} (Pascanu et al. 2013, section 3.2).`;
  }
  return `Clip the gradient by global norm (Pascanu et al. 2013, section 3.2): ${why}; choose the threshold with recommendThreshold on a few hundred steps before the trouble starts.`;
}

/** Lower the learning rate `factor`× (quoting the value when known), or toward an adaptive optimizer's customary rate. */
export function lowerLrFix(run: DiagnoseContext, factor = 10, why = ''): string {
  const lr = run.learningRate;
  const tail = why ? `: ${why}` : '';
  if (lr === undefined) return `Lower the learning rate (for example ${factor}×)${tail}.`;
  const customary = customaryLr(run);
  if (customary !== null && lr >= 10 * customary) {
    return `Lower the learning rate from ${fmt(lr)} toward ${run.optimizer}'s customary ${fmt(customary)} (${fmt(lr / customary)}× lower), or at least ${factor}× (to ${fmt(lr / factor)})${tail}.`;
  }
  return `Lower the learning rate about ${factor}×, from ${fmt(lr)} to ${fmt(lr / factor)}${tail}.`;
}

/** Use a gated cell, for a vanilla RNN (or an unknown recurrent model) only; null otherwise. */
export function gatedFix(run: DiagnoseContext, why: string): string | null {
  if (run.model !== undefined && run.model !== 'rnn') return null;
  return `Use a gated cell (LSTM or GRU; CLI --model lstm): ${why} (Hochreiter & Schmidhuber 1997).`;
}

/** Add a non-finite guard (or keep it when some step was already skipped). */
export function guardFix(f: CauseFacts): string {
  return f.ctx.skippedSteps > 0
    ? `Keep the non-finite guard (transforms.skipNonFinite()): it skipped ${f.ctx.skippedSteps} step${f.ctx.skippedSteps === 1 ? '' : 's'} without touching the weights.`
    : 'Add a non-finite guard (transforms.skipNonFinite(); CLI --skip-non-finite) so that a NaN/Inf step is skipped instead of destroying the weights.';
}

/**
 * Truncated backpropagation through time: the span K over which a growth
 * `g` per step amplifies the gradient by at most 100×, `K = floor(2 / |log10 g|)`,
 * or null when it would not be shorter than T.
 */
export function truncationSpan(growth: number, T: number): number | null {
  const l = Math.abs(Math.log10(growth));
  if (!(l > 0)) return null;
  const k = Math.max(1, Math.floor(2 / l));
  return k < T ? k : null;
}

/** The layer count the depth fixes reason about: the context's, else the groups seen. */
export function layerCount(f: CauseFacts): number {
  return f.run.layers ?? f.groups.length;
}

/** Add residual connections, for a model of at least 3 layers without them; null otherwise. */
export function residualFix(f: CauseFacts): string | null {
  const { run } = f;
  if (run.residual === true || layerCount(f) < 3) return null;
  if (run.model === 'rnn' || run.model === 'lstm' || run.model === 'gru') return null;
  return `Add residual (skip) connections so that the gradient reaches the early layers through an identity path (He et al. 2016, arXiv 1512.03385).`;
}

/** Add normalisation layers, for a model without them; null otherwise. */
export function normalizationFix(run: DiagnoseContext): string | null {
  if (run.normalization === true) return null;
  return run.model === 'cnn'
    ? 'Add BatchNorm after the convolutions (Ioffe & Szegedy 2015).'
    : 'Add LayerNorm (Ba et al. 2016) between the layers, so that each layer sees inputs of unit scale.';
}

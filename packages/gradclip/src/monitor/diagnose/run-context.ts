/**
 * What the caller of {@link diagnose} knows about the run that its step
 * records do not say: the model, its depth, the optimizer and learning rate,
 * the clipping in use, and whether an unclipped baseline of the same run
 * diverged. Every field is optional; the ranked causes use them to weigh
 * the evidence (a learning rate far above the optimizer's customary one) and
 * to give fixes that fit the model (no residual connections for a
 * two-layer RNN, no higher clipping threshold when the unclipped run
 * diverged).
 *
 * The options object is checked by `core/options.ts` `checkOptions` (unknown
 * keys with the nearest valid one, `null`, types); the ranges here.
 *
 * @module
 */

import { GradclipArgumentError } from '../../core/errors.js';
import { checkOptions, type OptionSchema } from '../../core/options.js';
import type { diagnose } from './index.js';

/**
 * A model kind: `rnn` is a vanilla (tanh, sigmoid or linear) recurrent net,
 * `lstm` / `gru` gated recurrent nets, `transformer`, `mlp` a stack of dense
 * layers, `cnn` a convolutional net, `other` anything else.
 */
export type ModelKind = 'rnn' | 'lstm' | 'gru' | 'transformer' | 'mlp' | 'cnn' | 'other';

/** The model kinds {@link DiagnoseContext.model} accepts, in the order the error message lists them. */
export const MODEL_KINDS: readonly ModelKind[] = ['rnn', 'lstm', 'gru', 'transformer', 'mlp', 'cnn', 'other'];

/** A clipping kind: `none`, `norm` (global L2 norm), `value`, the adaptive ones (the CLI's `--clip` methods), or `other`. */
export type ClipContextKind = 'none' | 'norm' | 'value' | 'autoclip' | 'agc' | 'zclip' | 'adagc' | 'other';

/** The clipping kinds {@link DiagnoseContext.clip} accepts, in the order the error message lists them. */
export const CLIP_CONTEXT_KINDS: readonly ClipContextKind[] = ['none', 'norm', 'value', 'autoclip', 'agc', 'zclip', 'adagc', 'other'];

/**
 * The optional third argument of {@link diagnose}: facts about the run from
 * its caller. The CLI fills it from the run's `config.json`.
 *
 * @example
 * ```ts
 * const d = diagnose(stepStats, {}, { model: 'lstm', layers: 2, optimizer: 'adam', learningRate: 0.1, clip: 'norm', clipThreshold: 1 });
 * for (const c of d.causes ?? []) console.log(c.cause, c.confidence, c.fixes[0]);
 * ```
 */
export interface DiagnoseContext {
  /** The kind of model (see {@link ModelKind}). Recurrent kinds make the through-time causes possible without `flow` records. */
  model?: ModelKind;
  /**
   * Number of layers from input to loss (for a recurrent model: stacked
   * recurrent layers plus the read-out). Depth causes need at least 3; by
   * default the count of layer groups in `layerNorms` is used.
   */
  layers?: number;
  /** Whether the model already has residual (skip) connections. */
  residual?: boolean;
  /** Whether the model already has normalisation layers (LayerNorm, BatchNorm). */
  normalization?: boolean;
  /** The hidden units' non-linearity, e.g. `'tanh'`, `'sigmoid'`, `'relu'`, `'linear'`. */
  activation?: string;
  /** Length T of backpropagation through time (the sequence length). */
  sequenceLength?: number;
  /** The optimizer's name, e.g. `'sgd'`, `'momentum'`, `'adam'`, `'adamw'`. */
  optimizer?: string;
  /** The (peak) learning rate, > 0. */
  learningRate?: number;
  /** The clipping in use (see {@link ClipContextKind}). */
  clip?: ClipContextKind;
  /** The clipping threshold or parameter (for `norm`: the max global norm), > 0. */
  clipThreshold?: number;
  /**
   * Whether an unclipped baseline of the same run (same model, data, seed
   * and optimizer, `clip: 'none'`) diverged. When true, the fixes never
   * suggest raising the clipping threshold: clipping is what keeps the run
   * alive.
   */
  unclippedDiverged?: boolean;
  /**
   * The model's architecture and initialisation are given and cannot change
   * (a benchmark such as Pascanu et al.'s one-unit "cliff" RNN): fixes that
   * change the cell, the layers or the initialisation are left out, and
   * only training-side fixes (clipping, learning rate, guards, restarts)
   * remain.
   */
  architectureFixed?: boolean;
}

const SCHEMA: OptionSchema = {
  model: 'string',
  layers: 'number',
  residual: 'boolean',
  normalization: 'boolean',
  activation: 'string',
  sequenceLength: 'number',
  optimizer: 'string',
  learningRate: 'number',
  clip: 'string',
  clipThreshold: 'number',
  unclippedDiverged: 'boolean',
  architectureFixed: 'boolean',
};

/**
 * Checks a {@link DiagnoseContext}: known keys and types (`checkOptions`),
 * `model` and `clip` one of their kinds, `layers` and `sequenceLength`
 * integers ≥ 1, `learningRate` and `clipThreshold` finite and > 0,
 * `optimizer` and `activation` non-empty. Returns a copy (`{}` for undefined).
 *
 * @throws {@link GradclipArgumentError} naming the field and the fix.
 */
export function resolveDiagnoseContext(context: DiagnoseContext | undefined): DiagnoseContext {
  const c = { ...checkOptions<DiagnoseContext>('diagnose', context, SCHEMA, 'context') };
  const oneOf = (name: 'model' | 'clip', kinds: readonly string[]): void => {
    const v = c[name];
    if (v !== undefined && !kinds.includes(v)) {
      throw new GradclipArgumentError(`diagnose: context.${name} must be one of ${kinds.join(', ')}, got ${JSON.stringify(v)}`);
    }
  };
  const int = (name: 'layers' | 'sequenceLength'): void => {
    const v = c[name];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new GradclipArgumentError(`diagnose: context.${name} must be an integer >= 1, got ${String(v)}`);
    }
  };
  const pos = (name: 'learningRate' | 'clipThreshold'): void => {
    const v = c[name];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
      throw new GradclipArgumentError(`diagnose: context.${name} must be a finite number > 0, got ${String(v)}`);
    }
  };
  const text = (name: 'optimizer' | 'activation'): void => {
    const v = c[name];
    if (v !== undefined && v.trim() === '') throw new GradclipArgumentError(`diagnose: context.${name} must be a non-empty string such as "adam", or left out`);
  };
  oneOf('model', MODEL_KINDS);
  oneOf('clip', CLIP_CONTEXT_KINDS);
  int('layers');
  int('sequenceLength');
  pos('learningRate');
  pos('clipThreshold');
  text('optimizer');
  text('activation');
  if (c.optimizer !== undefined) c.optimizer = c.optimizer.trim().toLowerCase();
  if (c.activation !== undefined) c.activation = c.activation.trim().toLowerCase();
  return c;
}

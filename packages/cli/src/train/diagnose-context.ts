/**
 * The {@link DiagnoseContext} of a run from its configuration: what
 * `diagnose` needs to fit its causes and fixes to the model in front of it.
 * Pure (the CLI, the report and the dashboard share it).
 *
 * @module
 */
import type { DiagnoseContext, ModelKind } from 'gradclip';
import { parseClipSpec } from './clip-spec.js';
import type { RunConfig } from './config.js';

/** The model kinds of the CLI's models as {@link DiagnoseContext} knows them. */
const MODEL_KINDS: Readonly<Record<string, ModelKind>> = { rnn: 'rnn', lstm: 'lstm', gru: 'gru', transformer: 'transformer' };

/**
 * What `gradclip diagnose` tells the diagnosis about a run from its
 * configuration (`config.json`): the model (`cliff` is a one-unit RNN), its
 * layers (a recurrent model is one recurrent layer plus the read-out; a
 * transformer's layers are counted from its variables), residual connections
 * and LayerNorm (the transformer has both), the units' non-linearity (the
 * RNN's `sigmoid` init uses sigmoid units, the others tanh), the sequence
 * length, the optimizer and learning rate, and the clipping (`norm:<t>` and
 * `value:<v>` with their threshold). Fields the configuration does not know
 * (a library log: `unknown`) are left out.
 */
export function diagnoseContextOf(config: Partial<RunConfig> | undefined): DiagnoseContext {
  const c: DiagnoseContext = {};
  if (!config) return c;
  // the cliff is Pascanu et al.'s fixed one-unit RNN: only training-side fixes apply
  if (config.task === 'cliff') c.architectureFixed = true;
  const model = config.task === 'cliff' ? 'rnn' : typeof config.model === 'string' ? MODEL_KINDS[config.model] : undefined;
  if (model !== undefined) {
    c.model = model;
    if (model === 'transformer') {
      c.residual = true;
      c.normalization = true;
    } else {
      c.layers = 2;
      c.residual = false;
      c.normalization = false;
      if (model === 'rnn') c.activation = config.task === 'cliff' || config.init === 'sigmoid' ? 'sigmoid' : 'tanh';
    }
  }
  const length = config.task === 'cliff' ? 50 : config.length;
  if (typeof length === 'number' && Number.isInteger(length) && length >= 1) c.sequenceLength = length;
  if (typeof config.optimizer === 'string' && (config.optimizer as string) !== 'unknown') c.optimizer = config.optimizer;
  if (typeof config.lr === 'number' && Number.isFinite(config.lr) && config.lr > 0) c.learningRate = config.lr;
  if (typeof config.clip === 'string' && config.clip !== 'unknown') {
    try {
      const spec = parseClipSpec(config.clip);
      c.clip = spec.kind;
      if ((spec.kind === 'norm' || spec.kind === 'value') && spec.value !== undefined) c.clipThreshold = spec.value;
    } catch {
      // an unparsable clip spec (an older run): leave the clipping unknown
    }
  }
  return c;
}


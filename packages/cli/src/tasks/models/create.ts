/**
 * `createModel`: one entry point from a {@link ModelSpec} (what the CLI parses)
 * to a model.
 *
 * @module
 */

import { createRng } from '../../core/random.js';
import { parseNormalStd } from './init.js';
import { createGru } from './gru.js';
import { createLstm } from './lstm.js';
import { createRnn, type RnnActivation } from './rnn.js';
import { asTokenModel } from './tokens.js';
import { createTransformer } from './transformer.js';
import { MODEL_NAMES, type Model, type ModelName, type ModelSpec, type SequenceModel } from './types.js';
import { checkInt } from './validate.js';

function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

/**
 * Builds the model `spec.name` (`rnn`, `lstm`, `gru` or `transformer`).
 *
 * - Without `vocabSize`, `rnn`/`lstm`/`gru` give a {@link SequenceModel}
 *   (`inputSize`, `outputSize` required; `output` defaults to `'last'`).
 * - With `vocabSize`, they give a {@link TokenModel} over one-hot inputs
 *   (see `asTokenModel`), and `transformer` (which needs `vocabSize`) gives
 *   the causal transformer.
 *
 * Weights come from `spec.rng`, or from `createRng(spec.seed ?? 0)`, so the
 * same spec always gives the same weights.
 *
 * @throws on an unknown name (listing the valid ones) or a missing/invalid field (naming it).
 */
export function createModel(spec: ModelSpec): Model {
  const name = spec.name;
  if (!isModelName(name)) throw new Error(`model must be one of ${MODEL_NAMES.join(', ')}; got '${String(name)}'`);
  const rng = spec.rng ?? createRng(spec.seed ?? 0);
  const prefix = spec.prefix ?? '';
  if (name === 'transformer') {
    if (spec.vocabSize === undefined) throw new Error(`vocabSize is required for model 'transformer' (it reads token ids)`);
    const initStd = spec.init === undefined ? spec.transformer?.initStd : transformerStd(spec.init);
    return createTransformer({ ...spec.transformer, initStd, vocabSize: spec.vocabSize, prefix, rng });
  }
  const token = spec.vocabSize !== undefined;
  const vocab = token ? checkInt(spec.vocabSize, 'vocabSize') : 0;
  if (!token) {
    if (spec.inputSize === undefined) throw new Error(`inputSize is required for model '${name}' (or pass vocabSize for token inputs)`);
    if (spec.outputSize === undefined) throw new Error(`outputSize is required for model '${name}' (or pass vocabSize for token inputs)`);
  }
  if (token && spec.output === 'last') throw new Error(`output must be 'sequence' (or unset) with vocabSize: token models predict every position`);
  const common = {
    inputSize: token ? vocab : (spec.inputSize as number),
    outputSize: token ? vocab : (spec.outputSize as number),
    output: token ? ('sequence' as const) : spec.output,
    hidden: spec.hidden,
    init: spec.init,
    prefix,
    rng,
  };
  let model: SequenceModel;
  if (name === 'rnn') {
    model = createRnn({ ...common, activation: spec.activation as RnnActivation | undefined });
  } else {
    if (spec.activation !== undefined) throw new Error(`activation applies to model 'rnn' only, got it for '${name}'`);
    model = name === 'lstm' ? createLstm(common) : createGru(common);
  }
  return token ? asTokenModel(model, vocab) : model;
}

function transformerStd(init: string): number {
  if (!init.startsWith('normal:')) throw new Error(`init for transformer must be 'normal:<std>'; got '${init}'`);
  return parseNormalStd(init, 'init');
}

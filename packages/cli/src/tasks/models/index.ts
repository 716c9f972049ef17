/**
 * Models for the gradclip experiments: `rnn` (Pascanu et al. 2013), `lstm`,
 * `gru` and a small causal `transformer`, behind one `createModel` factory.
 *
 * @module
 */

export { createModel } from './create.js';
export { createRnn, type RnnActivation, type RnnOptions } from './rnn.js';
export { createLstm, type GatedOptions } from './lstm.js';
export { createGru } from './gru.js';
export { createTransformer, TRANSFORMER_DEFAULTS, type TransformerModelOptions } from './transformer.js';
export { asTokenModel, checkTokenIds, oneHotFloat } from './tokens.js';
export { parseRnnInit, sparseSpectralMatrix, glorotUniform, orthogonalBlocks, normalArray, RNN_INIT_NAMES, type RnnInit, type SparseSpectralOptions } from './init.js';
export { parseGatedInit, type GatedInit } from './gated.js';
export { eigenvalues, spectralRadius, randomOrthogonal, type Eigenvalues } from './linalg.js';
export {
  MODEL_NAMES,
  type Model,
  type ModelBase,
  type ModelName,
  type ModelSpec,
  type OutputMode,
  type SequenceModel,
  type TokenModel,
  type TransformerOptions,
} from './types.js';

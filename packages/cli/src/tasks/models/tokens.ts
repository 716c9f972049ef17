/**
 * Token-id inputs: validation, and the adapter that turns a recurrent
 * sequence model into a next-token model through one-hot inputs.
 *
 * @module
 */

import { cast, equal, expandDims, range, tidy, transpose, type Tensor, type Tensor2D, type Tensor3D } from '@tensorflow/tfjs-core';
import { hostTidy } from './sequence.js';
import type { SequenceModel, TokenModel } from './types.js';

/**
 * Float32 one-hot encoding along a new last axis: `out[..., k] = (ids[...] == k)`
 * for `k` in `[0, depth)`. Ids outside the range give an all-zero row. Works
 * for any `depth >= 1` (TF.js's `oneHot` needs depth >= 2).
 */
export function oneHotFloat(ids: Tensor, depth: number): Tensor {
  return tidy(() => cast(equal(expandDims(ids, -1), range(0, depth, 1, 'int32')), 'float32'));
}

/**
 * Throws unless `ids` is an int32 `[B, T]` tensor with `1 <= T <= maxLength`
 * and every id in `[0, vocabSize)` (this reads the ids back, which is cheap
 * next to a forward pass).
 */
export function checkTokenIds(ids: Tensor, vocabSize: number, maxLength: number, who: string): void {
  if (ids.rank !== 2) throw new Error(`${who}.forward: ids must be a [B, T] tensor, got shape [${ids.shape.join(', ')}]`);
  if (ids.dtype !== 'int32') throw new Error(`${who}.forward: ids must be int32, got ${ids.dtype}`);
  const [b, t] = ids.shape;
  if (b < 1 || t < 1) throw new Error(`${who}.forward: ids needs B >= 1 and T >= 1, got shape [${b}, ${t}]`);
  if (t > maxLength) {
    throw new Error(`${who}.forward: sequence length ${t} exceeds maxLength ${maxLength}; pass shorter sequences or build the model with a larger maxLength`);
  }
  const data = ids.dataSync();
  for (let i = 0; i < data.length; i++) {
    const id = data[i];
    if (id < 0 || id >= vocabSize) throw new Error(`${who}.forward: ids must lie in [0, ${vocabSize}) (vocabSize), found ${id}`);
  }
}

/**
 * Wraps a recurrent model built with `inputSize = outputSize = vocabSize` and
 * `output: 'sequence'` as a {@link TokenModel}: ids `[B, T]` are one-hot
 * encoded, transposed to time-major `[T, B, V]`, run through the model, and
 * the per-step outputs `[T, B, V]` transposed back to logits `[B, T, V]`.
 * The wrapper owns the model: `dispose()` disposes it.
 */
export function asTokenModel(model: SequenceModel, vocabSize: number): TokenModel {
  if (model.inputSize !== vocabSize || model.outputSize !== vocabSize) {
    throw new Error(
      `asTokenModel: the model needs inputSize = outputSize = vocabSize (${vocabSize}), got ${model.inputSize} and ${model.outputSize}`,
    );
  }
  if (model.output !== 'sequence') throw new Error(`asTokenModel: the model needs output 'sequence', got '${model.output}'`);
  return {
    kind: model.kind,
    input: 'tokens',
    vocabSize,
    maxLength: Number.POSITIVE_INFINITY,
    prefix: model.prefix,
    variables: model.variables,
    get numParams() {
      return model.numParams;
    },
    forward(ids: Tensor2D): Tensor3D {
      checkTokenIds(ids, vocabSize, Number.POSITIVE_INFINITY, model.kind);
      return tidy(() => {
        const x = transpose(oneHotFloat(ids, vocabSize), [1, 0, 2]) as Tensor3D;
        return transpose(model.forward(x), [1, 0, 2]) as Tensor3D;
      });
    },
    flow: model.flow && {
      state: model.flow.state,
      forward(ids: Tensor2D, probe): Tensor3D {
        checkTokenIds(ids, vocabSize, Number.POSITIVE_INFINITY, model.kind);
        const inner = model.flow as NonNullable<SequenceModel['flow']>;
        return tidy(() => transpose(inner.forward(transpose(oneHotFloat(ids, vocabSize), [1, 0, 2]) as Tensor3D, probe), [1, 0, 2]) as Tensor3D);
      },
      stateMatrix(ids: Tensor2D) {
        checkTokenIds(ids, vocabSize, Number.POSITIVE_INFINITY, model.kind);
        const inner = model.flow as NonNullable<SequenceModel['flow']>;
        return hostTidy(() => inner.stateMatrix(transpose(oneHotFloat(ids, vocabSize), [1, 0, 2]) as Tensor3D));
      },
    },
    dispose: () => model.dispose(),
  };
}

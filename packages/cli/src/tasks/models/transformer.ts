/**
 * A small causal decoder-only transformer for character-level language
 * modelling (Vaswani et al. 2017, arXiv 1706.03762, with the pre-LN block
 * layout of GPT-2, Radford et al. 2019, analysed by Xiong et al. 2020, arXiv
 * 2002.04745).
 *
 * @module
 */

import {
  add,
  matMul,
  mean,
  mul,
  pow,
  reshape,
  rsqrt,
  slice,
  softmax,
  square,
  sub,
  tanh,
  tensor2d,
  tidy,
  transpose,
  unstack,
  type Tensor,
  type Tensor2D,
  type Tensor3D,
  type Variable,
} from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/random.js';
import { normalArray } from './init.js';
import { checkTokenIds, oneHotFloat } from './tokens.js';
import type { TokenModel, TransformerOptions } from './types.js';
import { checkInt } from './validate.js';
import { VariableSet } from './variables.js';

/** Defaults of {@link TransformerOptions}. */
export const TRANSFORMER_DEFAULTS: Readonly<TransformerOptions> = {
  dModel: 64,
  layers: 2,
  heads: 4,
  maxLength: 64,
  mlpRatio: 4,
  initStd: 0.02,
};

/** Options of {@link createTransformer}. */
export interface TransformerModelOptions extends Partial<TransformerOptions> {
  /** Vocabulary size `V`. */
  vocabSize: number;
  /** Variable name prefix. @default '' */
  prefix?: string;
  /** Seeded stream the weights are drawn from. */
  rng: Rng;
}

/** Additive causal mask `[T, T]`: 0 where key <= query, -1e9 above the diagonal. */
function causalMask(t: number): Tensor2D {
  const m = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) m[i * t + j] = -1e9;
  return tensor2d(m, [t, t]);
}

/** LayerNorm over the last axis (Ba, Kiros & Hinton 2016, arXiv 1607.06450), eps 1e-5. */
function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor): Tensor {
  const mu = mean(x, -1, true);
  const centered = sub(x, mu);
  const variance = mean(square(centered), -1, true);
  return add(mul(mul(centered, rsqrt(add(variance, 1e-5))), gamma), beta);
}

/**
 * GELU, tanh approximation (Hendrycks & Gimpel 2016, arXiv 1606.08415; the
 * form GPT-2 uses): `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
 */
function gelu(x: Tensor): Tensor {
  const inner = mul(add(x, mul(pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

/** `x W + b` on the last axis of a `[B, T, K]` tensor. */
function dense(x: Tensor, w: Tensor, b: Tensor): Tensor {
  const [bsz, t, k] = x.shape;
  const n = w.shape[1] as number;
  return reshape(add(matMul(reshape(x, [bsz * t, k]), w as Tensor2D), b), [bsz, t, n]);
}

interface Block {
  ln1g: Variable;
  ln1b: Variable;
  wqkv: Variable;
  bqkv: Variable;
  wo: Variable;
  bo: Variable;
  ln2g: Variable;
  ln2b: Variable;
  win: Variable;
  bin: Variable;
  wout: Variable;
  bout: Variable;
}

/**
 * Builds the transformer: ids `[B, T]` → logits `[B, T, V]`.
 *
 * `x_0 = E_tok[ids] + E_pos[0..T-1]` (the lookup is computed as
 * `onehot(ids) E_tok`, so it trains on every backend); each of `layers` pre-LN blocks does
 * `x += Attn(LN_1(x))` then `x += W_2 GELU(W_1 LN_2(x) + b_1) + b_2`, where
 * `Attn` is causal multi-head self-attention
 * `softmax(Q K^T / sqrt(d_head) + M) V` with `M` = -1e9 above the diagonal
 * (position `t` attends to `0..t`), heads concatenated and projected by `W_o`;
 * finally `logits = LN_f(x) W_head + b_head`.
 *
 * Init (GPT-2): every matrix and both embeddings N(0, initStd); the two
 * residual projections (`W_o`, `W_2`) N(0, initStd / sqrt(2 * layers));
 * biases 0; LayerNorm gain 1, shift 0. Drawn in variable order.
 *
 * Variables, in forward order: `embed/tok [V, d]`, `embed/pos [maxLength, d]`,
 * then per block `i`: `block{i}/ln1/gamma`, `block{i}/ln1/beta`,
 * `block{i}/attn/W_qkv [d, 3d]`, `block{i}/attn/b_qkv`, `block{i}/attn/W_o [d, d]`,
 * `block{i}/attn/b_o`, `block{i}/ln2/gamma`, `block{i}/ln2/beta`,
 * `block{i}/mlp/W_1 [d, r d]`, `block{i}/mlp/b_1`, `block{i}/mlp/W_2 [r d, d]`,
 * `block{i}/mlp/b_2`; then `ln_f/gamma`, `ln_f/beta`, `head/W [d, V]`, `head/b [V]`.
 */
export function createTransformer(options: TransformerModelOptions): TokenModel {
  const vocab = checkInt(options.vocabSize, 'vocabSize');
  const d = checkInt(options.dModel ?? TRANSFORMER_DEFAULTS.dModel, 'dModel');
  const layers = checkInt(options.layers ?? TRANSFORMER_DEFAULTS.layers, 'layers');
  const heads = checkInt(options.heads ?? TRANSFORMER_DEFAULTS.heads, 'heads');
  const maxLength = checkInt(options.maxLength ?? TRANSFORMER_DEFAULTS.maxLength, 'maxLength');
  const ratio = checkInt(options.mlpRatio ?? TRANSFORMER_DEFAULTS.mlpRatio, 'mlpRatio');
  const std = options.initStd ?? TRANSFORMER_DEFAULTS.initStd;
  if (!Number.isFinite(std) || std < 0) throw new Error(`initStd must be a finite number >= 0, got ${std}`);
  if (d % heads !== 0) throw new Error(`heads must divide dModel, got dModel ${d} and heads ${heads}`);
  const dh = d / heads;
  const hiddenMlp = ratio * d;
  const residStd = std / Math.sqrt(2 * layers);
  const rng = options.rng;

  const set = new VariableSet(options.prefix ?? '');
  const ones = (n: number): Float64Array => new Float64Array(n).fill(1);
  const zerosArr = (n: number): Float64Array => new Float64Array(n);
  const tok = set.add('embed/tok', normalArray(vocab * d, std, rng), [vocab, d]);
  const pos = set.add('embed/pos', normalArray(maxLength * d, std, rng), [maxLength, d]);
  const blocks: Block[] = [];
  for (let i = 0; i < layers; i++) {
    const p = `block${i}/`;
    blocks.push({
      ln1g: set.add(`${p}ln1/gamma`, ones(d), [d]),
      ln1b: set.add(`${p}ln1/beta`, zerosArr(d), [d]),
      wqkv: set.add(`${p}attn/W_qkv`, normalArray(d * 3 * d, std, rng), [d, 3 * d]),
      bqkv: set.add(`${p}attn/b_qkv`, zerosArr(3 * d), [3 * d]),
      wo: set.add(`${p}attn/W_o`, normalArray(d * d, residStd, rng), [d, d]),
      bo: set.add(`${p}attn/b_o`, zerosArr(d), [d]),
      ln2g: set.add(`${p}ln2/gamma`, ones(d), [d]),
      ln2b: set.add(`${p}ln2/beta`, zerosArr(d), [d]),
      win: set.add(`${p}mlp/W_1`, normalArray(d * hiddenMlp, std, rng), [d, hiddenMlp]),
      bin: set.add(`${p}mlp/b_1`, zerosArr(hiddenMlp), [hiddenMlp]),
      wout: set.add(`${p}mlp/W_2`, normalArray(hiddenMlp * d, residStd, rng), [hiddenMlp, d]),
      bout: set.add(`${p}mlp/b_2`, zerosArr(d), [d]),
    });
  }
  const lnfg = set.add('ln_f/gamma', ones(d), [d]);
  const lnfb = set.add('ln_f/beta', zerosArr(d), [d]);
  const wHead = set.add('head/W', normalArray(d * vocab, std, rng), [d, vocab]);
  const bHead = set.add('head/b', zerosArr(vocab), [vocab]);

  function attention(x: Tensor, blk: Block, mask: Tensor2D): Tensor {
    const [bsz, t] = x.shape;
    const qkv = reshape(dense(x, blk.wqkv, blk.bqkv), [bsz, t, 3, heads, dh]);
    const [q, k, v] = unstack(transpose(qkv, [2, 0, 3, 1, 4])); // each [B, H, T, dh]
    const scores = add(mul(matMul(q, k, false, true), 1 / Math.sqrt(dh)), mask);
    const ctx = matMul(softmax(scores), v); // [B, H, T, dh]
    const merged = reshape(transpose(ctx, [0, 2, 1, 3]), [bsz, t, d]);
    return dense(merged, blk.wo, blk.bo);
  }

  return {
    kind: 'transformer',
    input: 'tokens',
    vocabSize: vocab,
    maxLength,
    prefix: set.prefix,
    variables: set.list,
    get numParams() {
      return set.numParams;
    },
    forward(ids: Tensor2D): Tensor3D {
      checkTokenIds(ids, vocab, maxLength, 'transformer');
      return tidy(() => {
        const [bsz, t] = ids.shape;
        // Embedding lookup as one-hot x table: the same values as a gather, but its
        // gradient is a matMul (tfjs-backend-wasm has no UnsortedSegmentSum, the
        // kernel behind gather's gradient).
        const onehot = oneHotFloat(reshape(ids, [bsz * t]), vocab) as Tensor2D;
        const emb = reshape(matMul(onehot, tok), [bsz, t, d]);
        let x: Tensor = add(emb, slice(pos, [0, 0], [t, d]));
        const mask = causalMask(t);
        for (const blk of blocks) {
          x = add(x, attention(layerNorm(x, blk.ln1g, blk.ln1b), blk, mask));
          const hMlp = gelu(dense(layerNorm(x, blk.ln2g, blk.ln2b), blk.win, blk.bin));
          x = add(x, dense(hMlp, blk.wout, blk.bout));
        }
        return dense(layerNorm(x, lnfg, lnfb), wHead, bHead) as Tensor3D;
      });
    },
    dispose: () => set.dispose(),
  };
}

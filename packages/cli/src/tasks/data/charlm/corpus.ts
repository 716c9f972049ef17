/**
 * The `charlm` task data: a generated text (see {@link generateText}), its
 * character vocabulary, a train/validation split, and a batch sampler for
 * next-character prediction.
 *
 * Batch layout: **batch-major** `[batch, seqLen]` `Int32Array`s (the layout a
 * transformer or `tf.layers` RNN with `[B, T, D]` inputs expects), unlike the
 * time-major Pascanu tasks. `targets[b, t] = inputs[b, t + 1]` within the
 * window, i.e. each target is the character after the input at the same
 * position.
 */
import type { Rng } from '../../../core/random.js';
import { bigramEntropy, unigramEntropy } from './entropy.js';
import { generateText, type TextGeneratorOptions } from './text-generator.js';
import { CharVocab } from './vocab.js';

/** Options of {@link createCharCorpus}. */
export interface CharCorpusOptions extends TextGeneratorOptions {
  /**
   * Fraction of the text (its end) held out for validation, in [0, 1).
   * @default 0.1
   */
  validFraction?: number;
  /** Use this text instead of generating one (the other generator options are then ignored). */
  text?: string;
  /**
   * What `text` is, for the description (e.g. `"notes.txt"`); ignored
   * without `text`.
   * @default 'the given text'
   */
  source?: string;
}

/** Fraction of the text held out for validation when {@link CharCorpusOptions.validFraction} is not given. */
export const DEFAULT_VALID_FRACTION = 0.1;

/**
 * The fewest characters a text needs for windows of `seqLen` characters:
 * both the training part and the held-out tail (the last `validFraction`)
 * must hold `seqLen + 1` characters (a window and its next character).
 */
export function minTextCharacters(seqLen: number, validFraction = DEFAULT_VALID_FRACTION): number {
  const need = seqLen + 1;
  if (!(validFraction > 0)) return need;
  let n = Math.max(need, Math.ceil(need / validFraction) - 2);
  while (Math.floor(n * validFraction) < need || n - Math.floor(n * validFraction) < need) n++;
  return n;
}

/** Which part of the corpus to sample from. */
export type CharSplit = 'train' | 'valid';

/** A next-character batch, batch-major `[batch, seqLen]`. */
export interface CharBatch {
  /** Input ids, `[batch, seqLen]`. */
  inputs: Int32Array;
  /** Next-character ids, `[batch, seqLen]`: `targets[b*seqLen + t]` is the character after `inputs[b*seqLen + t]`. */
  targets: Int32Array;
  /** Number of windows. */
  batch: number;
  /** Characters per window. */
  seqLen: number;
}

/** A character corpus with vocabulary, split and sampler. */
export interface CharCorpus {
  /** The whole text. */
  text: string;
  /** Its vocabulary. */
  vocab: CharVocab;
  /** Ids of the whole text. */
  ids: Int32Array;
  /** Ids of the training part (the first `1 - validFraction` of the text). */
  train: Int32Array;
  /** Ids of the validation part (the rest). */
  valid: Int32Array;
  /**
   * Draws `batch` windows of `seqLen + 1` consecutive characters at uniform
   * random start positions of the chosen split (each start uniform in
   * `[0, n - seqLen - 1]`, windows may overlap), returning inputs = the first
   * `seqLen` characters and targets = the last `seqLen`.
   */
  sampleBatch(rng: Rng, batch: number, seqLen: number, split?: CharSplit): CharBatch;
  /** Unigram entropy of the training split in nats per character (context-free baseline loss). */
  unigramEntropy: number;
  /** Bigram conditional entropy of the training split in nats per character (one-character-context baseline). */
  bigramEntropy: number;
  /** Human description. */
  description: string;
}

/**
 * Builds the `charlm` corpus: takes `opts.text` or generates the text
 * (default 300,000 characters from seed 1), builds the vocabulary from the
 * whole text, splits off the last `validFraction` for validation, and
 * computes the entropy baselines. Characters are Unicode code points.
 */
export function createCharCorpus(opts: CharCorpusOptions = {}): CharCorpus {
  const validFraction = opts.validFraction ?? DEFAULT_VALID_FRACTION;
  if (!(validFraction >= 0 && validFraction < 1)) {
    throw new Error(`validFraction must be in [0, 1), got ${validFraction}`);
  }
  const text = opts.text ?? generateText(opts);
  const vocab = CharVocab.fromText(text);
  const ids = vocab.encode(text);
  if (ids.length < 2) throw new Error(`text must hold at least 2 characters, got ${ids.length}`);
  const cut = ids.length - Math.floor(ids.length * validFraction);
  const train = ids.subarray(0, cut);
  const valid = ids.subarray(cut);
  const uni = unigramEntropy(train, vocab.size);
  const bi = train.length >= 2 ? bigramEntropy(train, vocab.size) : Number.NaN;

  function sampleBatch(rng: Rng, batch: number, seqLen: number, split: CharSplit = 'train'): CharBatch {
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`charlm: batch must be an integer >= 1, got ${batch}`);
    if (!Number.isInteger(seqLen) || seqLen < 1) throw new Error(`charlm: seqLen must be an integer >= 1, got ${seqLen}`);
    if (split !== 'train' && split !== 'valid') throw new Error(`charlm: split must be 'train' or 'valid', got ${String(split)}`);
    const src = split === 'train' ? train : valid;
    if (src.length < seqLen + 1) {
      throw new Error(
        `charlm: seqLen must be at most ${src.length - 1} for the ${split} split (${src.length} characters), got ${seqLen}`,
      );
    }
    const inputs = new Int32Array(batch * seqLen);
    const targets = new Int32Array(batch * seqLen);
    for (let b = 0; b < batch; b++) {
      const start = rng.int(src.length - seqLen);
      inputs.set(src.subarray(start, start + seqLen), b * seqLen);
      targets.set(src.subarray(start + 1, start + 1 + seqLen), b * seqLen);
    }
    return { inputs, targets, batch, seqLen };
  }

  return {
    text,
    vocab,
    ids,
    train,
    valid,
    sampleBatch,
    unigramEntropy: uni,
    bigramEntropy: bi,
    description:
      `Character language model on ${ids.length} characters of ${opts.text === undefined ? 'generated structured text' : (opts.source ?? 'the given text')} ` +
      `(${vocab.size} distinct characters; ${train.length} train / ${valid.length} validation). ` +
      `Predict each next character (softmax cross-entropy). Baselines on the train split: unigram entropy ` +
      `${uni.toFixed(3)} nats/char, bigram conditional entropy ${bi.toFixed(3)} nats/char.`,
  };
}

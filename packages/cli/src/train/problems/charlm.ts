/**
 * Character-level language modelling (`charlm`) on the synthetic corpus or
 * on a text of the user's (`--text`):
 * next-character prediction with a token model (the small causal
 * transformer by default, or a recurrent model over one-hot inputs),
 * trained with softmax cross-entropy on every position. Its baseline is the
 * corpus's unigram entropy; it has no error-rate criterion.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Variable } from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/random.js';
import { createCharCorpus, type CharCorpus } from '../../tasks/data/charlm/index.js';
import { softmaxCrossEntropy } from '../../tasks/losses.js';
import { createModel } from '../../tasks/models/create.js';
import type { TokenModel } from '../../tasks/models/types.js';
import type { RunConfig } from '../config.js';
import { meanOverChunks, readLoss, readoutName } from './common.js';
import { measureFlow } from './flow.js';
import type { BatchLoss, CliffPosition, DataSplit, Problem, ProblemEval } from './types.js';

/** The fields of a run a charlm problem reads. */
export type CharLmProblemConfig = Pick<RunConfig, 'model' | 'length' | 'hidden' | 'init'>;

/** A text to train on instead of the generated one (the content of a `--text` file). */
export interface CorpusText {
  /** The text. */
  text: string;
  /** What it is, for the description (the file's path). */
  source: string;
}

/** Next-character prediction on the synthetic corpus (see the module comment). */
export class CharLmProblem implements Problem {
  /** The text, its vocabulary and its train/valid split. */
  readonly corpus: CharCorpus;
  /** The token model being trained. */
  readonly model: TokenModel;
  /** The model's read-out kernel (left out of AGC). */
  readonly outputLayerName: string;
  private readonly length: number;

  /**
   * Builds the corpus (from `text`, else the generated text), then
   * `config.model` over its vocabulary (the transformer's positional table
   * sized to `config.length`), drawing the initial weights from `rng`;
   * every variable name starts with `prefix`.
   */
  constructor(config: CharLmProblemConfig, rng: Rng, prefix: string, text?: CorpusText) {
    this.corpus = text === undefined ? createCharCorpus() : createCharCorpus({ text: text.text, source: text.source });
    this.model = createModel({
      name: config.model,
      prefix,
      rng,
      vocabSize: this.corpus.vocab.size,
      hidden: config.hidden,
      init: config.init,
      transformer: { maxLength: config.length },
    }) as TokenModel;
    this.length = config.length;
    this.outputLayerName = readoutName(this.model.variables);
  }

  /** The model's variables, in forward order. */
  get variables(): readonly Variable[] {
    return this.model.variables;
  }

  /** True for a recurrent token model (rnn, lstm, gru over one-hot inputs); false for the transformer. */
  get supportsFlow(): boolean {
    return this.model.flow !== undefined;
  }

  /** The corpus's description (with its entropies). */
  get description(): string {
    return this.corpus.description;
  }

  /** Unigram entropy of the training text in nats/char. */
  get entropyBaseline(): number {
    return this.corpus.unigramEntropy;
  }

  /** Draws `batchSize` windows of `length` characters from the `split` part of the corpus. */
  batchLoss(rng: Rng, batchSize: number, split: DataSplit = 'train'): BatchLoss {
    const cb = this.corpus.sampleBatch(rng, batchSize, this.length, split);
    const ids = tf.tensor2d(cb.inputs, [cb.batch, cb.seqLen], 'int32');
    const targets = tf.tensor2d(cb.targets, [cb.batch, cb.seqLen], 'int32');
    const loss = (): Scalar => tf.tidy(() => softmaxCrossEntropy(this.model.forward(ids), targets));
    const hooks = this.model.flow;
    const flow = hooks ? () => measureFlow(hooks, ids, (logits) => softmaxCrossEntropy(logits, targets)) : undefined;
    return { loss, free: [ids, targets], flow };
  }

  /** Mean cross-entropy (nats/char) on `evalSize` windows of the held-out text. */
  evaluate(rng: Rng, evalSize: number): ProblemEval {
    return meanOverChunks(evalSize, false, (size) => {
      const { loss, free } = this.batchLoss(rng, size, 'valid');
      const value = readLoss(loss());
      tf.dispose(free);
      return { loss: value };
    });
  }

  /** Null: not the cliff. */
  cliffPosition(): CliffPosition | null {
    return null;
  }

  /** Frees the model's variables. Idempotent. */
  dispose(): void {
    this.model.dispose();
  }
}

/**
 * The pathological sequence tasks of Pascanu, Mikolov & Bengio 2013 (arXiv
 * 1211.5063, section 4.1: addition, multiplication, temporal order, 3-bit
 * temporal order, random permutation, memorization) learned by a recurrent
 * {@link SequenceModel}, with the paper's error-rate criterion as the
 * evaluation metric.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor3D, Variable } from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/random.js';
import { getTask } from '../../tasks/data/registry.js';
import type { SequenceBatch, SequenceTask } from '../../tasks/data/types.js';
import { computeLoss } from '../../tasks/losses.js';
import { createModel } from '../../tasks/models/create.js';
import type { SequenceModel } from '../../tasks/models/types.js';
import type { RunConfig } from '../config.js';
import { meanOverChunks, readLoss, readoutName } from './common.js';
import { measureFlow } from './flow.js';
import type { BatchLoss, CliffPosition, Problem, ProblemEval } from './types.js';

/** The fields of a run a sequence problem reads. */
export type SequenceProblemConfig = Pick<RunConfig, 'task' | 'model' | 'length' | 'hidden' | 'init'>;

/** One sampled batch on the device: the loss closure, the inputs, and the batch itself (for the error rate). */
interface SequenceBatchLoss extends BatchLoss {
  /** Inputs `[time, batch, inputDim]`. */
  x: Tensor3D;
  /** The host-side batch (targets, for {@link SequenceTask.errorRate}). */
  batch: SequenceBatch;
}

/** A Pascanu et al. sequence task with its model (see the module comment). */
export class SequenceProblem implements Problem {
  /** The task's data generator and success criterion. */
  readonly task: SequenceTask;
  /** The recurrent model being trained. */
  readonly model: SequenceModel;
  /** The model's read-out kernel (left out of AGC). */
  readonly outputLayerName: string;
  /** No text, no entropy baseline. */
  readonly entropyBaseline = null;
  private readonly length: number;

  /**
   * Looks up `config.task` and builds `config.model` for it, drawing the
   * initial weights from `rng`; every variable name starts with `prefix`.
   */
  constructor(config: SequenceProblemConfig, rng: Rng, prefix: string) {
    this.task = getTask(config.task);
    this.model = createModel({
      name: config.model,
      prefix,
      rng,
      inputSize: this.task.inputDim,
      outputSize: this.task.outputDim,
      output: this.task.targetKind,
      hidden: config.hidden,
      init: config.init,
    }) as SequenceModel;
    this.length = config.length;
    this.outputLayerName = readoutName(this.model.variables);
  }

  /** The model's variables, in forward order. */
  get variables(): readonly Variable[] {
    return this.model.variables;
  }

  /** True: every sequence model is recurrent. */
  get supportsFlow(): boolean {
    return this.model.flow !== undefined;
  }

  /** The task's own description. */
  get description(): string {
    return this.task.description;
  }

  /** Draws `batchSize` sequences of the nominal length from `rng` (the task has one stream, so no split). */
  batchLoss(rng: Rng, batchSize: number): BatchLoss {
    return this.sample(rng, batchSize);
  }

  /** Mean loss and Pascanu et al.'s error rate on `evalSize` fresh sequences. */
  evaluate(rng: Rng, evalSize: number): ProblemEval {
    return meanOverChunks(evalSize, true, (size) => {
      const { loss, free, x, batch } = this.sample(rng, size);
      const value = readLoss(loss());
      const pred = tf.tidy(() => this.model.forward(x));
      const errorRate = this.task.errorRate(pred.dataSync() as Float32Array, batch);
      pred.dispose();
      tf.dispose(free);
      return { loss: value, errorRate };
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

  /** Draws a batch, uploads it, and closes the loss over it. */
  private sample(rng: Rng, batchSize: number): SequenceBatchLoss {
    const batch = this.task.sample(rng, batchSize, this.length);
    const x = tf.tensor3d(batch.inputs, [batch.time, batch.batch, batch.inputDim]);
    const yShape = batch.targetKind === 'last' ? [batch.batch, batch.outputDim] : [batch.time, batch.batch, batch.outputDim];
    const y = tf.tensor(batch.targets, yShape);
    const mask = batch.mask ? tf.tensor2d(batch.mask, [batch.time, batch.batch]) : undefined;
    const loss = (): Scalar => tf.tidy(() => computeLoss(batch.loss, this.model.forward(x), y, mask));
    const free: Tensor[] = mask ? [x, y, mask] : [x, y];
    const hooks = this.model.flow;
    const flow = hooks ? () => measureFlow(hooks, x, (out) => computeLoss(batch.loss, out, y, mask)) : undefined;
    return { loss, free, x, batch, flow };
  }
}

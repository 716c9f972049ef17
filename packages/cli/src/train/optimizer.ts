/**
 * The optimizer of a run, from its `--optimizer` name (one of
 * `OPTIMIZER_NAMES` in `config.ts`).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '@tensorflow/tfjs-core';
import { adamw } from 'gradclip';
import type { RunConfig } from './config.js';

/** The fields of a run the optimizer reads. */
export type OptimizerConfig = Pick<RunConfig, 'optimizer' | 'lr' | 'momentum' | 'weightDecay'>;

/**
 * Builds the plain optimizer of a run (before clipping transforms are
 * wrapped around it): TF.js `sgd`, `momentum` or `adam` at `config.lr`, or
 * the library's decoupled-weight-decay `adamw`, or `stableadamw`: that
 * `adamw` with `updateClipping: true` (StableAdamW, Wortsman et al. 2023).
 */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  switch (config.optimizer) {
    case 'sgd':
      return tf.train.sgd(config.lr);
    case 'momentum':
      return tf.train.momentum(config.lr, config.momentum);
    case 'adam':
      return tf.train.adam(config.lr);
    case 'adamw':
      return adamw({ learningRate: config.lr, weightDecay: config.weightDecay });
    case 'stableadamw':
      return adamw({ learningRate: config.lr, weightDecay: config.weightDecay, updateClipping: true });
  }
}

/**
 * Sets the learning rate of a run's optimizer the way that optimizer reads
 * it: TF.js's `sgd` and `momentum` apply a scalar that only
 * `setLearningRate` replaces (assigning their `learningRate` field changes
 * nothing), `adam` and `adamw` read the field on every step.
 */
export function setLearningRate(optimizer: Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

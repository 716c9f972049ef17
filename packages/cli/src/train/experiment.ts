/**
 * One training run, step by step: data, model, optimizer, clipping and the
 * per-step statistics. Shared by the CLI (`gradclip train`) and the
 * dashboard (which calls {@link Experiment.step} from an animation loop), so
 * it does no I/O of its own.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import { getTotalNorm, calibrate, type CalibrationResult, type RecommendThresholdOptions, type StepStats, adamw, withTransforms, type TransformingOptimizer } from 'gradclip';
import { createRng, type Rng } from '../core/random.js';
import { createCharCorpus, type CharCorpus } from '../tasks/data/charlm/index.js';
import { CLIFF_DEFAULTS } from '../tasks/data/cliff.js';
import { getTask } from '../tasks/data/registry.js';
import type { SequenceBatch, SequenceTask } from '../tasks/data/types.js';
import { computeLoss, softmaxCrossEntropy } from '../tasks/losses.js';
import { createModel } from '../tasks/models/create.js';
import type { Model, SequenceModel, TokenModel } from '../tasks/models/types.js';
import { warmupSchedule, type Schedule } from '../tasks/schedules.js';
import { clipTransform, parseClipSpec } from './clip-spec.js';
import { resolveRunConfig, type RunConfig } from './config.js';

/** Result of an evaluation on fresh data. */
export interface EvalResult {
  /** Step after which it was measured. */
  step: number;
  /** Mean loss on the evaluation data. */
  loss: number;
  /** Pascanu et al.'s error rate on fresh sequences (tasks with a criterion). */
  errorRate?: number;
}

/** What the model is trained on; one of three shapes. */
type Problem =
  | { kind: 'sequence'; task: SequenceTask; model: SequenceModel }
  | { kind: 'charlm'; corpus: CharCorpus; model: TokenModel }
  | { kind: 'cliff'; w: Variable; b: Variable };

let instanceCounter = 0;

/** A live run. Call {@link step} until {@link done}, then {@link dispose}. */
export class Experiment {
  /** The resolved configuration. */
  readonly config: RunConfig;
  /** Every step's statistics so far. */
  readonly stats: StepStats[] = [];
  /** Evaluations so far (the last is the final one once {@link finish} ran). */
  readonly evals: EvalResult[] = [];
  /** Step at which a non-finite loss or weight first appeared, or null. */
  divergedAtStep: number | null = null;
  /** The optimizer (a TransformingOptimizer around the chosen optimizer). */
  readonly optimizer: TransformingOptimizer;
  private readonly problem: Problem;
  private readonly dataRng: Rng;
  private readonly evalSeed: number;
  private readonly schedule: Schedule | null;
  private readonly inner: Optimizer;
  private readonly prefix: string;
  private readonly startTime = Date.now();
  private disposed = false;

  constructor(partial: Partial<RunConfig>) {
    this.config = resolveRunConfig(partial);
    const c = this.config;
    this.prefix = `gc${++instanceCounter}/`;
    const root = createRng(c.seed);
    const [initRng, dataRng] = root.fork(2);
    this.dataRng = dataRng;
    this.evalSeed = c.seed * 7919 + 104729;
    this.problem = this.buildProblem(initRng);
    this.inner = this.buildOptimizer();
    this.schedule = c.warmup > 0 ? warmupSchedule({ peakLr: c.lr, warmupSteps: c.warmup }) : null;
    const agcExclude = this.problem.kind === 'cliff' ? [] : [this.outputLayerName()];
    const transform = clipTransform(parseClipSpec(c.clip), { skipNonFinite: c.skipNonFinite, agcExclude });
    this.optimizer = withTransforms(this.inner, transform, { layerNorms: true });
  }

  private buildProblem(rng: Rng): Problem {
    const c = this.config;
    if (c.task === 'cliff') {
      const w = tf.variable(tf.scalar(c.cliffW), true, `${this.prefix}cliff/w`);
      const b = tf.variable(tf.scalar(c.cliffB), true, `${this.prefix}cliff/b`);
      return { kind: 'cliff', w, b };
    }
    if (c.task === 'charlm') {
      const corpus = createCharCorpus();
      const model = createModel({
        name: c.model,
        prefix: this.prefix,
        rng,
        vocabSize: corpus.vocab.size,
        hidden: c.hidden,
        init: c.init,
        transformer: { maxLength: c.length },
      }) as TokenModel;
      return { kind: 'charlm', corpus, model };
    }
    const task = getTask(c.task);
    const model = createModel({
      name: c.model,
      prefix: this.prefix,
      rng,
      inputSize: task.inputDim,
      outputSize: task.outputDim,
      output: task.targetKind,
      hidden: c.hidden,
      init: c.init,
    }) as SequenceModel;
    return { kind: 'sequence', task, model };
  }

  private buildOptimizer(): Optimizer {
    const c = this.config;
    switch (c.optimizer) {
      case 'sgd':
        return tf.train.sgd(c.lr);
      case 'momentum':
        return tf.train.momentum(c.lr, c.momentum);
      case 'adam':
        return tf.train.adam(c.lr);
      case 'adamw':
        return adamw({ learningRate: c.lr, weightDecay: c.weightDecay });
    }
  }

  /** Name of the final read-out weight (excluded from AGC, as Brock et al. do for the classifier). */
  private outputLayerName(): string {
    const vars = this.variables;
    const kernels = vars.filter((v) => v.shape.length >= 2);
    return (kernels[kernels.length - 1] ?? vars[vars.length - 1]).name;
  }

  /** The trainable variables, in forward order. */
  get variables(): readonly Variable[] {
    const p = this.problem;
    return p.kind === 'cliff' ? [p.w, p.b] : p.model.variables;
  }

  /** Steps taken so far. */
  get stepsDone(): number {
    return this.stats.length;
  }

  /** True once all steps ran, or the run diverged with `stopOnDivergence`. */
  get done(): boolean {
    return this.stepsDone >= this.config.steps || (this.divergedAtStep !== null && this.config.stopOnDivergence);
  }

  /** Human description of the task. */
  get description(): string {
    const p = this.problem;
    if (p.kind === 'cliff') return 'cliff: one-unit RNN x_t = w*sigmoid(x_{t-1}) + b, 50 steps, E = (sigmoid(x_50) - 0.7)^2';
    if (p.kind === 'charlm') return p.corpus.description;
    return p.task.description;
  }

  /** Loss of one batch as a closure for `minimize`, plus the tensors to free afterwards. */
  private batchLoss(rng: Rng, batchSize: number, split: 'train' | 'valid' = 'train'): { f: () => Scalar; free: Tensor[]; batch?: SequenceBatch } {
    const p = this.problem;
    const c = this.config;
    if (p.kind === 'cliff') {
      const { w, b } = p;
      const f = (): Scalar =>
        tf.tidy(() => {
          let x: Tensor = tf.scalar(CLIFF_DEFAULTS.x0);
          for (let t = 0; t < CLIFF_DEFAULTS.steps; t++) x = tf.add(tf.mul(w, tf.sigmoid(x)), b);
          return tf.square(tf.sub(tf.sigmoid(x), CLIFF_DEFAULTS.target)) as Scalar;
        });
      return { f, free: [] };
    }
    if (p.kind === 'charlm') {
      const cb = p.corpus.sampleBatch(rng, batchSize, c.length, split);
      const ids = tf.tensor2d(cb.inputs, [cb.batch, cb.seqLen], 'int32');
      const targets = tf.tensor2d(cb.targets, [cb.batch, cb.seqLen], 'int32');
      const f = (): Scalar => tf.tidy(() => softmaxCrossEntropy(p.model.forward(ids), targets));
      return { f, free: [ids, targets] };
    }
    const batch = p.task.sample(rng, batchSize, c.length);
    const x = tf.tensor3d(batch.inputs, [batch.time, batch.batch, batch.inputDim]);
    const yShape = batch.targetKind === 'last' ? [batch.batch, batch.outputDim] : [batch.time, batch.batch, batch.outputDim];
    const y = tf.tensor(batch.targets, yShape);
    const mask = batch.mask ? tf.tensor2d(batch.mask, [batch.time, batch.batch]) : undefined;
    const f = (): Scalar => tf.tidy(() => computeLoss(batch.loss, p.model.forward(x), y, mask));
    return { f, free: mask ? [x, y, mask] : [x, y], batch };
  }

  /**
   * Runs one optimizer step and returns its statistics (one host read of a
   * few scalars). Marks the run diverged at the first non-finite loss or weight.
   */
  step(): StepStats {
    if (this.disposed) throw new Error('Experiment.step: the experiment has been disposed');
    if (this.done) throw new Error(`Experiment.step: the run is finished (${this.stepsDone} steps${this.divergedAtStep !== null ? ', diverged' : ''})`);
    const n = this.stepsDone + 1;
    if (this.schedule) (this.inner as unknown as { learningRate: number }).learningRate = this.schedule(n);
    const { f, free } = this.batchLoss(this.dataRng, this.config.batch);
    try {
      this.optimizer.minimize(f, false, this.variables as Variable[]);
    } finally {
      tf.dispose(free);
    }
    const [s] = this.optimizer.drainStatsSync();
    const stats: StepStats = { ...s, step: n, time: Date.now() };
    this.stats.push(stats);
    if (this.divergedAtStep === null) {
      const lossBad = stats.loss !== null && !Number.isFinite(stats.loss);
      if (lossBad || !this.weightsFinite()) this.divergedAtStep = n;
    }
    const every = this.config.evalEvery;
    if (every > 0 && n % every === 0 && this.divergedAtStep === null) this.evaluate();
    return stats;
  }

  /** True when every weight is finite (one fused norm pass over the weights). */
  weightsFinite(): boolean {
    const norm = getTotalNorm(this.variables as Variable[], { normType: Number.POSITIVE_INFINITY });
    const v = norm.dataSync()[0];
    norm.dispose();
    return Number.isFinite(v);
  }

  /**
   * Loss and (for Pascanu's tasks) error rate on `evalSize` fresh sequences
   * drawn from a fixed evaluation stream (the same sequences at every call).
   */
  evaluate(): EvalResult {
    const p = this.problem;
    const rng = createRng(this.evalSeed);
    const total = p.kind === 'cliff' ? 1 : this.config.evalSize;
    const chunk = Math.min(total, 500);
    let lossSum = 0;
    let errSum = 0;
    let count = 0;
    for (let done = 0; done < total; done += chunk) {
      const size = Math.min(chunk, total - done);
      const { f, free, batch } = this.batchLoss(rng, size, 'valid');
      const loss = f();
      lossSum += loss.dataSync()[0] * size;
      loss.dispose();
      if (p.kind === 'sequence' && batch) {
        const pred = tf.tidy(() => p.model.forward(free[0] as tf.Tensor3D));
        errSum += p.task.errorRate(pred.dataSync() as Float32Array, batch) * size;
        pred.dispose();
      }
      tf.dispose(free);
      count += size;
    }
    const r: EvalResult = { step: this.stepsDone, loss: lossSum / count };
    if (p.kind === 'sequence') r.errorRate = errSum / count;
    this.evals.push(r);
    return r;
  }

  /**
   * Calibrates a clipping threshold for this run's model and data: `steps`
   * unclipped steps with a clone of the optimizer on a copy of the weights
   * (restored exactly afterwards), from a separate data stream.
   */
  async calibrate(steps = 200, recommend?: RecommendThresholdOptions): Promise<CalibrationResult> {
    const rng = createRng(this.config.seed * 31 + 17);
    let held: Tensor[] = [];
    try {
      return await calibrate(
        () => {
          tf.dispose(held);
          const { f, free } = this.batchLoss(rng, this.config.batch);
          held = free;
          return f();
        },
        this.variables,
        { steps, optimizer: this.inner, recommend },
      );
    } finally {
      tf.dispose(held);
    }
  }

  /** Current values of the cliff parameters (w, b); null for other tasks. */
  cliffParams(): { w: number; b: number } | null {
    const p = this.problem;
    if (p.kind !== 'cliff') return null;
    return { w: p.w.dataSync()[0], b: p.b.dataSync()[0] };
  }

  /** Unigram entropy of the charlm corpus in nats/char (the context-free baseline), else null. */
  get entropyBaseline(): number | null {
    return this.problem.kind === 'charlm' ? this.problem.corpus.unigramEntropy : null;
  }

  /** Seconds since the run was created. */
  get wallSeconds(): number {
    return (Date.now() - this.startTime) / 1000;
  }

  /** Frees every variable and the optimizer state. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    const p = this.problem;
    if (p.kind === 'cliff') {
      p.w.dispose();
      p.b.dispose();
    } else p.model.dispose();
  }
}

/** Creates a run (see {@link Experiment}). */
export function createExperiment(config: Partial<RunConfig>): Experiment {
  return new Experiment(config);
}

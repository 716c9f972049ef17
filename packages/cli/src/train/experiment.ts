/**
 * One training run, step by step: data, model, optimizer, clipping and the
 * per-step statistics. Shared by the CLI (`gradclip train`) and the
 * dashboard (which calls {@link Experiment.step} from an animation loop), so
 * it does no I/O of its own.
 *
 * What is trained is a {@link Problem} (see `problems/`): the Experiment
 * knows nothing about any one task family.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Tensor, Variable } from '@tensorflow/tfjs-core';
import { GradclipArgumentError, GradclipRecoveryError, loadOptimizerState, saveOptimizerState, getTotalNorm, withRecovery, type RecoveringOptimizer, calibrate, type CalibrationResult, type GradientFlow, type RecommendThresholdOptions, type StepStats, withTransforms, type TransformingOptimizer } from 'gradclip';
import { createRng, type Rng, type RngState } from '../core/random.js';
import { warmupSchedule, type Schedule } from '../tasks/schedules.js';
import { clipTransform, parseClipSpec } from './clip-spec.js';
import { RECOVERY_OPTIONS, resolveRunConfig, type RunConfig } from './config.js';
import { createOptimizer, setLearningRate } from './optimizer.js';
import { createProblem, type CorpusText, type Problem } from './problems/index.js';

/** Options of {@link Experiment} beyond its configuration. */
export interface ExperimentOptions {
  /**
   * charlm: the text to train on (the content of the `--text` file named by
   * `config.text`). A configuration with `text` needs it: the Experiment does
   * no I/O of its own.
   */
  text?: CorpusText;
}

/** Result of an evaluation on fresh data. */
export interface EvalResult {
  /** Step after which it was measured. */
  step: number;
  /** Mean loss on the evaluation data. */
  loss: number;
  /** Pascanu et al.'s error rate on fresh sequences (tasks with a criterion). */
  errorRate?: number;
}

/** One tensor of a {@link TrainingState}: its bytes (float32 or int32, little-endian) in base64. */
export interface EncodedTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: string;
}

/**
 * Everything a run needs to continue bit-identically after step `step`
 * (`gradclip train --checkpoint-every`): the weights, the optimizer and
 * transform state (`saveOptimizerState`), the data stream's position and the
 * evaluations so far. The step statistics are not in it: they are the
 * records of `steps.jsonl` up to `step`.
 */
export interface TrainingState {
  format: 'gradclip-training-state';
  version: 1;
  step: number;
  divergedAtStep: number | null;
  dataRng: RngState;
  evals: EvalResult[];
  weights: EncodedTensor[];
  optimizer: { json: string; tensors: EncodedTensor[] };
}

function encodeTensor(name: string, t: Tensor): EncodedTensor {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`checkpoint: tensor ${name} has dtype ${t.dtype}; only float32 and int32 are saved`);
  const v = t.dataSync() as Float32Array | Int32Array;
  return { name, shape: [...t.shape], dtype: t.dtype, data: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
}

function decodeTensor(e: EncodedTensor): Tensor {
  const buf = Buffer.from(e.data, 'base64');
  const bytes = new Uint8Array(buf.length);
  bytes.set(buf);
  const values = e.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
  return tf.tensor(values, e.shape, e.dtype);
}

let instanceCounter = 0;

/** A live run. Call {@link step} until {@link done}, then {@link dispose}. */
export class Experiment {
  /** The resolved configuration. */
  readonly config: RunConfig;
  /** Every step's statistics so far. */
  readonly stats: StepStats[] = [];
  /** Evaluations so far (the last is the final evaluation once the run is done). */
  readonly evals: EvalResult[] = [];
  /** Step at which a non-finite loss or weight first appeared, or null. */
  divergedAtStep: number | null = null;
  /** The optimizer (a TransformingOptimizer around the chosen optimizer). */
  readonly optimizer: TransformingOptimizer;
  /** With `config.recover`: the `withRecovery` wrapper around {@link optimizer} that runs the steps; else null. */
  readonly recovery: RecoveringOptimizer | null;
  private readonly problem: Problem;
  private readonly dataRng: Rng;
  private readonly evalSeed: number;
  private readonly schedule: Schedule | null;
  private readonly inner: Optimizer;
  private readonly prefix: string;
  private readonly startTime = Date.now();
  private disposed = false;

  /** Resolves `partial` (see `resolveRunConfig`) and builds the problem, the optimizer and the clipping chain. */
  constructor(partial: Partial<RunConfig>, options: ExperimentOptions = {}) {
    this.config = resolveRunConfig(partial);
    const c = this.config;
    if (c.text !== undefined && options.text === undefined) {
      throw new GradclipArgumentError(`Experiment: config.text is "${c.text}" but no text was given; read the file and pass it as options.text`);
    }
    this.prefix = `gc${++instanceCounter}/`;
    const root = createRng(c.seed);
    const [initRng, dataRng] = root.fork(2);
    this.dataRng = dataRng;
    this.evalSeed = c.seed * 7919 + 104729;
    this.problem = createProblem(c, initRng, this.prefix, c.task === 'charlm' ? options.text : undefined);
    if (c.flowEvery > 0 && !this.problem.supportsFlow) {
      this.problem.dispose();
      throw new GradclipArgumentError(`Experiment: flowEvery needs a recurrent model (rnn, lstm, gru) or the cliff; ${c.model} has no recurrent state`);
    }
    this.inner = createOptimizer(c);
    this.schedule = c.warmup > 0 ? warmupSchedule({ peakLr: c.lr, warmupSteps: c.warmup }) : null;
    const output = this.problem.outputLayerName;
    const agcExclude = output === null ? [] : [output];
    const transform = clipTransform(parseClipSpec(c.clip), { skipNonFinite: c.skipNonFinite, agcExclude });
    this.optimizer = withTransforms(this.inner, transform, { layerNorms: true });
    this.recovery = c.recover ? withRecovery(this.optimizer, { ...RECOVERY_OPTIONS, on: [...RECOVERY_OPTIONS.on] }) : null;
  }

  /** Rollbacks of `--recover` so far (0 without it). */
  get recoveries(): number {
    return this.recovery?.recoveries ?? 0;
  }

  /** Steps whose updates rollbacks dropped so far (0 without `--recover`). */
  get lostSteps(): number {
    return this.recovery?.lostSteps ?? 0;
  }

  /** The trainable variables, in forward order. */
  get variables(): readonly Variable[] {
    return this.problem.variables;
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
    return this.problem.description;
  }

  /**
   * Runs one optimizer step and returns its statistics (one host read of a
   * few scalars). Marks the run diverged at the first non-finite loss or
   * weight; with `recover`, a step that rolled back is not a divergence
   * (its record carries `recovered`), and the run diverges when the
   * recovery gives up (past `maxRecoveries`, or no finite snapshot).
   */
  step(): StepStats {
    if (this.disposed) throw new Error('Experiment.step: the experiment has been disposed');
    if (this.done) throw new Error(`Experiment.step: the run is finished (${this.stepsDone} steps${this.divergedAtStep !== null ? ', diverged' : ''})`);
    const n = this.stepsDone + 1;
    // With --recover every rollback has multiplied the rate by lrFactor; the schedule keeps that factor.
    if (this.schedule) setLearningRate(this.inner, this.schedule(n) * RECOVERY_OPTIONS.lrFactor ** this.recoveries);
    const { loss, free, flow } = this.problem.batchLoss(this.dataRng, this.config.batch);
    const runner = this.recovery ?? this.optimizer;
    let gaveUp = false;
    let measured: GradientFlow | undefined;
    try {
      // --flow-every: on this step's batch at the weights it starts from (reads no random stream, changes nothing).
      if (this.flowDue(n) && flow !== undefined) measured = flow();
      runner.minimize(loss, false, this.variables as Variable[]);
    } catch (e) {
      if (!(e instanceof GradclipRecoveryError) || this.recovery === null) throw e;
      gaveUp = true;
    } finally {
      tf.dispose(free);
    }
    const [s] = runner.drainStatsSync();
    const stats: StepStats = { ...s, step: n, time: Date.now() };
    if (measured !== undefined) stats.flow = measured;
    this.stats.push(stats);
    if (this.divergedAtStep === null) {
      if (this.recovery !== null) {
        // A rollback restored finite weights; non-finite weights after a good step trigger a rollback at the next step (checked at the last one).
        if (gaveUp || (stats.recovered === undefined && n >= this.config.steps && !this.weightsFinite())) this.divergedAtStep = n;
      } else {
        const lossBad = stats.loss !== null && !Number.isFinite(stats.loss);
        if (lossBad || !this.weightsFinite()) this.divergedAtStep = n;
      }
    }
    const every = this.config.evalEvery;
    if (every > 0 && n % every === 0 && this.divergedAtStep === null) this.evaluate();
    return stats;
  }

  /** True when step `n` measures the gradient flow: step 1 and every `flowEvery` steps (never with 0). */
  flowDue(n: number): boolean {
    const every = this.config.flowEvery;
    return every > 0 && (n === 1 || n % every === 0);
  }

  /** The state to continue this run from after the current step (see {@link TrainingState}; host reads of the weights and the optimizer state). */
  saveState(): TrainingState {
    const saved = saveOptimizerState(this.recovery ?? this.optimizer);
    try {
      return {
        format: 'gradclip-training-state',
        version: 1,
        step: this.stepsDone,
        divergedAtStep: this.divergedAtStep,
        dataRng: this.dataRng.getState(),
        evals: this.evals.map((e) => ({ ...e })),
        weights: this.variables.map((v) => encodeTensor(v.name, v)),
        optimizer: { json: saved.json, tensors: saved.tensors.map((t) => encodeTensor(t.name, t.tensor)) },
      };
    } finally {
      tf.dispose(saved.tensors.map((t) => t.tensor));
    }
  }

  /**
   * Continues a fresh experiment of the same configuration from `state`:
   * `stats` are the step records 1..state.step (from `steps.jsonl`).
   *
   * @throws GradclipArgumentError when the state does not fit this run
   */
  restoreState(state: TrainingState, stats: readonly StepStats[]): void {
    if (this.stepsDone !== 0) throw new GradclipArgumentError('Experiment.restoreState: the experiment has already taken steps');
    if (state.format !== 'gradclip-training-state' || state.version !== 1) throw new GradclipArgumentError('the checkpoint is not a gradclip training state (version 1)');
    if (stats.length !== state.step || stats.some((s, i) => s.step !== i + 1)) {
      throw new GradclipArgumentError(`the checkpoint is at step ${state.step} but the step log holds ${stats.length} records 1..${stats.length} up to it`);
    }
    const vars = this.variables;
    if (state.weights.length !== vars.length) throw new GradclipArgumentError(`the checkpoint holds ${state.weights.length} weights, this run's model has ${vars.length}`);
    const names: Record<string, string> = {};
    vars.forEach((v, i) => {
      const w = state.weights[i];
      if (w.shape.length !== v.shape.length || w.shape.some((d, j) => d !== v.shape[j])) {
        throw new GradclipArgumentError(`checkpoint weight ${w.name} has shape [${w.shape.join(', ')}], the model's ${v.name} has [${v.shape.join(', ')}]`);
      }
      names[w.name] = v.name;
    });
    vars.forEach((v, i) => {
      const t = decodeTensor(state.weights[i]);
      v.assign(t);
      t.dispose();
    });
    const tensors = state.optimizer.tensors.map((e) => ({ name: e.name, tensor: decodeTensor(e) }));
    try {
      loadOptimizerState(this.recovery ?? this.optimizer, { json: state.optimizer.json, tensors }, { variableNames: names });
    } finally {
      tf.dispose(tensors.map((t) => t.tensor));
    }
    this.dataRng.setState(state.dataRng);
    this.stats.push(...stats);
    this.evals.push(...state.evals.map((e) => ({ ...e })));
    this.divergedAtStep = state.divergedAtStep;
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
    const m = this.problem.evaluate(createRng(this.evalSeed), this.config.evalSize);
    const r: EvalResult = { step: this.stepsDone, loss: m.loss };
    if (m.errorRate !== undefined) r.errorRate = m.errorRate;
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
          const { loss, free } = this.problem.batchLoss(rng, this.config.batch);
          held = free;
          return loss();
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
    return this.problem.cliffPosition();
  }

  /** Unigram entropy of the charlm corpus in nats/char (the context-free baseline), else null. */
  get entropyBaseline(): number | null {
    return this.problem.entropyBaseline;
  }

  /** Seconds since the run was created. */
  get wallSeconds(): number {
    return (Date.now() - this.startTime) / 1000;
  }

  /** Frees every variable and the optimizer state. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    (this.recovery ?? this.optimizer).dispose();
    this.problem.dispose();
  }
}

/** Creates a run (see {@link Experiment}). */
export function createExperiment(config: Partial<RunConfig>, options: ExperimentOptions = {}): Experiment {
  return new Experiment(config, options);
}

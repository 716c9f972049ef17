/**
 * Configuration of one training run (the flags of `gradclip train`, DESIGN.md
 * section 4, **contract**), its defaults and its validation in one place.
 */
import { GradclipArgumentError } from 'gradclip';
import { getTask, isTaskName, TASK_NAMES } from '../tasks/data/registry.js';
import { parseGatedInit } from '../tasks/models/gated.js';
import { parseRnnInit, RNN_INIT_NAMES } from '../tasks/models/init.js';
import { TRANSFORMER_DEFAULTS } from '../tasks/models/transformer.js';
import { MODEL_NAMES } from '../tasks/models/types.js';
import { parseClipSpec } from './clip-spec.js';
import { activationEstimate, RUN_LIMITS, withCommas } from './limits.js';
import { parseDecimal } from './numbers.js';

/** Tasks the runner knows: Pascanu et al.'s six, the cliff, and charlm. */
export const RUN_TASKS = [...TASK_NAMES, 'cliff', 'charlm'] as const;
/** Optimizers the runner knows. */
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'adam', 'adamw', 'stableadamw'] as const;
/** One of {@link OPTIMIZER_NAMES}. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** One training run. */
export interface RunConfig {
  /** One of {@link RUN_TASKS}. @default 'addition' */
  task: string;
  /** One of `rnn`, `lstm`, `gru`, `transformer` (ignored by `cliff`). @default 'rnn' */
  model: string;
  /** Nominal sequence length T. @default 50 */
  length: number;
  /** Sequences per mini-batch. @default 20 */
  batch: number;
  /** Optimizer steps. @default 2000 */
  steps: number;
  /** Optimizer. @default 'sgd' */
  optimizer: OptimizerName;
  /** Learning rate (peak rate when `warmup` > 0). @default 0.01 */
  lr: number;
  /** Initialisation (model-specific; see createModel). @default model default */
  init?: string;
  /** Clip spec (see parseClipSpec). @default 'none' */
  clip: string;
  /** Seed of data, initialisation and evaluation streams. @default 1 */
  seed: number;
  /** Hidden units of recurrent models. @default 50 */
  hidden: number;
  /** Fresh sequences used to measure the error rate. @default 1000 */
  evalSize: number;
  /** Evaluate every this many steps (0: only at the end). @default 0 */
  evalEvery: number;
  /** Linear learning-rate warm-up steps. @default 0 (100 for the transformer) */
  warmup: number;
  /** Decoupled weight decay of `adamw` and `stableadamw`. @default 0.01 */
  weightDecay: number;
  /** Momentum coefficient for the `momentum` optimizer. @default 0.9 */
  momentum: number;
  /** Put skipNonFinite() in front of the clip (skip NaN/Inf steps). @default false */
  skipNonFinite: boolean;
  /** Stop at the first non-finite loss or weight. @default true */
  stopOnDivergence: boolean;
  /**
   * Wrap the optimizer with the library's `withRecovery` (`--recover`,
   * DESIGN.md section 8): a non-finite loss or gradient norm rolls the
   * weights and optimizer state back to the last good snapshot (see
   * {@link RECOVERY_OPTIONS}); past `maxRecoveries` rollbacks the run ends
   * as diverged. The summary counts the rollbacks in `recoveries`.
   * @default false
   */
  recover: boolean;
  /** Cliff: starting weight w0. @default 6 */
  cliffW: number;
  /** Cliff: starting bias b0. @default -2.93 */
  cliffB: number;
  /**
   * Measure the gradient flow through time (`--flow-every`, DESIGN.md
   * section 8; docs/flow.md) at step 1 and every this many steps: the
   * step's record in `steps.jsonl` gets `flow` (`‖∂L/∂h_t‖` for every t, the
   * fitted growth per step backward, and the spectral norm and radius of the
   * recurrent kernel of the rnn, of the mean state-to-state Jacobian of the
   * lstm (state (h, c)) and gru, or |w| for the cliff). Measured on the
   * step's own batch at the weights the step starts from; training is
   * unchanged. Recurrent models and the cliff only. 0: off.
   * @default 0
   */
  flowEvery: number;
  /**
   * charlm: path of the UTF-8 text file to train on (`--text`), instead of
   * the generated text; absent when the generated text is used. The CLI
   * reads the file (see `readTextFile`); the run records its size in the
   * summary's `text` field.
   */
  text?: string;
}

/** Defaults of every field. */
export const DEFAULT_RUN_CONFIG: Readonly<RunConfig> = Object.freeze({
  task: 'addition',
  model: 'rnn',
  length: 50,
  batch: 20,
  steps: 2000,
  optimizer: 'sgd',
  lr: 0.01,
  clip: 'none',
  seed: 1,
  hidden: 50,
  evalSize: 1000,
  evalEvery: 0,
  warmup: 0,
  weightDecay: 0.01,
  momentum: 0.9,
  skipNonFinite: false,
  stopOnDivergence: true,
  recover: false,
  cliffW: 6,
  cliffB: -2.93,
  flowEvery: 0,
});

/**
 * The `withRecovery` options of a run with `recover` (the library's
 * defaults, written out, except `lrFactor`): roll back on a non-finite loss or gradient norm,
 * a snapshot every 10 good steps, 2 kept, the learning rate halved at
 * every rollback (without it the restored weights meet the same explosion
 * again: on the demo configuration the unclipped run rolled back 5 times and
 * still diverged at step 54), at most 5 rollbacks.
 */
export const RECOVERY_OPTIONS = Object.freeze({ on: ['nonfinite'] as const, snapshotEvery: 10, keep: 2, lrFactor: 0.5, maxRecoveries: 5 });

/** What a configuration is resolved for: a training run, or `gradclip calibrate` (unclipped steps, no evaluation). */
export type RunPurpose = 'train' | 'calibrate';

/** Options of {@link resolveRunConfig}. */
export interface ResolveRunOptions {
  /**
   * The fields the user set explicitly (for the CLI: the options whose
   * commander value source is `cli`). A field set explicitly that has no
   * effect on this run (`--momentum` with `--optimizer adam`, `--cliff-w`
   * off the cliff task, `--hidden` on the transformer, ...) is an error
   * that says why. Without it no such check is made (the dashboard passes
   * every field of its form).
   */
  given?: Iterable<string>;
  /**
   * What the configuration is for. With `'calibrate'`, the fields that
   * calibration does not use (`clip`, `skipNonFinite`, `evalSize`,
   * `evalEvery`, `warmup`, `stopOnDivergence`, `text` is used) are errors
   * when given.
   * @default 'train'
   */
  purpose?: RunPurpose;
}

/** The command-line spelling of a run field (`evalSize` → `--eval-size`, `stopOnDivergence` → `--no-stop-on-divergence`). */
export function flagName(key: string): string {
  if (key === 'stopOnDivergence') return '--no-stop-on-divergence';
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function requireInt(key: string, v: unknown, min: number, max: number, why = ''): void {
  const flag = flagName(key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new GradclipArgumentError(`${flag} must be an integer >= ${min}, got ${String(v)}`);
  }
  if (v > max) throw new GradclipArgumentError(`${flag} must be at most ${withCommas(max)}${why ? ` (${why})` : ''}, got ${String(v)}`);
}

function requirePositive(key: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new GradclipArgumentError(`${flagName(key)} must be a finite number > 0, got ${String(v)}`);
  }
}

function requireFinite(key: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new GradclipArgumentError(`${flagName(key)} must be a finite number, got ${String(v)}`);
}

/** Checks `--init` for the model: the parsers of `tasks/models`, with the flag named. */
function checkInit(c: RunConfig): void {
  if (c.init === undefined) return;
  const init = String(c.init);
  const std = init.startsWith('normal:') ? parseDecimal(init.slice('normal:'.length)) : null;
  if (init.startsWith('normal:') && (std === null || std < 0)) {
    throw new GradclipArgumentError(`--init ${init}: normal:<std> needs a finite standard deviation >= 0 in decimal notation, e.g. normal:0.2`);
  }
  let valid: string;
  if (c.model === 'transformer') {
    if (init.startsWith('normal:')) return;
    valid = 'normal:<std>';
  } else {
    try {
      if (c.model === 'rnn') parseRnnInit(init);
      else parseGatedInit(init, c.model);
      return;
    } catch {
      valid = c.model === 'rnn' ? RNN_INIT_NAMES.join(', ') : 'glorot, normal:<std>';
    }
  }
  throw new GradclipArgumentError(`--init ${init} is not an initialisation of --model ${c.model}: valid values are ${valid} (e.g. normal:0.2)`);
}

/** A field set explicitly that the run does not use: why, per field (null when it is used). */
function noEffectReason(key: string, c: RunConfig, purpose: RunPurpose): string | null {
  if (purpose === 'calibrate') {
    const why: Record<string, string> = {
      clip: 'calibrate runs unclipped steps to measure the norms; pass the recommended threshold to train --clip',
      skipNonFinite: 'calibrate applies no transform (non-finite norms are left out of the statistics)',
      evalSize: 'calibrate evaluates nothing',
      evalEvery: 'calibrate evaluates nothing',
      warmup: 'calibrate runs at the constant --lr',
      stopOnDivergence: 'calibrate always runs all --steps',
      recover: 'calibrate trains on a copy of the weights and rolls nothing back',
      flowEvery: 'calibrate records no step statistics',
    };
    if (why[key]) return why[key];
  }
  const cliff = c.task === 'cliff';
  switch (key) {
    case 'momentum':
      return c.optimizer === 'momentum' ? null : `only --optimizer momentum uses it (this run uses --optimizer ${c.optimizer})`;
    case 'weightDecay':
      return c.optimizer === 'adamw' || c.optimizer === 'stableadamw' ? null : `only --optimizer adamw and stableadamw use it (decoupled weight decay; this run uses --optimizer ${c.optimizer})`;
    case 'cliffW':
    case 'cliffB':
      return cliff ? null : `it sets the starting point of --task cliff (this run is --task ${c.task})`;
    case 'model':
    case 'init':
    case 'hidden':
      if (cliff) return 'the cliff task is a fixed one-unit RNN over (w, b) (set them with --cliff-w and --cliff-b)';
      if (key === 'hidden' && c.model === 'transformer') return `the transformer's width is fixed (${TRANSFORMER_DEFAULTS.dModel})`;
      return null;
    case 'length':
    case 'batch':
    case 'evalSize':
      return cliff ? 'the cliff task has no data: every step computes the same 50-step loss' : null;
    case 'evalEvery':
      return c.evalEvery > c.steps ? `no evaluation falls within --steps ${c.steps} (the final evaluation always runs)` : null;
    default:
      return null;
  }
}

/**
 * Fills defaults and validates a run configuration: the one place of the
 * rules between run flags. Errors (GradclipArgumentError) name the flag and
 * the valid values or the bound: unknown names; integer ranges and the upper
 * bounds of {@link RUN_LIMITS} (memory-sized inputs: steps, batch, length,
 * hidden, evaluation size, and the activation estimate of `limits.ts`);
 * `--init` for the model; the task's shortest `--length`; `--text` only with
 * charlm; and, with `options.given`, every given field that has no effect.
 */
export function resolveRunConfig(partial: Partial<RunConfig>, options: ResolveRunOptions = {}): RunConfig {
  const known = new Set<string>([...Object.keys(DEFAULT_RUN_CONFIG), 'init', 'text']);
  const given = Object.entries(partial).filter(([k, v]) => known.has(k) && v !== undefined);
  const c: RunConfig = { ...DEFAULT_RUN_CONFIG, ...Object.fromEntries(given) };
  if (c.task === 'charlm' && partial.model === undefined) c.model = 'transformer';
  if (c.model === 'transformer' && partial.warmup === undefined) c.warmup = 100;
  if (!(RUN_TASKS as readonly string[]).includes(c.task)) {
    throw new GradclipArgumentError(`unknown task "${c.task}": valid tasks are ${RUN_TASKS.join(', ')}`);
  }
  if (!(MODEL_NAMES as readonly string[]).includes(c.model)) {
    throw new GradclipArgumentError(`unknown model "${c.model}": valid models are ${MODEL_NAMES.join(', ')}`);
  }
  if (c.model === 'transformer' && c.task !== 'charlm') {
    throw new GradclipArgumentError(`model "transformer" needs --task charlm (it is a token model); use rnn, lstm or gru for ${c.task}`);
  }
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(c.optimizer)) {
    throw new GradclipArgumentError(`unknown optimizer "${c.optimizer}": valid optimizers are ${OPTIMIZER_NAMES.join(', ')}`);
  }
  parseClipSpec(c.clip);
  const purpose = options.purpose ?? 'train';
  if (purpose === 'calibrate' && typeof c.steps === 'number' && c.steps < RUN_LIMITS.calibrateMinSteps) {
    throw new GradclipArgumentError(`--steps must be at least ${RUN_LIMITS.calibrateMinSteps} for calibrate (the threshold is a percentile of at least ${RUN_LIMITS.calibrateMinSteps} finite norms; a few hundred are better), got ${c.steps}`);
  }
  if (purpose === 'calibrate') requireInt('steps', c.steps, 1, RUN_LIMITS.calibrateSteps);
  requireInt('steps', c.steps, 1, RUN_LIMITS.steps, 'about 320 MB of step statistics in memory and as much steps.jsonl');
  requireInt('batch', c.batch, 1, RUN_LIMITS.batch);
  requireInt('length', c.length, 1, RUN_LIMITS.length);
  requireInt('seed', c.seed, 0, RUN_LIMITS.seed);
  requireInt('hidden', c.hidden, 1, RUN_LIMITS.hidden);
  requireInt('evalSize', c.evalSize, 1, RUN_LIMITS.evalSize);
  requireInt('evalEvery', c.evalEvery, 0, RUN_LIMITS.steps);
  requireInt('warmup', c.warmup, 0, RUN_LIMITS.warmup);
  requireInt('flowEvery', c.flowEvery, 0, RUN_LIMITS.steps);
  if (c.flowEvery > 0 && c.task !== 'cliff' && c.model === 'transformer') {
    throw new GradclipArgumentError(
      '--flow-every measures the gradient through the recurrent state of --model rnn, lstm or gru (or the cliff\'s one-unit RNN); the transformer has no recurrent state (attention reaches every position directly): drop --flow-every or use --model rnn, lstm or gru',
    );
  }
  requirePositive('lr', c.lr);
  if (!(c.weightDecay >= 0) || !Number.isFinite(c.weightDecay)) throw new GradclipArgumentError(`--weight-decay must be a finite number >= 0, got ${c.weightDecay}`);
  if (!(c.momentum >= 0 && c.momentum < 1)) throw new GradclipArgumentError(`--momentum must be in [0, 1), got ${c.momentum}`);
  requireFinite('cliffW', c.cliffW);
  requireFinite('cliffB', c.cliffB);
  if (typeof c.skipNonFinite !== 'boolean') throw new GradclipArgumentError(`skipNonFinite must be true or false, got ${String(c.skipNonFinite)}`);
  if (typeof c.recover !== 'boolean') throw new GradclipArgumentError(`recover must be true or false, got ${String(c.recover)}`);
  if (typeof c.stopOnDivergence !== 'boolean') throw new GradclipArgumentError(`stopOnDivergence must be true or false, got ${String(c.stopOnDivergence)}`);
  checkInit(c);
  if (isTaskName(c.task)) {
    const min = getTask(c.task).minLength;
    if (c.length < min) throw new GradclipArgumentError(`--length must be at least ${min} for --task ${c.task} (its markers are drawn from the first 10% of the sequence), got ${c.length}`);
  }
  if (c.text !== undefined) {
    if (typeof c.text !== 'string' || c.text.trim() === '') throw new GradclipArgumentError(`--text needs the path of a UTF-8 text file, got ${JSON.stringify(c.text)}`);
    if (c.task !== 'charlm') throw new GradclipArgumentError(`--text has no effect with --task ${c.task}: only --task charlm trains on a text (add --task charlm)`);
  }
  checkActivations(c);
  for (const key of new Set(options.given ?? [])) {
    const why = noEffectReason(key, c, purpose);
    if (why !== null) throw new GradclipArgumentError(`${flagName(key)} has no effect: ${why}`);
  }
  return c;
}

/**
 * Throws when the largest activation tensor of the run (see
 * `activationEstimate`) would exceed {@link RUN_LIMITS}.activationElements;
 * `vocabulary` is charlm's vocabulary size once the text is known.
 */
export function checkActivations(c: RunConfig, vocabulary?: number): void {
  const est = activationEstimate(c, vocabulary);
  if (est === null || est.elements <= RUN_LIMITS.activationElements) return;
  throw new GradclipArgumentError(
    `the run is too large for memory: ${est.formula} = ${withCommas(est.elements)} elements per activation tensor, above the limit of ${withCommas(RUN_LIMITS.activationElements)} (64 MiB); lower ${est.flags.slice(0, -1).join(', ')} or ${est.flags[est.flags.length - 1]}`,
  );
}

/**
 * Configuration of one training run (the flags of `gradclip train`, DESIGN.md
 * section 4, **contract**), its defaults and its validation in one place.
 */
import { GradclipArgumentError } from 'gradclip';
import { TASK_NAMES } from '../tasks/data/registry.js';
import { MODEL_NAMES } from '../tasks/models/types.js';
import { parseClipSpec } from './clip-spec.js';

/** Tasks the runner knows: Pascanu et al.'s six, the cliff, and charlm. */
export const RUN_TASKS = [...TASK_NAMES, 'cliff', 'charlm'] as const;
/** Optimizers the runner knows. */
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'adam', 'adamw'] as const;
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
  /** AdamW decoupled weight decay. @default 0.01 */
  weightDecay: number;
  /** Momentum coefficient for the `momentum` optimizer. @default 0.9 */
  momentum: number;
  /** Put skipNonFinite() in front of the clip (skip NaN/Inf steps). @default false */
  skipNonFinite: boolean;
  /** Stop at the first non-finite loss or weight. @default true */
  stopOnDivergence: boolean;
  /** Cliff: starting weight w0. @default 6 */
  cliffW: number;
  /** Cliff: starting bias b0. @default -2.93 */
  cliffB: number;
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
  cliffW: 6,
  cliffB: -2.93,
});

function requireInt(name: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new GradclipArgumentError(`--${name} must be an integer >= ${min}, got ${String(v)}`);
  }
}

function requirePositive(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new GradclipArgumentError(`--${name} must be a finite number > 0, got ${String(v)}`);
  }
}

/** Fills defaults and validates; errors name the flag and list valid choices. */
export function resolveRunConfig(partial: Partial<RunConfig>): RunConfig {
  const known = new Set<string>([...Object.keys(DEFAULT_RUN_CONFIG), 'init']);
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
  requireInt('length', c.length, 1);
  requireInt('batch', c.batch, 1);
  requireInt('steps', c.steps, 1);
  requireInt('seed', c.seed, 0);
  requireInt('hidden', c.hidden, 1);
  requireInt('eval-size', c.evalSize, 1);
  requireInt('eval-every', c.evalEvery, 0);
  requireInt('warmup', c.warmup, 0);
  requirePositive('lr', c.lr);
  if (!(c.weightDecay >= 0) || !Number.isFinite(c.weightDecay)) throw new GradclipArgumentError(`--weight-decay must be a finite number >= 0, got ${c.weightDecay}`);
  if (!(c.momentum >= 0 && c.momentum < 1)) throw new GradclipArgumentError(`--momentum must be in [0, 1), got ${c.momentum}`);
  if (!Number.isFinite(c.cliffW) || !Number.isFinite(c.cliffB)) throw new GradclipArgumentError('--cliff-w and --cliff-b must be finite numbers');
  return c;
}

/**
 * Automatic rollback to the last good snapshot: {@link withRecovery}.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, serialization } from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { GradclipArgumentError, GradclipRecoveryError, describeValue, requireInteger, requirePositive, requireRecord } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { MAD_NORMAL_SCALE, mad, median } from '../core/stats/index.js';
import type { RecoveryEvent, RecoveryTrigger, StepStats } from '../core/step-stats.js';
import type { GradientTransformation } from '../transforms/types.js';
import { disposeSnapshot, restoreOptimizer, snapshotOptimizer, snapshotTensors, type OptimizerSnapshot } from './optimizer-slots.js';
import { innerOptimizerFromConfig, resolveOptimizer, type OptimizerName } from './optimizer-names.js';
import { TransformingOptimizer } from './transforming-optimizer.js';
import { registeredVariable } from './variables.js';

/** Options of {@link withRecovery}. */
export interface WithRecoveryOptions {
  /**
   * Take a snapshot after every `snapshotEvery` good applied steps (steps
   * whose checks passed; a guard's skips and accumulation micro-steps do not
   * count). A rollback loses at most `snapshotEvery` good steps; 1 restores
   * the state right before the bad step (the run then equals one that never
   * saw the bad batch).
   * @default 10
   */
  snapshotEvery?: number;
  /**
   * Snapshots kept (newest last); memory is `keep` × (the updated variables +
   * the optimizer's slots, e.g. 2 moments for Adam) bytes. More than one lets
   * a rollback fall back to an older snapshot when the newest is not finite.
   * @default 2
   */
  keep?: number;
  /**
   * What triggers a rollback: `'nonfinite'` (a NaN/±Inf loss or global
   * gradient norm), `'lossSpike'` / `'gradSpike'` (the loss / the gradient
   * norm above `median + threshold · max(1.4826 · MAD, 1e-3 · |median|)` of
   * the last `window` good steps, once `minHistory` of them are known).
   * @default ['nonfinite']
   */
  on?: RecoveryTrigger | readonly RecoveryTrigger[];
  /**
   * Multiply the optimizer's learning rate by this factor at every rollback
   * (PaLM-style "rewind and change something": 0.5 halves it). The optimizer
   * must have a numeric `learningRate` field when it is not 1.
   * @default 1
   */
  lrFactor?: number;
  /** Rollbacks allowed in total; the next trigger throws a `GradclipRecoveryError`. @default 5 */
  maxRecoveries?: number;
  /** Good steps whose loss and norm form the spike statistics. @default 100 */
  window?: number;
  /** Robust z-score above which a value is a spike (`'lossSpike'`, `'gradSpike'`). @default 6 */
  threshold?: number;
  /** Good steps needed before a spike check runs (an integer in [1, window]). @default 20 */
  minHistory?: number;
  /**
   * `statsBuffer` of the internal wrapper made around a plain `tf.Optimizer`
   * (see `WithTransformsOptions.statsBuffer`); a gradclip optimizer keeps its own.
   * @default 1
   */
  statsBuffer?: number;
}

const FN = 'withRecovery';
const TRIGGERS: readonly RecoveryTrigger[] = ['nonfinite', 'lossSpike', 'gradSpike'];

/** A pass-through transform: the internal wrapper around a plain optimizer only measures (the norm the checks read). */
const PASS_THROUGH: GradientTransformation<Record<string, never>> = {
  name: 'recoveryMeasure',
  init: () => ({}),
  update: (updates, state) => ({ updates: { ...updates }, state, info: {} }),
};

/** What {@link RecoveringOptimizer.getRecoveryState} returns. */
export interface RecoveryState {
  /** Rollbacks so far. */
  recoveries: number;
  /** Steps dropped by rollbacks so far. */
  lostSteps: number;
  /** Losses of the last good steps (oldest first), the `'lossSpike'` statistics. */
  lossHistory: number[];
  /** Global gradient norms of the last good steps (oldest first), the `'gradSpike'` statistics. */
  gradHistory: number[];
}

/**
 * What `saveOptimizerState` keeps of a {@link RecoveringOptimizer} besides
 * {@link RecoveryState}, so that a resumed run rolls back exactly as the
 * uninterrupted one would: the kept snapshots (their tensors), where the
 * wrapper is in its snapshot cycle, and the learning rate `lrFactor` has
 * reached. Not a public type: read and written only by `optimizer-state.ts`.
 */
export interface RecoveryRuntime {
  /** The kept snapshots, oldest first. */
  snapshots: Snapshot[];
  /** Good steps since the newest snapshot. */
  sinceSnapshot: number;
  /** Index in `snapshots` of the one the last rollback restored while no good step has passed since, else null. */
  justRestored: number | null;
  /** Names of the variables the wrapper has seen updated (what a snapshot copies). */
  tracked: string[];
  /** The learning rate of the optimizer `lrFactor` scales, or null when it has none. */
  learningRate: number | null;
}

/** One kept snapshot. */
export interface Snapshot {
  /** `StepStats.step` of the last step it includes (0: before the first step). */
  step: number;
  /** The variables, by name (kept clones). */
  variables: Map<string, Tensor>;
  /** The optimizer's state (slots, transform state). */
  optimizer: OptimizerSnapshot;
  /** The spike statistics at that point. */
  lossHistory: number[];
  gradHistory: number[];
}

interface Settings {
  snapshotEvery: number;
  keep: number;
  on: RecoveryTrigger[];
  lrFactor: number;
  maxRecoveries: number;
  window: number;
  threshold: number;
  minHistory: number;
  statsBuffer: number;
}

function settingsOf(opts: unknown): Settings {
  const o = checkOptions<WithRecoveryOptions>(FN, opts, {
    snapshotEvery: 'checked',
    keep: 'checked',
    on: 'checked',
    lrFactor: 'checked',
    maxRecoveries: 'checked',
    window: 'checked',
    threshold: 'checked',
    minHistory: 'checked',
    statsBuffer: 'checked',
  });
  const snapshotEvery = requireInteger(FN, 'snapshotEvery', o.snapshotEvery ?? 10, 1, 'pass how many good steps lie between snapshots, e.g. 10');
  const keep = requireInteger(FN, 'keep', o.keep ?? 2, 1, 'pass how many snapshots to keep, e.g. 2');
  const rawOn: unknown = o.on ?? ['nonfinite'];
  const list: unknown[] = Array.isArray(rawOn) ? [...(rawOn as unknown[])] : [rawOn];
  if (list.length === 0) throw new GradclipArgumentError(`${FN}: on must name at least one trigger (${TRIGGERS.join(', ')}); leave it out for ['nonfinite']`);
  for (const t of list) {
    if (!TRIGGERS.includes(t as RecoveryTrigger)) {
      throw new GradclipArgumentError(`${FN}: on must hold triggers among ${TRIGGERS.map((x) => `'${x}'`).join(', ')}, got ${describeValue(t)}`);
    }
  }
  const lrFactor = requirePositive(FN, 'lrFactor', o.lrFactor ?? 1, 'pass a factor in (0, 1] such as 0.5 (1 leaves the learning rate alone)');
  if (lrFactor > 1) {
    throw new GradclipArgumentError(`${FN}: lrFactor must be in (0, 1], got ${lrFactor}: a rollback lowers the learning rate (0.5 halves it) or leaves it alone (1); raising it would meet the same failure sooner`);
  }
  const maxRecoveries = requireInteger(FN, 'maxRecoveries', o.maxRecoveries ?? 5, 0, 'pass how many rollbacks to allow, e.g. 5');
  const window = requireInteger(FN, 'window', o.window ?? 100, 1, 'pass how many good steps form the spike statistics, e.g. 100');
  const threshold = requirePositive(FN, 'threshold', o.threshold ?? 6, 'pass a robust z-score such as 6');
  const minHistory = requireInteger(FN, 'minHistory', o.minHistory ?? Math.min(20, window), 1, 'pass how many good steps a spike check needs, e.g. 20');
  if (minHistory > window) throw new GradclipArgumentError(`${FN}: minHistory (${minHistory}) must not exceed window (${window}); lower minHistory or raise window`);
  const statsBuffer = requireInteger(FN, 'statsBuffer', o.statsBuffer ?? 1, 1, 'pass how many steps of statistics to keep on the device, e.g. 1');
  return { snapshotEvery, keep, on: [...new Set(list as RecoveryTrigger[])], lrFactor, maxRecoveries, window, threshold, minHistory, statsBuffer };
}

/** The TF.js optimizer at the bottom of a stack of gradclip wrappers. */
function bottomOf(opt: Optimizer): Optimizer {
  let o = opt;
  while (o instanceof TransformingOptimizer) o = o.inner;
  return o;
}

/** Robust spike test: `x > median + threshold · max(1.4826·MAD, 1e-3·|median|)`. */
function isSpike(x: number, history: readonly number[], threshold: number): boolean {
  const m = median(history);
  const spread = Math.max(MAD_NORMAL_SCALE * mad(history), 1e-3 * Math.abs(m), Number.MIN_VALUE);
  return x > m + threshold * spread;
}

function push(history: number[], x: number, capacity: number): void {
  history.push(x);
  if (history.length > capacity) history.splice(0, history.length - capacity);
}

/**
 * The `tf.Optimizer` made by {@link withRecovery}: it runs a gradclip
 * optimizer (the given one, or an internal `withTransforms` wrapper around a
 * plain TF.js optimizer that only measures the gradient norm), checks every
 * step, keeps snapshots and rolls back. See {@link withRecovery} for the
 * semantics; registered with `tf.serialization` as `GradclipRecovery`.
 */
export class RecoveringOptimizer extends Optimizer {
  /** Class name under which the optimizer is registered for (de)serialisation. */
  static className = 'GradclipRecovery';

  /** The optimizer given to {@link withRecovery}. */
  readonly inner: Optimizer;
  /** The gradclip optimizer that runs the steps and records their statistics (`inner` itself when it is one). */
  readonly core: TransformingOptimizer;
  private readonly settings: Settings;
  private readonly lrTarget: Optimizer;
  private snapshots: Snapshot[] = [];
  private tracked = new Set<string>();
  private sinceSnapshot = 0;
  private recoveryCount = 0;
  private lostCount = 0;
  private lossHistory: number[] = [];
  private gradHistory: number[] = [];
  private readonly events = new Map<number, RecoveryEvent>();
  /** The snapshot the last rollback restored, while no step has passed since (a repeat trigger then falls back further). */
  private justRestored: Snapshot | null = null;

  constructor(inner: Optimizer, opts: WithRecoveryOptions = {}) {
    super();
    const settings = settingsOf(opts);
    if (typeof inner !== 'object' || inner === null || !(inner instanceof Optimizer)) {
      throw new GradclipArgumentError(`${FN}: optimizer must be a tf.Optimizer (for example tf.train.adam(1e-3) or withClipping(...))`);
    }
    if (inner instanceof RecoveringOptimizer) {
      throw new GradclipArgumentError(`${FN}: the optimizer already has recovery; wrap the optimizer inside it (its .inner) instead`);
    }
    if (inner instanceof TransformingOptimizer && inner.getConfig().measure === false && settings.on.some((t) => t !== 'lossSpike')) {
      throw new GradclipArgumentError(
        `${FN}: the optimizer was made with measure: false, so its steps report no gradient norm for the '${settings.on.join("', '")}' check; make it with measure: true (the default) or use on: ['lossSpike']`,
      );
    }
    const target = bottomOf(inner);
    if (settings.lrFactor !== 1 && typeof (target as unknown as { learningRate?: unknown }).learningRate !== 'number') {
      throw new GradclipArgumentError(
        `${FN}: lrFactor ${settings.lrFactor} needs an optimizer with a numeric learningRate field, and ${target.getClassName()} has none; use lrFactor: 1`,
      );
    }
    this.settings = settings;
    this.inner = inner;
    this.lrTarget = target;
    this.core = inner instanceof TransformingOptimizer ? inner : new TransformingOptimizer(inner, PASS_THROUGH, { statsBuffer: settings.statsBuffer }, FN);
  }

  /** Rollbacks so far (`summary.json`'s `recoveries`). */
  get recoveries(): number {
    return this.recoveryCount;
  }

  /** Steps whose updates were dropped by rollbacks so far (the sum of `StepStats.recovered.lostSteps`). */
  get lostSteps(): number {
    return this.lostCount;
  }

  /** Steps (calls of `minimize`/`applyGradients`) so far, the dropped ones included: `StepStats.step` of the last one. */
  get steps(): number {
    return this.core.steps;
  }

  /** Snapshots held now (at most `keep`). */
  get snapshotCount(): number {
    return this.snapshots.length;
  }

  /** The inner optimizer's iteration count: applied updates of the kept timeline (it goes back on a rollback). */
  override get iterations(): number {
    return this.core.iterations;
  }

  /** The current learning rate of the optimizer that `lrFactor` scales, or null when it has none. */
  get learningRate(): number | null {
    const lr = (this.lrTarget as unknown as { learningRate?: unknown }).learningRate;
    return typeof lr === 'number' ? lr : null;
  }

  override minimize(f: () => Scalar, returnCost = false, varList?: Variable[]): Scalar | null {
    this.beforeStep(varList ? varList.map((v) => v.name) : trainableNames());
    const cost = this.core.minimize(f, true, varList);
    try {
      this.afterStep();
    } catch (e) {
      cost?.dispose();
      throw e;
    }
    if (returnCost) return cost;
    cost?.dispose();
    return null;
  }

  override applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients)
      ? variableGradients.filter((e) => e && e.tensor != null).map((e) => e.name)
      : Object.keys(variableGradients).filter((k) => variableGradients[k] != null);
    this.beforeStep(names);
    this.core.applyGradients(variableGradients);
    this.afterStep();
  }

  private beforeStep(names: readonly string[]): void {
    for (const n of names) this.tracked.add(n);
    if (this.snapshots.length === 0) this.takeSnapshot(this.core.steps);
  }

  /** Reads the step's statistics (one small device read), checks them, and snapshots or rolls back. */
  private afterStep(): void {
    const s = this.core.lastStats();
    if (s === null) return;
    const trigger = this.check(s);
    if (trigger !== null) {
      this.recover(trigger, s.step);
      return;
    }
    if (s.skipped) return; // a guard's skip or an accumulation micro-step: not a good applied step
    this.justRestored = null;
    if (s.loss !== null) push(this.lossHistory, s.loss, this.settings.window);
    if (s.preClipNorm !== null) push(this.gradHistory, s.preClipNorm, this.settings.window);
    this.sinceSnapshot += 1;
    if (this.sinceSnapshot >= this.settings.snapshotEvery) this.takeSnapshot(s.step);
  }

  private check(s: StepStats): RecoveryTrigger | null {
    if (s.skipped && s.accumulated !== true) return null; // a guard kept the weights already
    const { on, minHistory, threshold } = this.settings;
    const loss = s.loss;
    const norm = s.preClipNorm;
    if (on.includes('nonfinite') && ((loss !== null && !Number.isFinite(loss)) || (norm !== null && !Number.isFinite(norm)))) return 'nonfinite';
    if (on.includes('lossSpike') && loss !== null && Number.isFinite(loss) && this.lossHistory.length >= minHistory && isSpike(loss, this.lossHistory, threshold)) {
      return 'lossSpike';
    }
    if (on.includes('gradSpike') && norm !== null && Number.isFinite(norm) && this.gradHistory.length >= minHistory && isSpike(norm, this.gradHistory, threshold)) {
      return 'gradSpike';
    }
    return null;
  }

  private takeSnapshot(step: number): void {
    const variables = new Map<string, Tensor>();
    for (const n of this.tracked) {
      const v = registeredVariable(n);
      if (v && !v.isDisposed) variables.set(n, tf.keep(tf.clone(v)));
    }
    this.snapshots.push({
      step,
      variables,
      optimizer: snapshotOptimizer(this.core),
      lossHistory: [...this.lossHistory],
      gradHistory: [...this.gradHistory],
    });
    while (this.snapshots.length > this.settings.keep) {
      const old = this.snapshots.shift();
      if (old) disposeSnapshotOf(old);
    }
    this.sinceSnapshot = 0;
  }

  private recover(trigger: RecoveryTrigger, step: number): void {
    // A trigger on the first step after a rollback: the restored snapshot itself
    // may be bad (taken right after a harmful update), so fall back one further.
    if (this.justRestored !== null && this.snapshots.length > 1 && this.snapshots[this.snapshots.length - 1] === this.justRestored) {
      const dropped = this.snapshots.pop();
      if (dropped) disposeSnapshotOf(dropped);
    }
    this.justRestored = null;
    // the newest snapshot whose tensors are all finite (one read per rollback)
    let snap: Snapshot | undefined;
    while (this.snapshots.length > 0) {
      const candidate = this.snapshots[this.snapshots.length - 1];
      if (allFinite([...candidate.variables.values(), ...snapshotTensors(candidate.optimizer)])) {
        snap = candidate;
        break;
      }
      this.snapshots.pop();
      disposeSnapshotOf(candidate);
    }
    if (snap === undefined) {
      throw new GradclipRecoveryError(
        `${FN}: step ${step} failed the '${trigger}' check and no kept snapshot is finite, so there is nothing to roll back to; take snapshots more often (snapshotEvery) or keep more of them (keep)`,
        this.recoveryCount,
        step,
      );
    }
    for (const [name, value] of snap.variables) {
      const v = registeredVariable(name);
      if (v && !v.isDisposed) v.assign(value);
    }
    restoreOptimizer(this.core, snap.optimizer);
    this.justRestored = snap;
    this.lossHistory = [...snap.lossHistory];
    this.gradHistory = [...snap.gradHistory];
    this.sinceSnapshot = 0;
    if (this.recoveryCount >= this.settings.maxRecoveries) {
      throw new GradclipRecoveryError(
        `${FN}: step ${step} failed the '${trigger}' check after ${this.recoveryCount} rollbacks (maxRecoveries ${this.settings.maxRecoveries}); ` +
          `the variables are back at the snapshot of step ${snap.step}. Lower the learning rate, clip the gradients (withClipping / withTransforms), or raise maxRecoveries`,
        this.recoveryCount,
        step,
      );
    }
    this.recoveryCount += 1;
    const event: RecoveryEvent = { toStep: snap.step, lostSteps: step - snap.step, trigger };
    this.lostCount += event.lostSteps;
    this.events.set(step, event);
    // events of steps that have left the statistics buffer unread are never asked for
    const oldest = step - this.statsBufferSize();
    for (const k of this.events.keys()) if (k <= oldest) this.events.delete(k);
    if (this.settings.lrFactor !== 1) {
      const t = this.lrTarget as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
      const lr = t.learningRate * this.settings.lrFactor;
      if (typeof t.setLearningRate === 'function') t.setLearningRate(lr);
      else t.learningRate = lr;
    }
  }

  private statsBufferSize(): number {
    const b = this.core.getConfig().statsBuffer;
    return typeof b === 'number' ? b : 1;
  }

  private annotate(stats: StepStats[]): StepStats[] {
    for (const s of stats) {
      const e = this.events.get(s.step);
      if (e !== undefined) s.recovered = { ...e };
    }
    return stats;
  }

  /** Statistics of the most recent step (as `TransformingOptimizer.lastStats`), with `recovered` on a step that rolled back. */
  lastStats(): StepStats | null {
    const s = this.core.lastStats();
    return s === null ? null : (this.annotate([s])[0] ?? null);
  }

  /** Reads and removes every buffered step's statistics (one device read), with `recovered` on the steps that rolled back. */
  async drainStats(): Promise<StepStats[]> {
    const stats = this.annotate(await this.core.drainStats());
    for (const s of stats) this.events.delete(s.step);
    return stats;
  }

  /** Synchronous {@link drainStats}. */
  drainStatsSync(): StepStats[] {
    const stats = this.annotate(this.core.drainStatsSync());
    for (const s of stats) this.events.delete(s.step);
    return stats;
  }

  /**
   * The wrapper's own state besides the snapshots: the rollback counters and
   * the spike statistics (plain numbers; `saveOptimizerState` saves it).
   */
  getRecoveryState(): RecoveryState {
    return { recoveries: this.recoveryCount, lostSteps: this.lostCount, lossHistory: [...this.lossHistory], gradHistory: [...this.gradHistory] };
  }

  /**
   * Restores a state read with {@link getRecoveryState}; the snapshots are
   * dropped (the next step takes a new first one).
   */
  setRecoveryState(state: RecoveryState): void {
    const fn = 'RecoveringOptimizer.setRecoveryState';
    const r = requireRecord(fn, 'state', state, 'a record {recoveries, lostSteps, lossHistory, gradHistory} from getRecoveryState()');
    const recoveries = requireInteger(fn, 'state.recoveries', r.recoveries, 0, 'pass the saved count');
    const lost = requireInteger(fn, 'state.lostSteps', r.lostSteps, 0, 'pass the saved count');
    const finiteList = (v: unknown, name: string): number[] => {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new GradclipArgumentError(`${fn}: ${name} must be an array of finite numbers (the saved spike statistics)`);
      }
      return (v as number[]).slice(-this.settings.window);
    };
    const lossHistory = finiteList(r.lossHistory, 'state.lossHistory');
    const gradHistory = finiteList(r.gradHistory, 'state.gradHistory');
    this.dropSnapshots();
    this.recoveryCount = recoveries;
    this.lostCount = lost;
    this.lossHistory = lossHistory;
    this.gradHistory = gradHistory;
    this.justRestored = null;
  }

  /** @internal The snapshots and cycle position, by reference (the tensors stay the wrapper's); see {@link RecoveryRuntime}. */
  exportRuntime(): RecoveryRuntime {
    const i = this.justRestored === null ? -1 : this.snapshots.indexOf(this.justRestored);
    return { snapshots: [...this.snapshots], sinceSnapshot: this.sinceSnapshot, justRestored: i < 0 ? null : i, tracked: [...this.tracked], learningRate: this.learningRate };
  }

  /**
   * @internal Replaces the snapshots and cycle position with `r` (taking
   * ownership of its tensors) and sets the learning rate it records.
   */
  importRuntime(r: RecoveryRuntime): void {
    this.dropSnapshots();
    this.snapshots = [...r.snapshots];
    this.sinceSnapshot = r.sinceSnapshot;
    this.justRestored = r.justRestored === null ? null : (this.snapshots[r.justRestored] ?? null);
    this.tracked = new Set(r.tracked);
    if (r.learningRate !== null && this.learningRate !== null && r.learningRate !== this.learningRate) {
      const t = this.lrTarget as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
      if (typeof t.setLearningRate === 'function') t.setLearningRate(r.learningRate);
      else t.learningRate = r.learningRate;
    }
  }

  /** The inner optimizer's weights, as `tf.Optimizer.getWeights` (snapshots are not included). */
  override async getWeights(): Promise<NamedTensor[]> {
    return this.core.getWeights();
  }

  /** Restores the inner optimizer's weights, as `tf.Optimizer.setWeights`; the snapshots are dropped (they describe another timeline). */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    this.dropSnapshots();
    return this.core.setWeights(weightValues);
  }

  /** Frees the snapshots (the next step takes a new first one). */
  dropSnapshots(): void {
    for (const s of this.snapshots) disposeSnapshotOf(s);
    this.snapshots = [];
    this.sinceSnapshot = 0;
  }

  /** Frees the snapshots and the wrapped optimizers. */
  override dispose(): void {
    this.dropSnapshots();
    this.core.dispose();
  }

  override getConfig(): serialization.ConfigDict {
    const { snapshotEvery, keep, on, lrFactor, maxRecoveries, window, threshold, minHistory, statsBuffer } = this.settings;
    return {
      optimizer: { className: this.inner.getClassName(), config: this.inner.getConfig() },
      snapshotEvery,
      keep,
      on: [...on],
      lrFactor,
      maxRecoveries,
      window,
      threshold,
      minHistory,
      // what gradStatsCallback reads (the steps kept on the device)
      statsBuffer: this.inner === this.core ? this.statsBufferSize() : statsBuffer,
      recoveries: this.recoveryCount,
    };
  }

  static override fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: serialization.ConfigDict,
  ): T {
    const innerOpt = innerOptimizerFromConfig('GradclipRecovery', config);
    const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : undefined);
    const Ctor = cls as unknown as new (...args: ConstructorParameters<typeof RecoveringOptimizer>) => RecoveringOptimizer;
    const opt = new Ctor(innerOpt, {
      snapshotEvery: num(config.snapshotEvery),
      keep: num(config.keep),
      on: Array.isArray(config.on) ? (config.on as RecoveryTrigger[]) : undefined,
      lrFactor: num(config.lrFactor),
      maxRecoveries: num(config.maxRecoveries),
      window: num(config.window),
      threshold: num(config.threshold),
      minHistory: num(config.minHistory),
      statsBuffer: innerOpt instanceof TransformingOptimizer ? undefined : num(config.statsBuffer),
    });
    const r = num(config.recoveries);
    if (r !== undefined && Number.isInteger(r) && r >= 0) opt.recoveryCount = r;
    return opt as unknown as T;
  }
}

Object.defineProperty(RecoveringOptimizer, Symbol.hasInstance, {
  value: (x: unknown): boolean => typeof x === 'object' && x !== null && Object.prototype.isPrototypeOf.call(RecoveringOptimizer.prototype, x),
});

serialization.registerClass(RecoveringOptimizer);

function disposeSnapshotOf(s: Snapshot): void {
  for (const t of s.variables.values()) if (!t.isDisposed) t.dispose();
  disposeSnapshot(s.optimizer);
}

/** Names of the trainable registered variables (what `minimize` without a varList differentiates). */
function trainableNames(): string[] {
  const vars = tf.engine().registeredVariables as Record<string, Variable>;
  return Object.keys(vars).filter((k) => vars[k].trainable);
}

/** True when every element of every tensor is finite: `sum(t − t)` is 0, NaN otherwise (one read). */
function allFinite(ts: readonly Tensor[]): boolean {
  if (ts.length === 0) return true;
  const r = tf.tidy(() => tf.sum(tf.stack(ts.map((t) => tf.sum(tf.sub(tf.cast(t, 'float32'), tf.cast(t, 'float32')))))));
  const v = r.dataSync()[0];
  r.dispose();
  return v === 0;
}

/**
 * Automatic rollback to the last good snapshot, for TF.js training that must
 * survive a bad batch, a corrupted weight or a loss spike. PaLM (Chowdhery et
 * al. 2022, arXiv 2204.02311, section 5.1) restarts from a checkpoint about
 * 100 steps before a loss spike and skips the batches in between; this is
 * that procedure in-process, without checkpoint files. (Skipping a single bad
 * step, as Megatron-LM and OLMo do, is `transforms.skipNonFinite` /
 * `transforms.skipSpikes`; a rollback also undoes earlier steps that already
 * moved the weights towards the blow-up.)
 *
 * Every step (`minimize` — so `model.fit` — or `applyGradients`):
 * 1. the wrapped optimizer runs the step (its transforms, its update);
 * 2. its statistics are read to the host: **one small device read per step**
 *    (the loss and the global gradient norm; a plain optimizer is wrapped in a
 *    measuring `withTransforms`, one fused norm pass per step);
 * 3. checks, in this order, per `on`:
 *    - `'nonfinite'`: `loss` or `‖g‖₂` is NaN or ±Inf;
 *    - `'lossSpike'`: `loss > med + z · max(1.4826 · MAD, 1e-3 · |med|)`
 *      with med and MAD (Hampel 1974) over the last `window` good steps' losses;
 *    - `'gradSpike'`: the same rule on `‖g‖₂`;
 *    (spike checks wait for `minHistory` good steps; the loss is known only
 *    through `minimize`; a step a guard of the chain skipped never triggers)
 * 4. passed: the step is good; after every `snapshotEvery` good steps the
 *    variables it updates, the optimizer's slots and iteration count and the
 *    transform state are copied to the device (`tf.clone` + `tf.keep`; the
 *    newest `keep` snapshots are kept, the first one before the first step);
 * 5. failed: the newest snapshot whose tensors are all finite is restored
 *    (one more read) and the steps since are dropped (when the first step
 *    after a rollback fails again, the snapshot just restored is discarded
 *    and the one before it restored: a snapshot taken right after a harmful
 *    update, e.g. a learning-rate spike, is itself bad); the learning rate is
 *    multiplied by `lrFactor`; the step's `StepStats.recovered` says
 *    `{toStep, lostSteps, trigger}`. After `maxRecoveries` rollbacks the next
 *    trigger restores the snapshot and throws a `GradclipRecoveryError`.
 *
 * Step counter: `steps` and `StepStats.step` keep counting calls (records stay
 * unique and in order, one per batch); the optimizer state — `iterations`,
 * Adam's bias-correction powers and moments, the transform state — goes back
 * with the snapshot, so with `snapshotEvery: 1` the weights after a rollback
 * continue exactly as a run that never saw the bad batch.
 *
 * Memory: `keep` × (bytes of the updated variables + bytes of the optimizer's
 * slots), e.g. 2 × 3 × the model for Adam with the default `keep`; TF.js
 * buffers are immutable, so a snapshot shares a buffer until the next update
 * replaces it, and then keeps the old one alive.
 *
 * @example
 * ```ts
 * const opt = withRecovery(withClipping(tf.train.adam(1e-3), {globalClipnorm: 1}),
 *   {on: ['nonfinite', 'lossSpike'], snapshotEvery: 10, lrFactor: 0.5});
 * model.compile({optimizer: opt, loss: 'meanSquaredError'});
 * await model.fit(xs, ys, {epochs: 5, callbacks: [gradStatsCallback(opt, {onStep: (s) => s.recovered && console.log(s)})]});
 * console.log(opt.recoveries);
 * ```
 * @param optimizer - a `tf.Optimizer`, a gradclip optimizer (`withClipping`, `withTransforms`, `adamw`) or a name `model.compile` accepts
 * @throws GradclipArgumentError for invalid options, or `lrFactor` ≠ 1 with an optimizer that has no `learningRate`
 */
export function withRecovery(optimizer: Optimizer | OptimizerName, options: WithRecoveryOptions = {}): RecoveringOptimizer {
  const opt = resolveOptimizer(FN, optimizer);
  try {
    return new RecoveringOptimizer(opt, options);
  } catch (e) {
    if (opt !== optimizer) opt.dispose();
    throw e;
  }
}

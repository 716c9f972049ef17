/**
 * A `model.fit` callback that collects gradclip's per-step statistics and
 * hands them to writers, reading them from the device in batches.
 */
import { Callback } from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar } from '@tensorflow/tfjs-core';
import type { StepStats } from '../core/step-stats.js';
import { ClipRateWindow } from '../core/run-metrics.js';
import type { StepWriter } from './writers/types.js';
import { GradclipArgumentError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';

/**
 * What the callback needs from the optimizer: the step statistics buffered on
 * the device and drained in one read. `withTransforms(...)` and
 * `withClipping(...)` return such an optimizer (`TransformingOptimizer`).
 */
export interface StepStatsSource {
  /** Reads and removes the buffered steps' statistics (one device read). */
  drainStats(): Promise<StepStats[]>;
  /** The optimizer's config; `statsBuffer` (steps kept on the device) is read from it. */
  getConfig(): { [key: string]: unknown };
}

/** Options of {@link gradStatsCallback}. */
export interface GradStatsCallbackOptions {
  /** Called with every step's statistics, in step order (may be async). */
  onStep?: (stats: StepStats) => void | Promise<void>;
  /** Sinks that receive every record (JSONL, CSV, TensorBoard, memory); flushed at epoch end. */
  writers?: readonly StepWriter[];
  /**
   * Read the statistics from the device every `flushEvery` batches (and at
   * every epoch end). One read per flush, whatever the number of steps: on GPU
   * backends this is the only sync the callback adds. Must not exceed the
   * optimizer's `statsBuffer` (older steps would be dropped before the read).
   * @default the optimizer's `statsBuffer`
   */
  flushEvery?: number;
  /**
   * Close the writers when a `model.fit` call ends. By default they are only
   * flushed, so the same callback (and its writers) serves any number of
   * `fit` calls, the fit-per-epoch pattern of many TF.js examples; close them
   * with {@link GradStatsCallback.close} (or each writer's `close()`) after
   * the last one. With `true` a second `fit` call fails, as the writers are closed.
   * @default false
   */
  closeWriters?: boolean;
  /** Applied steps in the rolling window of {@link GradStatsCallback.clipRate}. @default 100 */
  clipRateWindow?: number;
}


interface BatchRecord {
  /** The loss from the batch logs: a number, a kept clone of the scalar, or null. */
  loss: number | Scalar | null;
  /** `Date.now()` at the end of the batch. */
  time: number;
}

const FN = 'gradStatsCallback';

/**
 * The callback class behind {@link gradStatsCallback}; a tfjs-layers
 * `Callback`, so it can be passed to `model.fit({callbacks})` directly.
 */
export class GradStatsCallback extends Callback {
  private readonly source: StepStatsSource;
  private readonly onStep?: (stats: StepStats) => void | Promise<void>;
  private readonly writers: readonly StepWriter[];
  /** Batches between device reads. */
  readonly flushEvery: number;
  private readonly closeWriters: boolean;
  private pending: BatchRecord[] = [];
  private closed = false;
  private readonly clipWindow: ClipRateWindow;

  constructor(optimizer: StepStatsSource, opts: GradStatsCallbackOptions) {
    super();
    if (opts === undefined || opts === null) {
      throw new GradclipArgumentError(`${FN}: pass onStep and/or writers, otherwise the statistics go nowhere`);
    }
    const options = checkOptions<GradStatsCallbackOptions>(FN, opts, {
      onStep: 'function',
      writers: 'array',
      flushEvery: 'checked',
      closeWriters: 'boolean',
      clipRateWindow: 'checked',
    });
    if (!optimizer || typeof optimizer.drainStats !== 'function' || typeof optimizer.getConfig !== 'function') {
      throw new GradclipArgumentError(
        `${FN}: optimizer must be a gradclip optimizer with step statistics; wrap yours with withTransforms(optimizer, transform) or withClipping(optimizer, {...}) and pass that same object to model.compile and to ${FN}`,
      );
    }
    if (!options || (options.onStep === undefined && (options.writers === undefined || options.writers.length === 0))) {
      throw new GradclipArgumentError(`${FN}: pass onStep and/or writers, otherwise the statistics go nowhere`);
    }
    if (options.onStep !== undefined && typeof options.onStep !== 'function') {
      throw new GradclipArgumentError(`${FN}: onStep must be a function (stats) => void, got ${typeof options.onStep}`);
    }
    const buffer = optimizer.getConfig().statsBuffer;
    const capacity = typeof buffer === 'number' && Number.isInteger(buffer) && buffer >= 1 ? buffer : 1;
    const flushEvery = options.flushEvery ?? capacity;
    if (!Number.isInteger(flushEvery) || flushEvery < 1) {
      throw new GradclipArgumentError(`${FN}: flushEvery must be an integer >= 1, got ${String(flushEvery)}`);
    }
    if (flushEvery > capacity) {
      throw new GradclipArgumentError(
        `${FN}: flushEvery (${flushEvery}) is larger than the optimizer's statsBuffer (${capacity}), so steps would be dropped before they are read; create the optimizer with withTransforms(opt, transform, {statsBuffer: ${flushEvery}}) or pass flushEvery <= ${capacity}`,
      );
    }
    this.source = optimizer;
    this.onStep = options.onStep;
    this.writers = [...(options.writers ?? [])];
    this.flushEvery = flushEvery;
    this.closeWriters = options.closeWriters ?? false;
    this.clipWindow = new ClipRateWindow(options.clipRateWindow ?? 100);
  }

  /** Clip rate over the last `clipRateWindow` applied steps read so far (null before the first). */
  get clipRate(): number | null {
    return this.clipWindow.rate;
  }

  /** At the start of `model.fit`: discards statistics of steps taken before it, so records line up with this fit's batches. */
  override async onTrainBegin(): Promise<void> {
    // Drop anything left from steps taken outside this fit call.
    await this.source.drainStats();
  }

  /**
   * After every batch: keeps the batch's loss from `logs` (a number or a
   * scalar, which is cloned) and reads the statistics every `flushEvery` batches.
   */
  override async onBatchEnd(_batch: number, logs?: { [key: string]: number | Scalar }): Promise<void> {
    const raw = logs?.loss;
    // keep a clone: fit disposes the logs' tensors right after this callback
    const loss = raw === undefined ? null : typeof raw === 'number' ? raw : tf.keep(tf.clone(raw));
    this.pending.push({ loss, time: Date.now() });
    if (this.pending.length >= this.flushEvery) await this.flush();
  }

  /** At every epoch end: reads the buffered statistics and flushes the writers. */
  override async onEpochEnd(): Promise<void> {
    await this.flush();
    for (const w of this.writers) w.flush();
  }

  /** When `model.fit` ends: reads the last statistics, then flushes the writers (or closes them with `closeWriters: true`). */
  override async onTrainEnd(): Promise<void> {
    await this.flush();
    if (this.closed) return;
    if (this.closeWriters) await this.close();
    else for (const w of this.writers) w.flush();
  }

  /**
   * Reads the last buffered statistics, then closes every writer (once; later
   * calls do nothing). Call it after the last `model.fit`.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    for (const w of this.writers) w.close();
  }

  /**
   * Reads every buffered step from the device (one read for the statistics,
   * plus one for the batch losses only when the optimizer did not record
   * them) and hands the records on. Safe to call at any time.
   */
  async flush(): Promise<void> {
    const records = this.pending;
    this.pending = [];
    try {
      const stats = await this.source.drainStats();
      // pair the drained steps with the most recent batches, in order
      const offset = records.length - stats.length;
      const missing: Array<{ s: StepStats; t: Scalar }> = [];
      stats.forEach((s, i) => {
        const r = offset + i >= 0 ? records[offset + i] : undefined;
        if (!r) return;
        if (s.time === undefined) s.time = r.time;
        if (s.loss === null && r.loss !== null) {
          if (typeof r.loss === 'number') s.loss = r.loss;
          else missing.push({ s, t: r.loss });
        }
      });
      if (missing.length > 0) {
        const all = tf.stack(missing.map((m) => m.t));
        const values = await all.data();
        all.dispose();
        missing.forEach((m, i) => (m.s.loss = values[i]));
      }
      for (const s of stats) {
        this.clipWindow.push(s);
        if (this.onStep) await this.onStep(s);
        for (const w of this.writers) w.write(s);
      }
    } finally {
      for (const r of records) if (r.loss !== null && typeof r.loss !== 'number') r.loss.dispose();
    }
  }
}

/**
 * Creates a `model.fit` callback that collects one {@link StepStats} per batch
 * from a `withTransforms` / `withClipping` optimizer and hands it to `onStep`
 * and to `writers`.
 *
 * Host reads are batched: the optimizer keeps each step's statistics on the
 * device (up to its `statsBuffer` steps), and the callback reads them in one
 * transfer every `flushEvery` batches and at each epoch end, so a GPU backend
 * is not synced every step. Use a larger `statsBuffer` (e.g. 50) on GPU
 * backends; on cpu/wasm reads are free. (Adaptive transforms such as
 * `autoClip`, `zClip` and the guards read one scalar per step themselves.)
 * The loss comes from the optimizer (`minimize`'s cost) or, when it did not
 * record one, from the batch logs. Writers are flushed at each epoch end and
 * when `fit` ends, and stay open across `fit` calls until
 * {@link GradStatsCallback.close} (or `closeWriters: true`).
 *
 * @example
 * ```ts
 * const opt = withTransforms(tf.train.adam(1e-3), transforms.chain(transforms.monitor(), transforms.clipByGlobalNorm(1)), { statsBuffer: 50 });
 * model.compile({ optimizer: opt, loss: 'meanSquaredError' });
 * await model.fit(xs, ys, { callbacks: [gradStatsCallback(opt, { writers: [openRunWriters('runs/a')] })] }); // openRunWriters: gradclip/node
 * ```
 * @throws when the optimizer has no step statistics, neither `onStep` nor
 *   `writers` is given, or `flushEvery` exceeds the optimizer's `statsBuffer`.
 */
export function gradStatsCallback(optimizer: StepStatsSource, options: GradStatsCallbackOptions): GradStatsCallback {
  return new GradStatsCallback(optimizer, options);
}

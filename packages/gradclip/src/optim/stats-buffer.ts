/**
 * The per-step statistics of a wrapped optimizer, kept on the device until
 * read: each step's measurements are packed into one small float32 tensor
 * `[preClipNorm, postClipNorm, clipCoef, clipped, loss, ...layerNorms]`, so a
 * GPU backend is not synced every step; reading concatenates the buffered
 * steps and transfers them at once, then decodes {@link StepStats}.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor } from '@tensorflow/tfjs-core';
import type { StepStats } from '../core/step-stats.js';
import { normOf } from '../kernels/dispatch.js';
import { disposeInfo } from '../transforms/info.js';
import type { TransformInfo } from '../transforms/types.js';

/** One step's statistics, still on the device. */
interface PendingStats {
  step: number;
  skipped: boolean;
  /** A gradient-accumulation micro-step (`info.accumulating`): reported with null norms. */
  accumulated: boolean;
  /** [preClipNorm, postClipNorm, clipCoef, clipped, loss, ...layerNorms] */
  packed: Tensor;
  layerNames: string[];
  /** Whether pre/post norms and the coefficient were measured (else reported as null). */
  measured: boolean;
  /** Whether the loss was captured (through `minimize`); else reported as null. */
  hasLoss: boolean;
}

/** What {@link StatsBuffer.record} needs about one step. */
export interface StepRecord {
  /** 1-based step number. */
  step: number;
  /** The gradients as computed (before any transform). */
  grads: NamedTensorMap;
  /** The gradients handed to the optimizer (`grads` itself when unchanged). */
  updates: NamedTensorMap;
  /** The transform's measurements (disposed by `record`). */
  info: TransformInfo;
  /** Whether a guard skipped the update. */
  skipped: boolean;
  /** Whether the step was a gradient-accumulation micro-step (no update; `skipped` is true too). @default false */
  accumulated?: boolean;
  /** The step's loss (from `minimize`), or null. Not disposed. */
  loss: Scalar | null;
}

/** Options of {@link StatsBuffer}. */
export interface StatsBufferOptions {
  /** Steps kept on the device before the oldest are dropped (integer >= 1). */
  size: number;
  /** Measure the pre/post norms when the transform did not report them. */
  measure: boolean;
  /** Record per-variable norms when the transform did not report them. */
  layerNorms: boolean;
}

const NAN = Number.NaN;
const FN = 'withTransforms';

/** A bounded buffer of device-side step statistics (see the module comment). */
export class StatsBuffer {
  private buffer: PendingStats[] = [];
  /** The newest record read by a drain, kept so that `last()` still answers after the buffer is drained. */
  private lastRead: StepStats | null = null;

  constructor(private readonly options: StatsBufferOptions) {}

  /**
   * Packs one step's statistics into a kept device tensor (no host sync) and
   * disposes `info`. Missing measurements are computed from `grads`/`updates`
   * when `measure` is on (one fused norm pass each), else stored as NaN and
   * decoded as null.
   */
  record(r: StepRecord): void {
    const { grads, updates, info } = r;
    const accumulated = r.accumulated === true;
    if (accumulated) {
      // a micro-step applied no update: its norms are not measured (null), only the loss is kept
      const packed = tf.tidy(() => tf.concat([tf.tensor1d([NAN, NAN, NAN, 0]), tf.reshape(tf.cast(r.loss ?? tf.scalar(NAN), 'float32'), [1])]));
      disposeInfo(info);
      this.push({ step: r.step, skipped: true, accumulated, packed: tf.keep(packed), layerNames: [], measured: false, hasLoss: r.loss !== null });
      return;
    }
    const layerNames = info.layerNorms ? Object.keys(info.layerNorms) : this.options.layerNorms ? Object.keys(grads) : [];
    const measure = this.options.measure;
    const packed = tf.tidy(() => {
      const nan = tf.scalar(NAN);
      const pre = info.preClipNorm ?? (measure ? normOf(FN, Object.values(grads), 2, undefined) : nan);
      const post =
        info.postClipNorm ?? (measure ? (updates === grads ? pre : normOf(FN, Object.values(updates), 2, undefined)) : nan);
      const coef = info.clipCoef ?? tf.where(tf.greater(pre, 0), tf.div(post, pre), tf.onesLike(pre));
      const clipped =
        info.clipped === undefined
          ? tf.cast(tf.less(coef, 1), 'float32')
          : typeof info.clipped === 'boolean'
            ? tf.scalar(info.clipped ? 1 : 0)
            : info.clipped;
      const loss = r.loss ?? nan;
      const parts: Tensor[] = [pre, post, coef, clipped, loss].map((t) => tf.reshape(tf.cast(t, 'float32'), [1]));
      if (layerNames.length > 0) {
        const ln = info.layerNorms ?? {};
        parts.push(tf.stack(layerNames.map((n) => ln[n] ?? normOf(FN, [grads[n]], 2, undefined))) as Tensor);
      }
      return tf.concat(parts);
    });
    const measured = measure || info.preClipNorm !== undefined;
    disposeInfo(info);
    // keep: model.fit runs each step inside a tf.tidy; the record must outlive it.
    this.push({ step: r.step, skipped: r.skipped, accumulated: false, packed: tf.keep(packed), layerNames, measured, hasLoss: r.loss !== null });
  }

  private push(p: PendingStats): void {
    this.buffer.push(p);
    while (this.buffer.length > this.options.size) this.buffer.shift()?.packed.dispose();
  }

  /**
   * The newest step's statistics: read now when it is still buffered (a host
   * sync on GPU backends), else the newest record a drain returned (a copy);
   * null before the first step. Keeps the buffer.
   */
  last(): StepStats | null {
    const p = this.buffer[this.buffer.length - 1];
    if (!p) return this.lastRead === null ? null : copy(this.lastRead);
    return decode(p, p.packed.dataSync(), 0);
  }

  /** Reads and removes every buffered step with one asynchronous device read. */
  async drain(): Promise<StepStats[]> {
    const pending = this.take();
    if (pending.length === 0) return [];
    const all = tf.concat(pending.map((p) => p.packed));
    const values = await all.data();
    all.dispose();
    return this.remember(decodeAll(pending, values));
  }

  /** Synchronous {@link drain} (one host sync for all buffered steps). */
  drainSync(): StepStats[] {
    const pending = this.take();
    if (pending.length === 0) return [];
    const all = tf.concat(pending.map((p) => p.packed));
    const values = all.dataSync();
    all.dispose();
    return this.remember(decodeAll(pending, values));
  }

  /** Frees every buffered tensor. */
  dispose(): void {
    for (const p of this.buffer) p.packed.dispose();
    this.buffer = [];
  }

  private remember(stats: StepStats[]): StepStats[] {
    if (stats.length > 0) this.lastRead = copy(stats[stats.length - 1]);
    return stats;
  }

  private take(): PendingStats[] {
    const pending = this.buffer;
    this.buffer = [];
    return pending;
  }
}

function copy(s: StepStats): StepStats {
  return s.layerNorms ? { ...s, layerNorms: { ...s.layerNorms } } : { ...s };
}

function decode(p: PendingStats, v: ArrayLike<number>, offset: number): StepStats {
  const num = (x: number): number | null => (p.measured ? x : null);
  const s: StepStats = {
    step: p.step,
    preClipNorm: num(v[offset]),
    postClipNorm: num(v[offset + 1]),
    clipCoef: num(v[offset + 2]),
    clipped: v[offset + 3] > 0.5 && !p.skipped,
    skipped: p.skipped,
    loss: p.hasLoss ? v[offset + 4] : null,
  };
  if (p.accumulated) s.accumulated = true;
  if (p.layerNames.length > 0) {
    const ln: Record<string, number> = {};
    p.layerNames.forEach((n, i) => (ln[n] = v[offset + 5 + i]));
    s.layerNorms = ln;
  }
  return s;
}

/** Decodes the concatenated values of `pending` and frees their tensors. */
function decodeAll(pending: readonly PendingStats[], values: ArrayLike<number>): StepStats[] {
  const out: StepStats[] = [];
  let off = 0;
  for (const p of pending) {
    out.push(decode(p, values, off));
    off += p.packed.size;
    p.packed.dispose();
  }
  return out;
}

/**
 * Pure encoders for TensorBoard event files (browser-safe): which scalars a
 * {@link StepStats} becomes, and the framed bytes of each event.
 *
 * An event file (`events.out.tfevents.<unix seconds>.<hostname>`) is a TFRecord
 * file whose first record is `Event{wall_time, file_version: "brain.Event:2"}`
 * and whose later records are `Event{wall_time, step, summary}`. Source:
 * TensorFlow `tensorflow/core/util/events_writer.cc` and TensorBoard's
 * `tensorboard/summary/writer/event_file_writer.py`.
 *
 * @packageDocumentation
 */
import type { StepStats } from '../../core/step-stats.js';
import { encodeTfRecord } from './tfrecord.js';
import { RUN_FILES } from './run-layout.js';
import { encodeTfEventProto, type TfEvent, type TfSummaryValue } from './tf-event-proto.js';
import { GradclipArgumentError, requireRecord, requireStepRecord } from '../../core/errors.js';

/** The `file_version` written in the first event of every file. */
export const TF_EVENTS_FILE_VERSION = 'brain.Event:2';

/**
 * TensorBoard tags used for each {@link StepStats} field (**contract**: the
 * dashboard, docs and users' TensorBoard layouts rely on them).
 */
export const TB_TAGS = {
  /** `StepStats.loss`. */
  loss: 'loss',
  /** `StepStats.preClipNorm`. */
  preClipNorm: 'grad_norm/pre_clip',
  /** `StepStats.postClipNorm`. */
  postClipNorm: 'grad_norm/post_clip',
  /** `StepStats.clipCoef`. */
  clipCoef: 'grad_norm/clip_coef',
  /** `StepStats.clipped` as 0/1. */
  clipped: 'grad/clipped',
  /** `StepStats.skipped` as 0/1. */
  skipped: 'grad/skipped',
  /** Prefix of the per-layer norm tags: `grad_norm/layer/<variable name>`. */
  layerPrefix: 'grad_norm/layer/',
  /** `StepStats.recovered.lostSteps`, written only on a step that rolled back (`withRecovery`). */
  recoveredLostSteps: 'recovery/lost_steps',
  /** `StepStats.flow.growth`, the fitted growth per time step backward (written on a step with `flow`, when not null). */
  flowGrowth: 'flow/growth',
  /** `StepStats.flow.spectralNorm` (written when measured). */
  flowSpectralNorm: 'flow/spectral_norm',
  /** `StepStats.flow.spectralRadius` (written when measured). */
  flowSpectralRadius: 'flow/spectral_radius',
} as const;

/**
 * The scalars written for one step, in this order: `loss`,
 * `grad_norm/pre_clip`, `grad_norm/post_clip`, `grad_norm/clip_coef` (each
 * only when not `null`), `grad/clipped`, `grad/skipped` (0 or 1), then
 * `grad_norm/layer/<name>` for every entry of `layerNorms` in insertion order,
 * `recovery/lost_steps` on a step that rolled back (`StepStats.recovered`),
 * and on a step with `StepStats.flow` its scalars `flow/growth`,
 * `flow/spectral_norm`, `flow/spectral_radius` (those present; the
 * per-time-step norms stay in `steps.jsonl`).
 * Non-finite values are kept (TensorBoard plots NaN/Inf); values are stored as
 * float32 on disk.
 *
 * @param stats - the step record
 * @returns the summary values
 */
export function stepStatsToSummaryValues(stats: StepStats): TfSummaryValue[] {
  const out: TfSummaryValue[] = [];
  const add = (tag: string, v: number | null): void => {
    if (v !== null) out.push({ tag, simpleValue: v });
  };
  add(TB_TAGS.loss, stats.loss);
  add(TB_TAGS.preClipNorm, stats.preClipNorm);
  add(TB_TAGS.postClipNorm, stats.postClipNorm);
  add(TB_TAGS.clipCoef, stats.clipCoef);
  add(TB_TAGS.clipped, stats.clipped ? 1 : 0);
  add(TB_TAGS.skipped, stats.skipped ? 1 : 0);
  if (stats.layerNorms) {
    for (const [name, v] of Object.entries(stats.layerNorms)) add(TB_TAGS.layerPrefix + name, v);
  }
  if (stats.recovered !== undefined) add(TB_TAGS.recoveredLostSteps, stats.recovered.lostSteps);
  if (stats.flow !== undefined) {
    add(TB_TAGS.flowGrowth, stats.flow.growth);
    add(TB_TAGS.flowSpectralNorm, stats.flow.spectralNorm ?? null);
    add(TB_TAGS.flowSpectralRadius, stats.flow.spectralRadius ?? null);
  }
  return out;
}

/**
 * The event for one step: `Event{wall_time, step, summary}`.
 *
 * @param stats - the step record; `stats.step` must be a safe integer
 * @param wallTime - seconds since the epoch; defaults to `stats.time / 1000`
 *   when the record has a time, else to the current time
 * @returns the event
 */
export function stepStatsToTfEvent(stats: StepStats, wallTime?: number): TfEvent {
  requireStepRecord('stepStatsToTfEvent', 'stats', stats);
  const wt = wallTime ?? (stats.time !== undefined ? stats.time / 1000 : Date.now() / 1000);
  return { wallTime: wt, step: stats.step, summary: { value: stepStatsToSummaryValues(stats) } };
}

/**
 * The first event of a file: `Event{wall_time, file_version: "brain.Event:2"}`.
 *
 * @param wallTime - seconds since the epoch
 * @returns the event
 */
export function fileVersionEvent(wallTime: number): TfEvent {
  return { wallTime, step: 0, fileVersion: TF_EVENTS_FILE_VERSION };
}

/**
 * One complete TFRecord frame holding `event` (protobuf + framing), ready to
 * be appended to an event file in a single write.
 *
 * @param event - the event
 * @returns the framed bytes
 */
export function encodeTfEvent(event: TfEvent): Uint8Array {
  requireRecord('encodeTfEvent', 'event', event, 'a TfEvent {wallTime, step, summary?}');
  return encodeTfRecord(encodeTfEventProto(event));
}

/**
 * The conventional event file name, `events.out.tfevents.<unix seconds>.<hostname>`
 * (TensorBoard loads every file whose name contains `tfevents`).
 *
 * @param unixSeconds - integer seconds since the epoch
 * @param hostname - machine name; must not contain `/` or `\`
 * @returns the file name
 */
export function tfEventsFileName(unixSeconds: number, hostname: string): string {
  if (!Number.isInteger(unixSeconds) || unixSeconds < 0) {
    throw new GradclipArgumentError(`tfEventsFileName: unixSeconds must be a non-negative integer, got ${unixSeconds}`);
  }
  if (typeof hostname !== 'string' || hostname.length === 0 || /[\\/]/.test(hostname)) {
    throw new GradclipArgumentError(`tfEventsFileName: hostname must be a non-empty name without "/" or "\\", got ${JSON.stringify(hostname)}`);
  }
  return `${RUN_FILES.tfEventsPrefix}${unixSeconds}.${hostname}`;
}

/**
 * TensorBoard event file reader (pure, browser-safe).
 *
 * @packageDocumentation
 */
import type { StepStats } from '../../core/step-stats.js';
import { decodeTfEventProto, type TfEvent } from '../writers/tf-event-proto.js';
import { TB_TAGS } from '../writers/tf-events.js';
import { readTfRecords } from './tfrecord.js';
import { requireArray, requireBytes, requireRecord } from '../../core/errors.js';

/** What {@link readTfEvents} returns. */
export interface TfEventsResult {
  /** Every complete, CRC-valid, decodable event in file order (the `file_version` event included). */
  events: TfEvent[];
  /** Problems found (truncated tail, CRC mismatch, undecodable protobuf), with byte offsets. */
  warnings: string[];
}

/**
 * Reads a TensorBoard event file: TFRecord frames with both CRC32C checks
 * (see `readTfRecords`), each payload decoded as `tensorflow.Event` with
 * gradclip's hand-written protobuf decoder (no code generation, so it works
 * under a strict Content-Security-Policy). A truncated last record is ignored
 * with a warning; a record that fails its data CRC or protobuf decoding is
 * skipped with a warning: malformed bytes never throw (only an argument that is not a Uint8Array does).
 *
 * @param bytes - the file contents
 * @returns the events and warnings
 */
export function readTfEvents(bytes: Uint8Array): TfEventsResult {
  requireBytes('readTfEvents', 'bytes', bytes);
  const { records, warnings } = readTfRecords(bytes);
  const events: TfEvent[] = [];
  records.forEach((rec, i) => {
    try {
      events.push(decodeTfEventProto(rec));
    } catch (e) {
      warnings.push(`record ${i + 1}: not a tensorflow.Event (${e instanceof Error ? e.message : String(e)}); skipped`);
    }
  });
  return { events, warnings };
}

/**
 * Rebuilds step records from events written by `TfEventsWriter` (the inverse
 * of `stepStatsToSummaryValues`, up to float32 rounding): one record per
 * distinct step, in order of first appearance; values of several events with
 * the same step are merged, later ones winning. Tags gradclip does not write
 * are ignored; absent norms/loss become `null`, absent `grad/clipped` and
 * `grad/skipped` become `false`; `time` is `wall_time * 1000`.
 *
 * @param events - events as returned by {@link readTfEvents}
 * @returns the step records
 */
export function tfEventsToStepStats(events: readonly TfEvent[]): StepStats[] {
  requireArray('tfEventsToStepStats', 'events', events, 'TfEvent records (from readTfEvents)').forEach((e, i) =>
    requireRecord('tfEventsToStepStats', `events[${i}]`, e, 'a TfEvent {wallTime, step, summary?}'),
  );
  const bySteps = new Map<number, StepStats>();
  for (const ev of events) {
    if (ev.summary === undefined) continue;
    let s = bySteps.get(ev.step);
    if (s === undefined) {
      s = { step: ev.step, loss: null, preClipNorm: null, postClipNorm: null, clipCoef: null, clipped: false, skipped: false };
      bySteps.set(ev.step, s);
    }
    s.time = ev.wallTime * 1000;
    for (const { tag, simpleValue: v } of ev.summary.value) {
      if (tag === TB_TAGS.loss) s.loss = v;
      else if (tag === TB_TAGS.preClipNorm) s.preClipNorm = v;
      else if (tag === TB_TAGS.postClipNorm) s.postClipNorm = v;
      else if (tag === TB_TAGS.clipCoef) s.clipCoef = v;
      else if (tag === TB_TAGS.clipped) s.clipped = v !== 0;
      else if (tag === TB_TAGS.skipped) s.skipped = v !== 0;
      else if (tag.startsWith(TB_TAGS.layerPrefix)) {
        (s.layerNorms ??= {})[tag.slice(TB_TAGS.layerPrefix.length)] = v;
      }
    }
  }
  return [...bySteps.values()];
}

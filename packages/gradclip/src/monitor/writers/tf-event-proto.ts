/**
 * The subset of TensorFlow's `Event` / `Summary` protocol buffers that
 * gradclip writes and reads, encoded and decoded by hand on the protobuf wire
 * format (`./protobuf-wire.ts`): no dependency, no code generation (so no
 * `Function`/`eval`, which a strict page Content-Security-Policy forbids).
 * Pure and browser-safe. The bytes written are identical to protobufjs's
 * for the same message (a test checks it).
 *
 * Field numbers are those of `tensorflow/core/util/event.proto` and
 * `tensorflow/core/framework/summary.proto` (mirrored in TensorBoard as
 * `tensorboard/compat/proto/event.proto` and `summary.proto`):
 * ```
 * message Event   { double wall_time = 1; int64 step = 2;
 *                   oneof what { string file_version = 3; bytes graph_def = 4; Summary summary = 5;
 *                                LogMessage log_message = 6; SessionLog session_log = 7;
 *                                TaggedRunMetadata tagged_run_metadata = 8; bytes meta_graph_def = 9; }
 *                   SourceMetadata source_metadata = 10; }
 * message Summary { repeated Value value = 1;
 *   message Value { string node_name = 7; string tag = 1; SummaryMetadata metadata = 9;
 *                   oneof value { float simple_value = 2; bytes obsolete_old_style_histogram = 3;
 *                                 Image image = 4; HistogramProto histo = 5; Audio audio = 6;
 *                                 TensorProto tensor = 8; } } }
 * ```
 * Only `wall_time`, `step`, `file_version`, `summary`, `tag` and
 * `simple_value` are kept; every other field is skipped. Writing order is by
 * field number, as protobufjs and the C++ serializer do.
 *
 * @packageDocumentation
 */
import { ProtoReader, ProtoWriter, WireType } from './protobuf-wire.js';
import { GradclipArgumentError } from '../../core/errors.js';

/** One scalar of a TensorBoard summary: `Summary.Value{tag, simple_value}`. */
export interface TfSummaryValue {
  /** Tag shown by TensorBoard, e.g. `grad_norm/pre_clip`; `/` groups charts. */
  tag: string;
  /** The value as stored on disk: a float32 (NaN and infinities included). */
  simpleValue: number;
}

/** `tensorflow.Summary`: the values written at one step. */
export interface TfSummary {
  /** The scalars of this summary, in file order. */
  value: TfSummaryValue[];
}

/**
 * `tensorflow.Event`, restricted to the fields gradclip uses. Exactly one of
 * `fileVersion` and `summary` is set on events gradclip writes; on events read
 * from other writers both may be absent (graphs, session logs, ...).
 */
export interface TfEvent {
  /** Seconds since the Unix epoch (a double, sub-second precision). */
  wallTime: number;
  /** Global step (int64 on disk; here a JS number, exact up to 2^53). */
  step: number;
  /** Set on the first event of a file: `"brain.Event:2"`. */
  fileVersion?: string;
  /** The scalars of this step. */
  summary?: TfSummary;
}

/** Field numbers of `tensorflow.Event`. */
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
/** Field numbers of the `what` oneof of `tensorflow.Event` (one set clears the others). */
const EVENT_WHAT = new Set([3, 4, 5, 6, 7, 8, 9]);
/** Field number of `Summary.value`. */
const SUMMARY_VALUE = 1;
/** Field numbers of `tensorflow.Summary.Value`. */
const VALUE = { tag: 1, simpleValue: 2 } as const;
/** Field numbers of the `value` oneof of `Summary.Value`. */
const VALUE_ONEOF = new Set([2, 3, 4, 5, 6, 8]);

/**
 * Serializes an event to protobuf wire format (no TFRecord framing; see
 * `encodeTfRecord`). `step` must be a safe integer. Fields are written in
 * field-number order, `wall_time` and `step` always (zero included), then
 * `file_version` and `summary` when set.
 *
 * @param event - the event to encode
 * @returns the `tensorflow.Event` bytes
 */
export function encodeTfEventProto(event: TfEvent): Uint8Array {
  if (!Number.isSafeInteger(event.step)) {
    throw new GradclipArgumentError(`encodeTfEventProto: event.step must be a safe integer, got ${event.step}`);
  }
  if (typeof event.wallTime !== 'number') {
    throw new GradclipArgumentError(`encodeTfEventProto: event.wallTime must be a number of seconds, got ${String(event.wallTime)}`);
  }
  if (event.fileVersion !== undefined && typeof event.fileVersion !== 'string') {
    throw new GradclipArgumentError(`encodeTfEventProto: event.fileVersion must be a string, got ${String(event.fileVersion)}`);
  }
  const w = new ProtoWriter();
  w.key(EVENT.wallTime, WireType.i64).double(event.wallTime);
  w.key(EVENT.step, WireType.varint).int64(event.step);
  if (event.fileVersion !== undefined) w.key(EVENT.fileVersion, WireType.len).string(event.fileVersion);
  const summary = event.summary;
  if (summary !== undefined) {
    w.key(EVENT.summary, WireType.len).message((s) => {
      summary.value.forEach((v, i) => {
        if (typeof v.tag !== 'string' || typeof v.simpleValue !== 'number') {
          throw new GradclipArgumentError(
            `encodeTfEventProto: event.summary.value[${i}] must be {tag: string, simpleValue: number}, got ${JSON.stringify(v)}`,
          );
        }
        s.key(SUMMARY_VALUE, WireType.len).message((vw) => {
          vw.key(VALUE.tag, WireType.len).string(v.tag);
          vw.key(VALUE.simpleValue, WireType.i32).float(v.simpleValue);
        });
      });
    });
  }
  return w.finish();
}

/** Decodes `Summary.Value`; null when it carries no `simple_value` (a tensor, image, histogram ...). */
function decodeValue(r: ProtoReader): TfSummaryValue | null {
  let tag = '';
  let simpleValue: number | null = null;
  while (!r.done) {
    const f = r.next();
    if (f.field === VALUE.tag && f.wireType === WireType.len) tag = r.string();
    else if (f.field === VALUE.simpleValue && f.wireType === WireType.i32) simpleValue = r.float();
    else {
      // Another member of the `value` oneof replaces an earlier simple_value.
      if (VALUE_ONEOF.has(f.field)) simpleValue = null;
      r.skip(f);
    }
  }
  return simpleValue === null ? null : { tag, simpleValue };
}

/** Decodes `tensorflow.Summary` into `into` (repeated `value` fields append, as protobuf merges them). */
function decodeSummary(r: ProtoReader, into: TfSummaryValue[]): void {
  while (!r.done) {
    const f = r.next();
    if (f.field === SUMMARY_VALUE && f.wireType === WireType.len) {
      const v = decodeValue(r.sub());
      if (v !== null) into.push(v);
    } else r.skip(f);
  }
}

/**
 * Parses `tensorflow.Event` bytes. Throws an `Error` (a `ProtobufDecodeError`
 * naming what is wrong and the byte offset) on malformed protobuf: a
 * truncated varint, fixed-width value or length-delimited field, a varint of
 * more than 10 bytes, field number 0, wire type 6 or 7, an unbalanced group.
 *
 * Unknown fields (graphs, session logs, run metadata ...) and known fields
 * with an unexpected wire type are skipped, as the reference protobuf
 * parsers do. Summary values without a `simple_value` (tensor summaries,
 * images, histograms) are dropped. Proto3 defaults apply: an absent
 * `wall_time`/`step` is 0, an absent `tag` is `""`. Oneof rules apply: of
 * `file_version`, `summary` and the other `what` fields the last one present
 * wins; a repeated `summary` field merges (its values are concatenated).
 * `step` is exact up to 2^53 in magnitude.
 *
 * @param bytes - the payload of one TFRecord frame
 * @returns the decoded event
 */
export function decodeTfEventProto(bytes: Uint8Array): TfEvent {
  const r = new ProtoReader(bytes);
  let wallTime = 0;
  let step = 0;
  let fileVersion: string | undefined;
  let values: TfSummaryValue[] | undefined;
  while (!r.done) {
    const f = r.next();
    if (f.field === EVENT.wallTime && f.wireType === WireType.i64) wallTime = r.double();
    else if (f.field === EVENT.step && f.wireType === WireType.varint) step = r.int64();
    else if (f.field === EVENT.fileVersion && f.wireType === WireType.len) {
      fileVersion = r.string();
      values = undefined;
    } else if (f.field === EVENT.summary && f.wireType === WireType.len) {
      fileVersion = undefined;
      values ??= [];
      decodeSummary(r.sub(), values);
    } else {
      if (EVENT_WHAT.has(f.field) && f.wireType === WireType.len) {
        fileVersion = undefined;
        values = undefined;
      }
      r.skip(f);
    }
  }
  const ev: TfEvent = { wallTime, step };
  if (fileVersion !== undefined) ev.fileVersion = fileVersion;
  if (values !== undefined) ev.summary = { value: values };
  return ev;
}

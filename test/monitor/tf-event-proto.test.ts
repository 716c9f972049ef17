/**
 * The hand-written `tensorflow.Event` codec against protobufjs (kept as a
 * devDependency only for this test):
 *
 * - encoding is byte-for-byte protobufjs's for the same message (fixed cases
 *   and a seeded property over doubles, int64 steps, Unicode tags, float32
 *   values including NaN, ±Infinity, -0 and subnormals);
 * - decoding protobufjs-encoded bytes gives the message back, and protobufjs
 *   decodes ours;
 * - unknown fields of every wire type (groups included), known fields with an
 *   unexpected wire type and non-scalar summary values are skipped; oneof
 *   and merge rules of the protobuf spec hold;
 * - malformed bytes throw a `ProtobufDecodeError` that says what and where,
 *   and `readTfEvents` turns it into a warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs/light.js';
import {
  decodeTfEventProto,
  encodeTfEventProto,
  type TfEvent,
} from 'gradclip';
import { ProtobufDecodeError, ProtoReader, ProtoWriter } from '../../packages/gradclip/src/monitor/writers/protobuf-wire.js';
import { encodeTfRecord } from '../../packages/gradclip/src/monitor/writers/tfrecord.js';
import { readTfEvents } from 'gradclip';

// The schema the library used with protobufjs before the hand-written codec.
const SCHEMA = {
  nested: {
    tensorflow: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['fileVersion', 'summary'] } },
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              oneofs: { value: { oneof: ['simpleValue'] } },
              fields: { tag: { type: 'string', id: 1 }, simpleValue: { type: 'float', id: 2 } },
            },
          },
        },
      },
    },
  },
};

// A larger part of the real schemas (event.proto, summary.proto, tensor.proto,
// tensor_shape.proto), for messages with fields gradclip does not read.
const FULL_SCHEMA = {
  nested: {
    tensorflow: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['fileVersion', 'graphDef', 'summary', 'logMessage', 'sessionLog', 'taggedRunMetadata', 'metaGraphDef'] } },
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            graphDef: { type: 'bytes', id: 4 },
            summary: { type: 'Summary', id: 5 },
            logMessage: { type: 'LogMessage', id: 6 },
            sessionLog: { type: 'SessionLog', id: 7 },
            taggedRunMetadata: { type: 'TaggedRunMetadata', id: 8 },
            metaGraphDef: { type: 'bytes', id: 9 },
            sourceMetadata: { type: 'SourceMetadata', id: 10 },
          },
        },
        LogMessage: { fields: { level: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } },
        SessionLog: { fields: { status: { type: 'int32', id: 1 }, checkpointPath: { type: 'string', id: 2 }, msg: { type: 'string', id: 3 } } },
        TaggedRunMetadata: { fields: { tag: { type: 'string', id: 1 }, runMetadata: { type: 'bytes', id: 2 } } },
        SourceMetadata: { fields: { writer: { type: 'string', id: 1 } } },
        SummaryMetadata: {
          fields: {
            pluginData: { type: 'PluginData', id: 1 },
            displayName: { type: 'string', id: 2 },
            summaryDescription: { type: 'string', id: 3 },
            dataClass: { type: 'int32', id: 4 },
          },
          nested: { PluginData: { fields: { pluginName: { type: 'string', id: 1 }, content: { type: 'bytes', id: 2 } } } },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 }, unknownRank: { type: 'bool', id: 3 } },
          nested: { Dim: { fields: { size: { type: 'int64', id: 1 }, name: { type: 'string', id: 2 } } } },
        },
        TensorProto: {
          fields: {
            dtype: { type: 'int32', id: 1 },
            tensorShape: { type: 'TensorShapeProto', id: 2 },
            tensorContent: { type: 'bytes', id: 4 },
            floatVal: { rule: 'repeated', type: 'float', id: 5, options: { packed: true } },
            doubleVal: { rule: 'repeated', type: 'double', id: 6, options: { packed: true } },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              oneofs: { value: { oneof: ['simpleValue', 'obsoleteOldStyleHistogram', 'tensor'] } },
              fields: {
                nodeName: { type: 'string', id: 7 },
                tag: { type: 'string', id: 1 },
                metadata: { type: 'SummaryMetadata', id: 9 },
                simpleValue: { type: 'float', id: 2 },
                obsoleteOldStyleHistogram: { type: 'bytes', id: 3 },
                tensor: { type: 'TensorProto', id: 8 },
              },
            },
          },
        },
      },
    },
  },
};

const EventPb = protobuf.Root.fromJSON(SCHEMA).lookupType('tensorflow.Event');
const FullEventPb = protobuf.Root.fromJSON(FULL_SCHEMA).lookupType('tensorflow.Event');

function pbEncode(ev: TfEvent): Uint8Array {
  return EventPb.encode(EventPb.fromObject(ev as unknown as Record<string, unknown>)).finish();
}

function pbDecode(bytes: Uint8Array): TfEvent {
  const o = EventPb.toObject(EventPb.decode(bytes), { longs: Number }) as {
    wallTime?: number;
    step?: number;
    fileVersion?: string;
    summary?: { value?: { tag?: string; simpleValue?: number }[] };
  };
  const ev: TfEvent = { wallTime: o.wallTime ?? 0, step: o.step ?? 0 };
  if (o.fileVersion !== undefined) ev.fileVersion = o.fileVersion;
  if (o.summary !== undefined) {
    ev.summary = { value: (o.summary.value ?? []).map((v) => ({ tag: v.tag ?? '', simpleValue: v.simpleValue ?? 0 })) };
  }
  return ev;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The event as it comes back from disk: summary values rounded to float32. */
function asStored(ev: TfEvent): TfEvent {
  const out: TfEvent = { wallTime: ev.wallTime, step: ev.step };
  if (ev.fileVersion !== undefined) out.fileVersion = ev.fileVersion;
  if (ev.summary !== undefined) out.summary = { value: ev.summary.value.map((v) => ({ tag: v.tag, simpleValue: Math.fround(v.simpleValue) })) };
  return out;
}

const FIXED: TfEvent[] = [
  { wallTime: 1_700_000_124.455, step: 0, fileVersion: 'brain.Event:2' },
  { wallTime: 0, step: 0 },
  { wallTime: 1.5, step: 1, summary: { value: [] } },
  { wallTime: -0, step: -1, summary: { value: [{ tag: '', simpleValue: 0 }] } },
  { wallTime: Number.NaN, step: 127, summary: { value: [{ tag: 'loss', simpleValue: Number.NaN }] } },
  { wallTime: Number.POSITIVE_INFINITY, step: 128, fileVersion: '' },
  { wallTime: Number.MAX_VALUE, step: 300, summary: { value: [{ tag: 'grad_norm/pre_clip', simpleValue: Number.POSITIVE_INFINITY }] } },
  { wallTime: Number.MIN_VALUE, step: 2 ** 31 - 1, summary: { value: [{ tag: 'x', simpleValue: Number.NEGATIVE_INFINITY }] } },
  { wallTime: 5e-324, step: 2 ** 31, summary: { value: [{ tag: 'y', simpleValue: -0 }, { tag: 'z', simpleValue: 1e-45 }] } },
  { wallTime: 1e300, step: 2 ** 32, summary: { value: [{ tag: 'big', simpleValue: 1e39 }, { tag: 'round', simpleValue: 0.1 }] } },
  { wallTime: 2, step: 2 ** 40 + 3, summary: { value: [{ tag: 'grad_norm/layer/dense/kernel', simpleValue: 3 }] } },
  { wallTime: 3, step: Number.MAX_SAFE_INTEGER, summary: { value: [{ tag: 'é/😀/\u00a0/中文', simpleValue: 2 / 7 }] } },
  { wallTime: 4, step: -Number.MAX_SAFE_INTEGER, summary: { value: [{ tag: '\ufeffbom', simpleValue: 1 }] } },
  { wallTime: 5, step: -(2 ** 32), fileVersion: 'x'.repeat(200) },
  { wallTime: 6, step: 7, summary: { value: Array.from({ length: 40 }, (_, i) => ({ tag: `grad_norm/layer/v${i}`, simpleValue: i * 1.25 })) } },
];

test('encodeTfEventProto: byte-for-byte protobufjs on fixed events', () => {
  for (const ev of FIXED) assert.equal(hex(encodeTfEventProto(ev)), hex(pbEncode(ev)), JSON.stringify(ev));
  // The first event of every file, spelled out.
  assert.equal(hex(encodeTfEventProto({ wallTime: 0, step: 0, fileVersion: 'brain.Event:2' })), '0900000000000000001000' + '1a0d' + Buffer.from('brain.Event:2').toString('hex'));
});

// Strings without lone surrogates (protobufjs writes those as invalid UTF-8; see the test below).
const wellFormed = fc.string({ unit: 'grapheme', maxLength: 12 });
const event: fc.Arbitrary<TfEvent> = fc
  .record({
    wallTime: fc.double(),
    step: fc.oneof(fc.maxSafeInteger(), fc.integer({ min: -300, max: 300 })),
    kind: fc.constantFrom('file', 'summary', 'none'),
    fileVersion: wellFormed,
    values: fc.array(fc.record({ tag: wellFormed, simpleValue: fc.oneof(fc.double(), fc.float()) }), { maxLength: 8 }),
  })
  .map(({ wallTime, step, kind, fileVersion, values }) => {
    const ev: TfEvent = { wallTime, step };
    if (kind === 'file') ev.fileVersion = fileVersion;
    if (kind === 'summary') ev.summary = { value: values };
    return ev;
  });

test('encodeTfEventProto: byte-for-byte protobufjs, and both decoders agree (property, seeded)', () => {
  fc.assert(
    fc.property(event, (ev) => {
      const ours = encodeTfEventProto(ev);
      assert.equal(hex(ours), hex(pbEncode(ev)));
      const back = decodeTfEventProto(ours);
      assert.deepEqual(back, asStored(ev));
      assert.deepEqual(pbDecode(ours), back);
    }),
    { seed: 20240610, numRuns: 1000 },
  );
});

test('decodeTfEventProto: reads protobufjs-encoded bytes', () => {
  for (const ev of FIXED) assert.deepEqual(decodeTfEventProto(pbEncode(ev)), asStored(ev), JSON.stringify(ev));
});

test('UTF-8: a lone surrogate is written as U+FFFD (valid UTF-8; protobufjs writes invalid bytes); invalid bytes read as U+FFFD', () => {
  const ev: TfEvent = { wallTime: 1, step: 1, summary: { value: [{ tag: 'a\ud800b', simpleValue: 1 }] } };
  const bytes = encodeTfEventProto(ev);
  assert.ok(hex(bytes).includes(Buffer.from('a\ufffdb').toString('hex')));
  assert.equal(decodeTfEventProto(bytes).summary?.value[0].tag, 'a\ufffdb');
  // protobufjs's bytes for the same string (ED A0 80: a surrogate, not valid UTF-8) decode to U+FFFD too.
  assert.match(decodeTfEventProto(pbEncode(ev)).summary?.value[0].tag ?? '', /^a\ufffd+b$/);
});

test('decodeTfEventProto: unknown fields, other summary kinds and the rest of the real schema are skipped', () => {
  const msg = FullEventPb.fromObject({
    wallTime: 12.5,
    step: 9,
    summary: {
      value: [
        {
          nodeName: 'n',
          tag: 'loss',
          metadata: { pluginData: { pluginName: 'scalars', content: new Uint8Array([1, 2]) }, displayName: 'Loss', dataClass: 1 },
          simpleValue: 0.5,
        },
        // A TF2-style tensor summary: not a simple_value, dropped.
        { tag: 'tensor_scalar', metadata: { pluginData: { pluginName: 'scalars' } }, tensor: { dtype: 1, tensorShape: {}, floatVal: [3] } },
        { tag: 'histo_bytes', obsoleteOldStyleHistogram: new Uint8Array([9, 9, 9]) },
        { tag: 'grad/clipped', simpleValue: 1 },
      ],
    },
    sourceMetadata: { writer: 'tensorboard.summary.writer' },
  });
  const bytes = FullEventPb.encode(msg).finish();
  assert.deepEqual(decodeTfEventProto(bytes), {
    wallTime: 12.5,
    step: 9,
    summary: {
      value: [
        { tag: 'loss', simpleValue: 0.5 },
        { tag: 'grad/clipped', simpleValue: 1 },
      ],
    },
  });
  // Events that are not summaries: a graph, a session log, run metadata.
  for (const other of [
    { wallTime: 1, step: 2, graphDef: new Uint8Array([8, 1, 18, 0]) },
    { wallTime: 1, step: 2, sessionLog: { status: 1, msg: 'start' } },
    { wallTime: 1, step: 2, taggedRunMetadata: { tag: 't', runMetadata: new Uint8Array(5) } },
    { wallTime: 1, step: 2, logMessage: { level: 20, message: 'hi' } },
  ]) {
    assert.deepEqual(decodeTfEventProto(FullEventPb.encode(FullEventPb.fromObject(other)).finish()), { wallTime: 1, step: 2 });
  }
});

test('decodeTfEventProto: unknown fields of every wire type (groups too) and wrong wire types are skipped', () => {
  const w = new ProtoWriter();
  w.key(100, 0).uint64(0xffffffff, 0xffffffff); // varint, 10 bytes
  w.key(1, 1).double(42.25); // wall_time
  w.key(101, 1).double(1); // fixed64
  w.key(102, 5).float(1); // fixed32
  w.key(103, 2).bytes(new Uint8Array([1, 2, 3])); // length-delimited
  // A group with nested content and a nested group.
  w.key(104, 3).key(1, 0).uint32(5).key(2, 3).key(1, 5).float(2).key(2, 4).key(104, 4);
  w.key(2, 1).double(7); // step with the wrong wire type: skipped, step stays 0...
  w.key(3, 0).uint32(1); // file_version as a varint: skipped
  w.key(5, 2).message((s) => {
    s.key(1, 2).message((v) => {
      v.key(1, 2).string('t');
      v.key(2, 1).double(9); // simple_value as a double: skipped
      v.key(55, 5).float(1);
    });
    s.key(1, 2).message((v) => {
      v.key(1, 2).string('u');
      v.key(2, 5).float(0.25);
      v.key(66, 0).uint32(300);
    });
    s.key(2, 0).uint32(3); // unknown Summary field
  });
  w.key(2, 0).int64(77); // ...until a well-typed step arrives
  assert.deepEqual(decodeTfEventProto(w.finish()), { wallTime: 42.25, step: 77, summary: { value: [{ tag: 'u', simpleValue: 0.25 }] } });
});

test('decodeTfEventProto: oneof and merge rules of the protobuf spec', () => {
  const fv = new ProtoWriter().key(3, 2).string('brain.Event:2').finish();
  const sum = (tag: string): Uint8Array =>
    new ProtoWriter()
      .key(5, 2)
      .message((s) => s.key(1, 2).message((v) => v.key(1, 2).string(tag).key(2, 5).float(1)))
      .finish();
  const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
  // The last member of the `what` oneof wins.
  assert.deepEqual(decodeTfEventProto(cat(fv, sum('a'))), { wallTime: 0, step: 0, summary: { value: [{ tag: 'a', simpleValue: 1 }] } });
  assert.deepEqual(decodeTfEventProto(cat(sum('a'), fv)), { wallTime: 0, step: 0, fileVersion: 'brain.Event:2' });
  // graph_def (another member) clears an earlier summary.
  assert.deepEqual(decodeTfEventProto(cat(sum('a'), new ProtoWriter().key(4, 2).bytes(new Uint8Array(2)).finish())), { wallTime: 0, step: 0 });
  // A repeated embedded message merges: values concatenate.
  assert.deepEqual(decodeTfEventProto(cat(sum('a'), sum('b'))).summary?.value.map((v) => v.tag), ['a', 'b']);
  // Scalars: the last occurrence wins.
  const twice = new ProtoWriter().key(2, 0).int64(1).key(2, 0).int64(2).key(1, 1).double(1).key(1, 1).double(3).finish();
  assert.deepEqual(decodeTfEventProto(twice), { wallTime: 3, step: 2 });
  // In Summary.Value, another `value` oneof member after simple_value clears it.
  const tensorAfter = new ProtoWriter()
    .key(5, 2)
    .message((s) => s.key(1, 2).message((v) => v.key(1, 2).string('t').key(2, 5).float(1).key(8, 2).bytes(new Uint8Array(0))))
    .finish();
  assert.deepEqual(decodeTfEventProto(tensorAfter), { wallTime: 0, step: 0, summary: { value: [] } });
});

test('decodeTfEventProto: malformed bytes throw a ProtobufDecodeError that says what and where', () => {
  const cases: [number[], RegExp][] = [
    [[0x10], /^truncated varint at byte 1$/],
    [[0x10, 0x80, 0x80], /^truncated varint at byte 1$/],
    [[0x09, 1, 2, 3], /^truncated double: needs 8 bytes, 3 left at byte 1$/],
    [[0x1a, 5, 0x61], /^length-delimited field of 5 bytes runs past the end \(1 bytes left\) at byte 1$/],
    [[0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], /^varint longer than 10 bytes at byte 1$/],
    [[0x00, 0x01], /^invalid field number 0 at byte 0$/],
    [[0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x0f], /^invalid wire type 7 \(field 1\) at byte 9$/],
    [[0x0e], /^invalid wire type 6 \(field 1\) at byte 0$/],
    [[0xa3, 0x06, 0x08, 0x01], /^unterminated group \(field 100\) at byte 0$/],
    [[0xa3, 0x06, 0x0c], /^end of group 1 inside group 100 at byte 2$/],
    [[0x0c], /^unexpected end of group \(field 1\) at byte 0$/],
    [[0x7d, 1, 2], /^truncated fixed32 field 15: needs 4 bytes, 2 left at byte 1$/],
    // Inside the summary: offsets are those of the whole event.
    [[0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x2a, 4, 0x0a, 2, 0x0a, 9], /^length-delimited field of 9 bytes runs past the end \(0 bytes left\) at byte 14$/],
    [[0x2a, 4, 0x0a, 2, 0x15, 0], /^truncated float: needs 4 bytes, 1 left at byte 5$/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(
      () => decodeTfEventProto(new Uint8Array(bytes)),
      (e: unknown) => e instanceof ProtobufDecodeError && e.name === 'ProtobufDecodeError' && re.test(e.message),
      `${hex(new Uint8Array(bytes))} should throw ${re}`,
    );
  }
});

test('decodeTfEventProto: every truncation of a real event either decodes a prefix or throws ProtobufDecodeError', () => {
  const full = encodeTfEventProto(FIXED[6]);
  let threw = 0;
  for (let cut = 0; cut < full.length; cut++) {
    try {
      const ev = decodeTfEventProto(full.slice(0, cut));
      assert.equal(typeof ev.wallTime, 'number');
    } catch (e) {
      assert.ok(e instanceof ProtobufDecodeError, `cut ${cut}: ${String(e)}`);
      threw++;
    }
  }
  assert.ok(threw > full.length / 2, 'most cuts land inside a field');
});

test('readTfEvents: a framed record with a truncated Event becomes a warning naming the problem', () => {
  const good = encodeTfEventProto(FIXED[6]);
  const r = readTfEvents(encodeTfRecord(good.slice(0, good.length - 2)));
  assert.deepEqual(r.events, []);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /^record 1: not a tensorflow\.Event \(length-delimited field of \d+ bytes runs past the end \(\d+ bytes left\) at byte \d+\); skipped$/);
});

test('ProtoWriter / ProtoReader: varint round trips at the 32- and 64-bit edges', () => {
  const values = [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -128, -(2 ** 31), -(2 ** 53 - 1)];
  for (const v of values) {
    const w = new ProtoWriter().int64(v).finish();
    const r = new ProtoReader(w);
    assert.equal(r.int64(), v);
    assert.ok(r.done);
    assert.equal(w.length, v < 0 ? 10 : Math.max(1, Math.ceil(Math.log2(v + 1) / 7)), `length for ${v}`);
  }
  for (const v of [0, 1, 300, 2 ** 28, 2 ** 32 - 1]) assert.equal(new ProtoReader(new ProtoWriter().uint32(v).finish()).uint32(), v);
});

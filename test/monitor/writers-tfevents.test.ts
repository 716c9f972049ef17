import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { StepStats } from 'gradclip';
import { TfEventsWriter } from 'gradclip/node';
import { encodeTfEvent, stepStatsToTfEvent, tfEventsFileName } from 'gradclip';
import { readTfEvents, tfEventsToStepStats } from 'gradclip';
import { crcBitwise, maskRef } from '../helpers/crc-reference.js';

// ---------------------------------------------------------------------------
// Independent decoding: TFRecord frames by hand, bitwise CRC32C, protobuf wire
// format by hand. Nothing here uses protobufjs or the library's CRC.
// ---------------------------------------------------------------------------

/** Splits a TFRecord file, asserting both masked CRCs of every frame. */
function framesByHand(file: Uint8Array): Uint8Array[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < file.length) {
    const len = Number(dv.getBigUint64(pos, true));
    assert.equal(dv.getUint32(pos + 8, true), maskRef(crcBitwise(file.subarray(pos, pos + 8))), `length CRC at ${pos}`);
    const data = file.subarray(pos + 12, pos + 12 + len);
    assert.equal(data.length, len, `frame at ${pos} is complete`);
    assert.equal(dv.getUint32(pos + 12 + len, true), maskRef(crcBitwise(data)), `data CRC at ${pos}`);
    out.push(data);
    pos += 16 + len;
  }
  assert.equal(pos, file.length);
  return out;
}

type WireField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 1; value: DataView }
  | { field: number; wire: 2; value: Uint8Array }
  | { field: number; wire: 5; value: DataView };

function varint(b: Uint8Array, pos: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const x = b[pos++];
    assert.ok(x !== undefined, 'varint runs past the end');
    v |= BigInt(x & 0x7f) << shift;
    if ((x & 0x80) === 0) return [v, pos];
    shift += 7n;
  }
}

function wireFields(b: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < b.length) {
    const [key, p1] = varint(b, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    pos = p1;
    if (wire === 0) {
      const [v, p2] = varint(b, pos);
      out.push({ field, wire, value: v });
      pos = p2;
    } else if (wire === 1) {
      out.push({ field, wire, value: new DataView(b.buffer, b.byteOffset + pos, 8) });
      pos += 8;
    } else if (wire === 2) {
      const [len, p2] = varint(b, pos);
      out.push({ field, wire, value: b.subarray(p2, p2 + Number(len)) });
      pos = p2 + Number(len);
    } else if (wire === 5) {
      out.push({ field, wire, value: new DataView(b.buffer, b.byteOffset + pos, 4) });
      pos += 4;
    } else {
      assert.fail(`unexpected wire type ${wire}`);
    }
  }
  assert.equal(pos, b.length);
  return out;
}

interface HandEvent {
  wallTime?: number;
  step?: bigint;
  fileVersion?: string;
  values?: { tag: string; value: number }[];
}

/** Event: wall_time=1 (fixed64 double), step=2 (varint), file_version=3 (string), summary=5 (message). */
function eventByHand(b: Uint8Array): HandEvent {
  const ev: HandEvent = {};
  for (const f of wireFields(b)) {
    if (f.field === 1 && f.wire === 1) ev.wallTime = f.value.getFloat64(0, true);
    else if (f.field === 2 && f.wire === 0) ev.step = f.value;
    else if (f.field === 3 && f.wire === 2) ev.fileVersion = new TextDecoder().decode(f.value);
    else if (f.field === 5 && f.wire === 2) {
      ev.values = [];
      // Summary: value=1 (repeated Value). Value: tag=1 (string), simple_value=2 (fixed32 float).
      for (const sv of wireFields(f.value)) {
        assert.equal(sv.field, 1);
        assert.equal(sv.wire, 2);
        let tag: string | undefined;
        let value: number | undefined;
        for (const vf of wireFields(sv.value as Uint8Array)) {
          if (vf.field === 1 && vf.wire === 2) tag = new TextDecoder().decode(vf.value);
          else if (vf.field === 2 && vf.wire === 5) value = vf.value.getFloat32(0, true);
          else assert.fail(`unexpected Value field ${vf.field}/${vf.wire}`);
        }
        assert.ok(tag !== undefined && value !== undefined, 'Value has tag and simple_value');
        ev.values.push({ tag, value });
      }
    } else assert.fail(`unexpected Event field ${f.field}/${f.wire}`);
  }
  return ev;
}

// ---------------------------------------------------------------------------

const T0 = 1_700_000_123_456; // ms
const STEPS: StepStats[] = [
  {
    step: 1,
    loss: 0.75,
    preClipNorm: 3.5,
    postClipNorm: 1,
    clipCoef: 0.2857142857142857,
    clipped: true,
    skipped: false,
    layerNorms: { 'dense/kernel': 3, 'dense/bias': 1.8027756377319946 },
    time: T0 + 250,
  },
  {
    step: 300, // two-byte varint
    loss: Number.NaN,
    preClipNorm: Number.POSITIVE_INFINITY,
    postClipNorm: Number.NaN,
    clipCoef: 0,
    clipped: false,
    skipped: true,
    layerNorms: { 'dense/kernel': Number.POSITIVE_INFINITY, 'dense/bias': Number.NEGATIVE_INFINITY },
    time: T0 + 500.5,
  },
  { step: 2 ** 40 + 3, loss: null, preClipNorm: 1e-3, postClipNorm: null, clipCoef: null, clipped: false, skipped: false },
];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gradclip-tfevents-'));
}

function writeRun(dir: string): string {
  const w = new TfEventsWriter(dir, { hostname: 'test-host', now: () => T0 + 999 });
  for (const s of STEPS) w.write(s);
  w.close();
  return w.path;
}

test('TfEventsWriter: file name, framing, CRCs and Event protobuf decoded by hand', () => {
  const dir = tmp();
  try {
    const path = writeRun(dir);
    assert.equal(basename(path), 'events.out.tfevents.1700000124.test-host');
    const frames = framesByHand(new Uint8Array(readFileSync(path)));
    assert.equal(frames.length, 1 + STEPS.length);

    const first = eventByHand(frames[0]);
    assert.equal(first.fileVersion, 'brain.Event:2');
    assert.equal(first.wallTime, (T0 + 999) / 1000);
    assert.equal(first.values, undefined);
    assert.ok(first.step === undefined || first.step === 0n);

    const e1 = eventByHand(frames[1]);
    assert.equal(e1.step, 1n);
    assert.equal(e1.wallTime, (T0 + 250) / 1000);
    assert.deepEqual(e1.values, [
      { tag: 'loss', value: 0.75 },
      { tag: 'grad_norm/pre_clip', value: 3.5 },
      { tag: 'grad_norm/post_clip', value: 1 },
      { tag: 'grad_norm/clip_coef', value: Math.fround(2 / 7) },
      { tag: 'grad/clipped', value: 1 },
      { tag: 'grad/skipped', value: 0 },
      { tag: 'grad_norm/layer/dense/kernel', value: 3 },
      { tag: 'grad_norm/layer/dense/bias', value: Math.fround(Math.sqrt(3.25)) },
    ]);

    const e2 = eventByHand(frames[2]);
    assert.equal(e2.step, 300n);
    assert.equal(e2.wallTime, (T0 + 500.5) / 1000);
    const v2 = e2.values ?? [];
    assert.deepEqual(
      v2.map((v) => v.tag),
      [
        'loss',
        'grad_norm/pre_clip',
        'grad_norm/post_clip',
        'grad_norm/clip_coef',
        'grad/clipped',
        'grad/skipped',
        'grad_norm/layer/dense/kernel',
        'grad_norm/layer/dense/bias',
      ],
    );
    assert.ok(Number.isNaN(v2[0].value), 'NaN loss stays NaN');
    assert.equal(v2[1].value, Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(v2[2].value));
    assert.equal(v2[3].value, 0, 'a zero value is written (oneof presence)');
    assert.equal(v2[4].value, 0);
    assert.equal(v2[5].value, 1);
    assert.equal(v2[6].value, Number.POSITIVE_INFINITY);
    assert.equal(v2[7].value, Number.NEGATIVE_INFINITY);

    const e3 = eventByHand(frames[3]);
    assert.equal(e3.step, 2n ** 40n + 3n, 'int64 step beyond 32 bits');
    assert.equal(e3.wallTime, (T0 + 999) / 1000, 'no time in the record: the clock is used');
    assert.deepEqual(e3.values, [
      { tag: 'grad_norm/pre_clip', value: Math.fround(1e-3) },
      { tag: 'grad/clipped', value: 0 },
      { tag: 'grad/skipped', value: 0 },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TfEventsWriter: a second writer in the same second gets its own file', () => {
  const dir = tmp();
  try {
    const a = new TfEventsWriter(dir, { hostname: 'h/x', now: () => 5000 });
    const b = new TfEventsWriter(dir, { hostname: 'h/x', now: () => 5999 });
    a.close();
    b.close();
    assert.deepEqual(readdirSync(dir).sort(), ['events.out.tfevents.5.h_x', 'events.out.tfevents.5.h_x.1']);
    assert.throws(() => a.write(STEPS[0]), /TfEventsWriter\.write: the writer for .* is closed; open a new one/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readTfEvents: round trip through the file, values at float32 precision', () => {
  const dir = tmp();
  try {
    const { events, warnings } = readTfEvents(new Uint8Array(readFileSync(writeRun(dir))));
    assert.deepEqual(warnings, []);
    assert.equal(events.length, 4);
    assert.equal(events[0].fileVersion, 'brain.Event:2');
    const steps = tfEventsToStepStats(events);
    assert.equal(steps.length, 3);
    assert.deepEqual(steps[0], {
      step: 1,
      loss: 0.75,
      preClipNorm: 3.5,
      postClipNorm: 1,
      clipCoef: Math.fround(2 / 7),
      clipped: true,
      skipped: false,
      layerNorms: { 'dense/kernel': 3, 'dense/bias': Math.fround(Math.sqrt(3.25)) },
      time: T0 + 250,
    });
    assert.ok(Number.isNaN(steps[1].loss));
    assert.equal(steps[1].preClipNorm, Number.POSITIVE_INFINITY);
    assert.equal(steps[1].skipped, true);
    assert.deepEqual(steps[1].layerNorms, { 'dense/kernel': Infinity, 'dense/bias': -Infinity });
    assert.equal(steps[2].step, 2 ** 40 + 3);
    assert.equal(steps[2].loss, null);
    assert.equal(steps[2].postClipNorm, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readTfEvents: a file cut anywhere inside the last record yields exactly the complete records', () => {
  const dir = tmp();
  try {
    const file = new Uint8Array(readFileSync(writeRun(dir)));
    const lastLen = encodeTfEvent(stepStatsToTfEvent(STEPS[2], (T0 + 999) / 1000)).length;
    const lastStart = file.length - lastLen;
    const before = readTfEvents(file.subarray(0, lastStart));
    assert.equal(before.events.length, 3);
    assert.deepEqual(before.warnings, []);
    for (let cut = lastStart + 1; cut < file.length; cut++) {
      // A fresh copy, as a reader would see it on disk.
      const { events, warnings } = readTfEvents(file.slice(0, cut));
      assert.equal(events.length, 3, `cut at ${cut}`);
      assert.deepEqual(
        events.map((e) => e.step),
        [0, 1, 300],
      );
      assert.equal(warnings.length, 1, `cut at ${cut}`);
      assert.match(warnings[0], new RegExp(`^truncated record (header )?at byte ${lastStart}`));
    }
    // Cutting a file on disk and reading it back behaves the same.
    const p = join(dir, 'cut.tfevents');
    writeFileSync(p, file.subarray(0, file.length - 3));
    assert.equal(readTfEvents(new Uint8Array(readFileSync(p))).events.length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readTfEvents: a corrupted payload is skipped, a corrupted length stops reading', () => {
  const dir = tmp();
  try {
    const file = new Uint8Array(readFileSync(writeRun(dir)));
    const frameLen = (pos: number): number => 16 + new DataView(file.buffer, file.byteOffset).getUint32(pos, true);
    const p1 = frameLen(0); // start of the step-1 record
    const p2 = p1 + frameLen(p1); // start of the step-300 record

    const badData = file.slice();
    badData[p1 + 12 + 5] ^= 0x01;
    const r1 = readTfEvents(badData);
    assert.deepEqual(
      r1.events.map((e) => e.step),
      [0, 300, 2 ** 40 + 3],
    );
    assert.deepEqual(r1.warnings, [`data CRC mismatch in the record at byte ${p1} (${frameLen(p1) - 16} bytes): skipped`]);

    const badLen = file.slice();
    badLen[p2] ^= 0x40;
    const r2 = readTfEvents(badLen);
    assert.deepEqual(
      r2.events.map((e) => e.step),
      [0, 1],
    );
    assert.deepEqual(r2.warnings, [`length CRC mismatch at byte ${p2}: the remaining ${file.length - p2} bytes are ignored`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tfEventsFileName: validates its arguments', () => {
  assert.equal(tfEventsFileName(1234, 'box'), 'events.out.tfevents.1234.box');
  assert.throws(() => tfEventsFileName(1.5, 'box'), {
    message: 'tfEventsFileName: unixSeconds must be a non-negative integer, got 1.5',
  });
  assert.throws(() => tfEventsFileName(1, 'a/b'), /hostname must be a non-empty name without "\/"/);
});

test('a step with flow: its growth and spectral scalars as flow/* tags (the ones present); steps without flow write none', () => {
  const base = { step: 3, loss: 0.5, preClipNorm: 2, postClipNorm: 1, clipCoef: 0.5, clipped: true, skipped: false };
  const tagsOf = (s: Parameters<typeof stepStatsToTfEvent>[0]): Record<string, number> =>
    Object.fromEntries((stepStatsToTfEvent(s, 0).summary?.value ?? []).map((v) => [v.tag, v.simpleValue]));
  const withAll = tagsOf({ ...base, flow: { timeNorms: [4, 2, 1], growth: 2, spectralNorm: 1.5, spectralRadius: 1.25 } });
  assert.equal(withAll['flow/growth'], 2);
  assert.equal(withAll['flow/spectral_norm'], 1.5);
  assert.equal(withAll['flow/spectral_radius'], 1.25);
  const noFit = tagsOf({ ...base, flow: { timeNorms: [0, 0, 1], growth: null } });
  assert.ok(!('flow/growth' in noFit) && !('flow/spectral_norm' in noFit));
  assert.ok(!Object.keys(tagsOf(base)).some((t) => t.startsWith('flow/')));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { StepStats } from 'gradclip';
import { encodeTfEvent, fileVersionEvent, stepStatsToTfEvent } from 'gradclip';
import { encodeJsonlLine } from 'gradclip';
import { encodeTfRecord } from '../../packages/gradclip/src/monitor/writers/tfrecord.js';
import { readTfEvents } from 'gradclip';
import { readStepsJsonl } from 'gradclip';

const stats: fc.Arbitrary<StepStats> = fc.record({
  step: fc.integer({ min: 1, max: 1e9 }),
  loss: fc.option(fc.double(), { nil: null }),
  preClipNorm: fc.option(fc.double(), { nil: null }),
  postClipNorm: fc.option(fc.double(), { nil: null }),
  clipCoef: fc.option(fc.double(), { nil: null }),
  clipped: fc.boolean(),
  skipped: fc.boolean(),
  layerNorms: fc.dictionary(fc.stringMatching(/^[a-z_/0-9]{1,10}$/), fc.double(), { maxKeys: 3 }),
});

test('readTfEvents: a prefix of any length holds exactly the frames that fit in it (property, seeded)', () => {
  fc.assert(
    fc.property(fc.array(stats, { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), (recs, frac) => {
      const frames = [encodeTfEvent(fileVersionEvent(1)), ...recs.map((r) => encodeTfEvent(stepStatsToTfEvent(r, 2)))];
      const total = frames.reduce((n, f) => n + f.length, 0);
      const file = new Uint8Array(total);
      const ends: number[] = [];
      let off = 0;
      for (const f of frames) {
        file.set(f, off);
        off += f.length;
        ends.push(off);
      }
      const cut = Math.floor(frac * total);
      const expected = ends.filter((e) => e <= cut).length; // frames wholly inside the prefix
      const { events, warnings } = readTfEvents(file.slice(0, cut));
      assert.equal(events.length, expected);
      assert.deepEqual(
        events.slice(1).map((e) => e.step),
        recs.slice(0, Math.max(0, expected - 1)).map((r) => r.step),
      );
      assert.equal(warnings.length, ends.includes(cut) || cut === 0 ? 0 : 1);
    }),
    { seed: 31337, numRuns: 200 },
  );
});

test('readers never throw on arbitrary input (property, seeded)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const r = readTfEvents(bytes);
      assert.ok(Array.isArray(r.events) && Array.isArray(r.warnings));
    }),
    { seed: 5, numRuns: 500 },
  );
  // Garbage with valid framing reaches the protobuf decoder: decoded or warned about, never thrown.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 60 }), (payload) => {
      const r = readTfEvents(encodeTfRecord(payload));
      assert.equal(r.events.length + r.warnings.length, 1);
      if (r.warnings.length === 1) assert.match(r.warnings[0], /^record 1: not a tensorflow\.Event \(.+\); skipped$/);
    }),
    { seed: 9, numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const r = readStepsJsonl(text);
      assert.ok(Array.isArray(r.steps) && Array.isArray(r.warnings));
    }),
    { seed: 6, numRuns: 500 },
  );
});

test('readStepsJsonl: random corruption of one line loses at most that line (property, seeded)', () => {
  fc.assert(
    fc.property(fc.array(stats, { minLength: 2, maxLength: 6 }), fc.nat(), fc.nat(), (recs, which, at) => {
      const lines = recs.map(encodeJsonlLine);
      const k = which % lines.length;
      const cutAt = at % lines[k].length; // drop the tail of line k: never a complete object
      lines[k] = lines[k].slice(0, cutAt);
      const { steps, warnings } = readStepsJsonl(lines.join('\n') + '\n');
      assert.deepEqual(
        steps.map((s) => s.step),
        recs.filter((_, i) => i !== k).map((r) => r.step),
      );
      assert.equal(warnings.length, cutAt === 0 ? 0 : 1);
      if (cutAt > 0) assert.match(warnings[0], new RegExp(`^line ${k + 1}: not valid JSON`));
    }),
    { seed: 8, numRuns: 200 },
  );
});

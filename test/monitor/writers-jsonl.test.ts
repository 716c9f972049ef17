import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { StepStats } from 'gradclip';
import { JsonlWriter } from 'gradclip/node';
import { encodeJsonlLine } from 'gradclip';
import { readStepsJsonl } from 'gradclip';

const A: StepStats = {
  step: 1,
  loss: 0.5,
  preClipNorm: 2,
  postClipNorm: 1,
  clipCoef: 0.5,
  clipped: true,
  skipped: false,
  layerNorms: { w: 1.5, b: 0.25 },
  time: 1700000000000,
};
const B: StepStats = {
  step: 2,
  loss: Number.NaN,
  preClipNorm: Number.POSITIVE_INFINITY,
  postClipNorm: Number.NEGATIVE_INFINITY,
  clipCoef: null,
  clipped: false,
  skipped: true,
  layerNorms: { w: Number.NaN },
};
const C: StepStats = { step: 3, loss: 0.125, preClipNorm: null, postClipNorm: null, clipCoef: null, clipped: false, skipped: false };

// The exact lines, written out by hand from the format (NaN/Infinity as strings).
const LINE_A =
  '{"step":1,"loss":0.5,"preClipNorm":2,"postClipNorm":1,"clipCoef":0.5,"clipped":true,"skipped":false,' +
  '"layerNorms":{"w":1.5,"b":0.25},"time":1700000000000}';
const LINE_B =
  '{"step":2,"loss":"NaN","preClipNorm":"Infinity","postClipNorm":"-Infinity","clipCoef":null,"clipped":false,' +
  '"skipped":true,"layerNorms":{"w":"NaN"}}';
const LINE_C = '{"step":3,"loss":0.125,"preClipNorm":null,"postClipNorm":null,"clipCoef":null,"clipped":false,"skipped":false}';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gradclip-jsonl-'));
}

test('encodeJsonlLine: exact text, non-finite numbers as strings', () => {
  assert.equal(encodeJsonlLine(A), LINE_A);
  assert.equal(encodeJsonlLine(B), LINE_B);
  assert.equal(encodeJsonlLine(C), LINE_C);
});

test('JsonlWriter: one line per record; appending to an existing file resumes it', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'steps.jsonl');
    const w = new JsonlWriter(p);
    w.write(A);
    w.write(B);
    w.flush();
    w.close();
    w.close(); // idempotent
    assert.throws(() => w.write(C), /^GradclipArgumentError: JsonlWriter\.write: the writer for .*steps\.jsonl is closed; open a new one$/);
    const w2 = new JsonlWriter(p);
    w2.write(C);
    w2.close();
    assert.equal(readFileSync(p, 'utf8'), `${LINE_A}\n${LINE_B}\n${LINE_C}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readStepsJsonl: round trip including NaN and infinities', () => {
  const { steps, warnings } = readStepsJsonl(`${LINE_A}\n${LINE_B}\n${LINE_C}\n`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(steps, [A, B, C]); // deepEqual treats NaN as equal to NaN
});

test('readStepsJsonl: a text cut at every offset of the last record yields exactly the complete records', () => {
  const head = `${LINE_A}\n${LINE_B}\n`;
  const full = `${head}${LINE_C}\n`;
  assert.deepEqual(readStepsJsonl(head), { steps: [A, B], warnings: [] });
  for (let cut = head.length + 1; cut <= full.length; cut++) {
    const { steps, warnings } = readStepsJsonl(full.slice(0, cut));
    // Only the newline missing (cut = full.length - 1) or nothing missing: the record is complete.
    const complete = cut >= full.length - 1;
    assert.deepEqual(steps, complete ? [A, B, C] : [A, B], `cut at ${cut}`);
    assert.deepEqual(
      warnings,
      complete ? [] : ['line 3: incomplete last line (no newline, not valid JSON; a write cut short?), ignored'],
      `cut at ${cut}`,
    );
  }
});

test('JsonlWriter after a crash: the cut line is isolated and reported, later records are read', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'steps.jsonl');
    writeFileSync(p, `${LINE_A}\n${LINE_B.slice(0, 40)}`); // the crash cut record B
    const w = new JsonlWriter(p);
    w.write(C);
    w.close();
    assert.equal(readFileSync(p, 'utf8'), `${LINE_A}\n${LINE_B.slice(0, 40)}\n${LINE_C}\n`);
    const r = readStepsJsonl(readFileSync(p, 'utf8'));
    assert.deepEqual(r.steps, [A, C]);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /^line 2: not valid JSON \(.+\), skipped$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readStepsJsonl: malformed lines are skipped with their line numbers; blank and CRLF lines are fine', () => {
  const text = [LINE_A, '', 'garbage', '{"loss":1}', '[1,2]', `${LINE_C}\r`, '   ', ''].join('\n');
  const { steps, warnings } = readStepsJsonl(text);
  assert.deepEqual(steps, [A, C]);
  assert.equal(warnings.length, 3);
  assert.match(warnings[0], /^line 3: not valid JSON \(.+\), skipped$/);
  assert.equal(warnings[1], 'line 4: not a step record (decodeStepStats: field "step" must be an integer), skipped');
  assert.equal(warnings[2], 'line 5: not a step record (decodeStepStats: field "step" must be an integer), skipped');
  assert.deepEqual(readStepsJsonl(''), { steps: [], warnings: [] });
});

const num = fc.oneof(
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0.5, 1e300),
);
const stepStats: fc.Arbitrary<StepStats> = fc.record(
  {
    step: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    loss: fc.option(num, { nil: null }),
    preClipNorm: fc.option(num, { nil: null }),
    postClipNorm: fc.option(num, { nil: null }),
    clipCoef: fc.option(num, { nil: null }),
    clipped: fc.boolean(),
    skipped: fc.boolean(),
    layerNorms: fc.dictionary(fc.string({ maxLength: 12 }), num, { maxKeys: 4 }),
    time: fc.integer({ min: 0, max: 2 ** 45 }),
  },
  { requiredKeys: ['step', 'loss', 'preClipNorm', 'postClipNorm', 'clipCoef', 'clipped', 'skipped'] },
);

/** -0 survives JSON as 0; compare with that one documented loss. */
function normZero(s: StepStats): StepStats {
  const z = (x: number | null): number | null => (x === 0 ? 0 : x);
  const out: StepStats = { ...s, loss: z(s.loss), preClipNorm: z(s.preClipNorm), postClipNorm: z(s.postClipNorm), clipCoef: z(s.clipCoef) };
  if (s.layerNorms) out.layerNorms = Object.fromEntries(Object.entries(s.layerNorms).map(([k, v]) => [k, z(v) as number]));
  return out;
}

test('JSONL round trip of random records (property, seeded)', () => {
  fc.assert(
    fc.property(fc.array(stepStats, { maxLength: 8 }), (recs) => {
      const text = recs.map((r) => encodeJsonlLine(r) + '\n').join('');
      const { steps, warnings } = readStepsJsonl(text);
      assert.deepEqual(warnings, []);
      assert.deepEqual(steps, recs.map(normZero));
    }),
    { seed: 424242, numRuns: 200 },
  );
});

test('readStepsJsonl: text appended by another process mid-line is read on the next poll', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'steps.jsonl');
    writeFileSync(p, `${LINE_A}\n${LINE_B.slice(0, 10)}`);
    assert.deepEqual(readStepsJsonl(readFileSync(p, 'utf8')).steps, [A]);
    appendFileSync(p, `${LINE_B.slice(10)}\n`);
    assert.deepEqual(readStepsJsonl(readFileSync(p, 'utf8')), { steps: [A, B], warnings: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flow: timeNorms (non-finite ones included), growth and the spectral fields round-trip through steps.jsonl', () => {
  const base: StepStats = { step: 7, loss: 1, preClipNorm: 2, postClipNorm: 1, clipCoef: 0.5, clipped: true, skipped: false };
  const withFlow: StepStats = { ...base, flow: { timeNorms: [3e20, Infinity, 0, 1.5], growth: 1.9, spectralNorm: 1.41, spectralRadius: 1.2 } };
  const noFit: StepStats = { ...base, step: 8, flow: { timeNorms: [0, 0, NaN], growth: null } };
  const text = [withFlow, noFit, base].map((s) => encodeJsonlLine(s)).join('\n') + '\n';
  assert.match(text, /"timeNorms":\[300000000000000000000,"Infinity",0,1\.5\]/);
  const back = readStepsJsonl(text).steps;
  assert.deepEqual(back[0].flow, withFlow.flow);
  assert.equal(back[1].flow?.growth, null);
  assert.ok(Number.isNaN(back[1].flow?.timeNorms[2]));
  assert.equal('spectralNorm' in (back[1].flow ?? {}), false);
  assert.equal(back[2].flow, undefined);
});

test('flow: a malformed flow object is refused with the field named', () => {
  const line = JSON.stringify({ step: 1, loss: 1, preClipNorm: 1, postClipNorm: 1, clipCoef: 1, clipped: false, skipped: false, flow: { timeNorms: 'x', growth: 1 } });
  const r = readStepsJsonl(line + '\n');
  assert.equal(r.steps.length, 0);
  assert.match(r.warnings.join('\n'), /line 1: .*"flow" must be/);
});

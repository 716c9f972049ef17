import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { StepStats } from 'gradclip';
import { CsvWriter } from 'gradclip/node';
import { encodeCsvHeader, encodeCsvRow, quoteCsvCell, splitCsvLine } from 'gradclip';

const HEADER = 'step,loss,preClipNorm,postClipNorm,clipCoef,clipped,skipped,time';

const S1: StepStats = {
  step: 1,
  loss: 0.5,
  preClipNorm: 2.5,
  postClipNorm: 1,
  clipCoef: 0.4,
  clipped: true,
  skipped: false,
  layerNorms: { 'dense/kernel': 2, 'dense/bias': 1.5 },
  time: 1700000000000,
};
const S2: StepStats = {
  step: 2,
  loss: Number.NaN,
  preClipNorm: Number.POSITIVE_INFINITY,
  postClipNorm: Number.NEGATIVE_INFINITY,
  clipCoef: null,
  clipped: false,
  skipped: true,
  layerNorms: { 'dense/bias': 1e-7, 'new,layer': 3 },
};

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gradclip-csv-'));
}

test('CsvWriter: header fixed by the first record, exact content, later layers dropped with one warning', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'steps.csv');
    const warnings: string[] = [];
    const w = new CsvWriter(p, { onWarning: (m) => warnings.push(m) });
    assert.equal(w.layerColumns, null);
    w.write(S1);
    w.write(S2);
    w.write({ ...S2, step: 3 });
    w.close();
    assert.equal(
      readFileSync(p, 'utf8'),
      `${HEADER},layer:dense/kernel,layer:dense/bias\n` +
        '1,0.5,2.5,1,0.4,1,0,1700000000000,2,1.5\n' +
        '2,NaN,Infinity,-Infinity,,0,1,,,1e-7\n' +
        '3,NaN,Infinity,-Infinity,,0,1,,,1e-7\n',
    );
    assert.deepEqual([...w.droppedLayers], ['new,layer']);
    assert.deepEqual(warnings, [
      `CsvWriter: layer "new,layer" first appeared at step 2, after the CSV header of ${p} was fixed; ` +
        'its norms are not written to the CSV (they are in steps.jsonl and the TensorBoard file)',
    ]);
    assert.throws(() => w.write(S1), { message: `CsvWriter.write: the writer for ${p} is closed; open a new one` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CsvWriter: explicit layers, quoting of odd names, resume reads the header back', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'steps.csv');
    const w = new CsvWriter(p, { layers: ['a,b', 'q"x'], onWarning: () => {} });
    w.write({ ...S1, layerNorms: { 'a,b': 1, 'q"x': 2 } });
    w.close();
    const w2 = new CsvWriter(p, { layers: ['ignored'], onWarning: () => {} });
    assert.deepEqual(w2.layerColumns, ['a,b', 'q"x']);
    w2.write({ ...S1, step: 2, layerNorms: { 'q"x': 4 } });
    w2.close();
    assert.equal(
      readFileSync(p, 'utf8'),
      `${HEADER},"layer:a,b","layer:q""x"\n` + '1,0.5,2.5,1,0.4,1,0,1700000000000,1,2\n' + '2,0.5,2.5,1,0.4,1,0,1700000000000,,4\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CsvWriter: resuming a file cut mid-row starts a new line; a foreign file is refused', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'steps.csv');
    writeFileSync(p, `${HEADER}\n1,0.5,2.5`);
    const w = new CsvWriter(p, { onWarning: () => {} });
    w.write({ ...S1, step: 2, layerNorms: undefined });
    w.close();
    assert.equal(readFileSync(p, 'utf8'), `${HEADER}\n1,0.5,2.5\n2,0.5,2.5,1,0.4,1,0,1700000000000\n`);

    const q = join(dir, 'other.csv');
    writeFileSync(q, 'a,b,c\n1,2,3\n');
    assert.throws(() => new CsvWriter(q), {
      message:
        `CsvWriter: ${q} exists but its first line is not a gradclip steps header ` +
        `(${HEADER}[,layer:<name>...]); choose another path or delete the file`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('encodeCsvHeader / encodeCsvRow: pure encoders agree with the file writer', () => {
  assert.equal(encodeCsvHeader([]), HEADER);
  assert.equal(encodeCsvRow(S2, ['dense/bias', 'missing']), '2,NaN,Infinity,-Infinity,,0,1,,1e-7,');
});

test('splitCsvLine undoes quoteCsvCell (property, seeded)', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', ' ', 'é', '\r', '\n') }), { minLength: 1, maxLength: 6 }), (cells) => {
      assert.deepEqual(splitCsvLine(cells.map(quoteCsvCell).join(',')), cells);
    }),
    { seed: 99, numRuns: 300 },
  );
  assert.throws(() => splitCsvLine('"open'), /^GradclipArgumentError: splitCsvLine: unterminated quoted cell/);
});

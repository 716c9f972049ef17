/**
 * charlm on the user's own text (`--text <file>`): the byte checks (empty,
 * NUL bytes, invalid UTF-8 with the offset), characters as code points, the
 * shortest text for a `--length` (both splits can then be sampled), and a
 * real `gradclip train --task charlm --text` run: the vocabulary comes from
 * the file, the evaluation uses its held-out tail, and the summary and the
 * configuration record the file and its size.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../packages/cli/src/core/random.js';
import { CharVocab, checkTextLength, countCharacters, createCharCorpus, decodeTextFile, firstInvalidUtf8, minTextCharacters } from '../../packages/cli/src/tasks/data/charlm/index.js';
import { readTextFile } from '../../packages/cli/src/tasks/data/charlm/text-file-node.js';

const CLI = join(process.cwd(), 'packages', 'cli', 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'gradclip-text-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('the bytes of a --text file', () => {
  it('firstInvalidUtf8 agrees with a fatal TextDecoder on well-formed and broken input', () => {
    const valid = Buffer.from('plain, héllo, 日本, 🙂', 'utf8');
    assert.equal(firstInvalidUtf8(valid), -1);
    const cases: [number[], number][] = [
      [[0x61, 0xe9, 0x62], 1], // a Latin-1 é
      [[0xc0, 0x80], 0], // overlong NUL
      [[0xed, 0xa0, 0x80], 0], // a UTF-16 surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x61, 0x62, 0xe6, 0x97], 2], // cut at the end
      [[0x80], 0], // a stray continuation byte
    ];
    for (const [bytes, at] of cases) {
      assert.equal(firstInvalidUtf8(new Uint8Array(bytes)), at, bytes.join(','));
      assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes)));
    }
    const rng = createRng(5);
    for (let k = 0; k < 300; k++) {
      const bytes = new Uint8Array(1 + rng.int(12)).map(() => (rng.int(4) === 0 ? 0x80 + rng.int(0x80) : rng.int(256)));
      let ok = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        ok = false;
      }
      assert.equal(firstInvalidUtf8(bytes) === -1, ok, [...bytes].join(','));
    }
  });

  it('decodeTextFile: empty, binary and non-UTF-8 files are errors naming the file; a BOM is dropped', () => {
    assert.throws(() => decodeTextFile(new Uint8Array(0), 'a.txt'), /^GradclipArgumentError: --text a\.txt is empty/);
    assert.throws(() => decodeTextFile(Buffer.from('ab\0c'), 'b.bin'), /--text b\.bin looks binary \(a NUL byte at offset 2\)/);
    assert.throws(() => decodeTextFile(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'c.txt'), /--text c\.txt is not valid UTF-8 \(the byte at offset 3 is 0xe9\)/);
    assert.equal(decodeTextFile(Buffer.from('\ufeffhello', 'utf8'), 'd.txt'), 'hello');
  });

  it('readTextFile: a missing file, a folder, a file over the limit', () => {
    assert.throws(() => readTextFile(join(tmp, 'none.txt'), 1000), /--text .*none\.txt: no such file/);
    assert.throws(() => readTextFile(tmp, 1000), /is a folder/);
    const big = join(tmp, 'big.txt');
    writeFileSync(big, 'x'.repeat(2000));
    assert.throws(() => readTextFile(big, 1000), /is 2000 bytes, above the limit of 1000 bytes/);
    const f = readTextFile(big, 4000);
    assert.deepEqual({ bytes: f.bytes, characters: f.characters, vocabulary: f.vocabulary }, { bytes: 2000, characters: 2000, vocabulary: 1 });
  });
});

describe('characters and lengths', () => {
  it('characters are code points: an emoji is one character of the vocabulary', () => {
    const text = 'a🙂b🙂';
    assert.equal(countCharacters(text), 4);
    const v = CharVocab.fromText(text);
    assert.equal(v.size, 3);
    assert.deepEqual([...v.encode(text)].length, 4);
    assert.equal(v.decode(v.encode(text)), text);
  });

  it('minTextCharacters is the shortest text both splits can sample windows of --length from', () => {
    for (const length of [1, 16, 50, 63]) {
      const need = minTextCharacters(length);
      const corpus = createCharCorpus({ text: 'abcdefghij'.repeat(Math.ceil(need / 10)).slice(0, need) });
      for (const split of ['train', 'valid'] as const) assert.doesNotThrow(() => corpus.sampleBatch(createRng(1), 2, length, split), `${length} ${split}`);
      const short = createCharCorpus({ text: 'abcdefghij'.repeat(Math.ceil(need / 10)).slice(0, need - 1) });
      assert.throws(() => short.sampleBatch(createRng(1), 2, length, 'valid'), /seqLen must be at most/);
      assert.throws(() => checkTextLength(need - 1, length, 'x.txt'), new RegExp(`--text x\\.txt is too short for --length ${length}: it has ${need - 1} characters and needs at least ${need}`));
      assert.doesNotThrow(() => checkTextLength(need, length, 'x.txt'));
    }
  });
});

describe('gradclip train --task charlm --text', () => {
  it('trains on the file: its vocabulary, its held-out tail, its path and size in the summary', () => {
    const file = join(tmp, 'mine.txt');
    const text = 'Zebras quietly munch on yellow kiwis; 🙂 über alles.\n'.repeat(60);
    writeFileSync(file, text);
    const out = join(tmp, 'run');
    const r = spawnSync(process.execPath, [CLI, 'train', '--task', 'charlm', '--model', 'gru', '--hidden', '8', '--text', file, '--length', '16', '--batch', '4', '--steps', '6', '--eval-size', '20', '--out', out, '--json', '--no-progress', '--no-report'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { steps: number; evalLoss: number; entropyBaseline: number; text: Record<string, unknown>; config: Record<string, unknown> };
    const chars = [...text];
    assert.equal(s.steps, 6);
    assert.deepEqual(s.text, { path: file, bytes: Buffer.byteLength(text), characters: chars.length, vocabulary: new Set(chars).size });
    assert.equal(s.config.text, file);
    assert.equal(typeof s.evalLoss, 'number', 'evaluated on the held-out tail');
    const corpus = createCharCorpus({ text });
    assert.ok(Math.abs(s.entropyBaseline - corpus.unigramEntropy) < 1e-12, 'the baseline is the entropy of this text');
    const start = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { text: Record<string, unknown> };
    assert.deepEqual(start.text, s.text);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../packages/cli/src/core/random.js';
import {
  CharVocab,
  bigramEntropy,
  createCharCorpus,
  generateText,
  unigramEntropy,
} from '../../packages/cli/src/tasks/data/index.js';

const NUMBER_WORDS = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen',
  'nineteen', 'twenty',
];
const value = (w: string): number => NUMBER_WORDS.indexOf(w.toLowerCase());

const text = generateText();

test('generateText: exact length, deterministic under seed, different seeds differ, no digits', () => {
  assert.equal(text.length, 300000);
  assert.equal(generateText(), text);
  assert.equal(generateText({ seed: 1, chars: 1000 }), text.slice(0, 1000));
  const other = generateText({ seed: 2, chars: 1000 });
  assert.notEqual(other, text.slice(0, 1000));
  assert.ok(!/[0-9]/.test(text));
  assert.ok(/^[A-Za-z \n.,;:?!"()]+$/.test(text));
  assert.throws(() => generateText({ chars: 0 }), { message: 'chars must be an integer >= 1, got 0' });
});

// Complete paragraphs (the last one may be cut).
const paragraphs = text.split('\n\n').slice(0, -1);

test('grammar: paragraphs open with "Day <n>." counting up in words', () => {
  assert.ok(paragraphs.length > 500);
  assert.ok(paragraphs[0].startsWith('Day one. '));
  assert.ok(paragraphs[1].startsWith('Day two. '));
  assert.ok(paragraphs[20].startsWith('Day twenty one. '));
  assert.ok(paragraphs[99].startsWith('Day one hundred. '));
  for (const p of paragraphs) assert.match(p, /^Day [a-z ]+\. [A-Z"]/);
});

test('grammar: every arithmetic fact in the text is correct', () => {
  const re = /\b([A-Za-z]+) (plus|minus) ([a-z]+) is ([a-z]+)\./g;
  let n = 0;
  for (const m of text.matchAll(re)) {
    const a = value(m[1]);
    const b = value(m[3]);
    const c = value(m[4]);
    if (a < 0 || b < 0) continue;
    assert.equal(c, m[2] === 'plus' ? a + b : a - b, m[0]);
    n++;
  }
  assert.ok(n > 500, `only ${n} facts`);
});

test('grammar: counting runs are consecutive; questions agree in number; quotes and parentheses balance', () => {
  let runs = 0;
  for (const m of text.matchAll(/counted ([a-z, ]+)\./g)) {
    const nums = m[1].split(', ').map(value);
    for (let i = 1; i < nums.length; i++) assert.equal(nums[i], nums[i - 1] + 1, m[0]);
    runs++;
  }
  assert.ok(runs > 200);
  let questions = 0;
  for (const m of text.matchAll(/"(Does|Do) (the|[a-z]+) (?:[a-z]+ )*?(fox|foxes|heron|herons|miller|millers|child|children|baker|bakers|goat|goats|sailor|sailors|owl|owls|weaver|weavers|mouse|mice)\b/g)) {
    const plural = /(es|s|children|mice)$/.test(m[3]) && !['mouse'].includes(m[3]);
    assert.equal(m[1] === 'Do', plural, m[0]);
    questions++;
  }
  assert.ok(questions > 100);
  for (const p of paragraphs) {
    assert.equal((p.match(/"/g) ?? []).length % 2, 0, p);
    let depth = 0;
    for (const ch of p) {
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      assert.ok(depth >= 0 && depth <= 1);
    }
    assert.equal(depth, 0);
  }
});

test('CharVocab: sorted distinct characters, encode/decode round trip, errors name the character', () => {
  const v = CharVocab.fromText('banana!');
  assert.deepEqual(v.chars, ['!', 'a', 'b', 'n']);
  assert.equal(v.size, 4);
  assert.deepEqual([...v.encode('nab!')], [3, 1, 2, 0]);
  assert.equal(v.decode([2, 1, 3, 1, 3, 1, 0]), 'banana!');
  assert.throws(() => v.encode('bad'), { message: 'encode: character "d" at position 2 is not in the vocabulary' });
  assert.throws(() => v.decode([0, 4]), { message: 'decode: id 4 at position 1 is outside [0, 4)' });
  assert.throws(() => new CharVocab(['a', 'a']), { message: 'vocabulary entries must be distinct, got "a" twice' });
  const full = CharVocab.fromText(text);
  assert.equal(full.decode(full.encode(text.slice(0, 5000))), text.slice(0, 5000));
});

test('entropy: hand-computed unigram and bigram values in nats', () => {
  assert.ok(Math.abs(unigramEntropy([0, 0, 1, 1], 2) - Math.log(2)) < 1e-15);
  assert.ok(Math.abs(unigramEntropy([0, 0, 0, 1], 3) - -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))) < 1e-15);
  assert.equal(unigramEntropy([2, 2, 2], 3), 0);
  // Alternating sequence: the next symbol is determined by the previous one.
  assert.equal(bigramEntropy([0, 1, 0, 1, 0], 2), 0);
  // Pairs of [0,0,1,0,1,1]: (0,0) (0,1) (1,0) (0,1) (1,1): after 0 -> {0,1,1}, after 1 -> {0,1}.
  // H = 3/5 * H(1/3, 2/3) + 2/5 * ln 2.
  const h3 = -((1 / 3) * Math.log(1 / 3) + (2 / 3) * Math.log(2 / 3));
  assert.ok(Math.abs(bigramEntropy([0, 0, 1, 0, 1, 1], 2) - (0.6 * h3 + 0.4 * Math.log(2))) < 1e-15);
  assert.throws(() => unigramEntropy([0, 3], 3), { message: 'ids[1] = 3 is outside [0, vocabSize=3)' });
  assert.throws(() => bigramEntropy([0], 3), { message: 'ids must hold at least 2 ids, got 1' });
});

test('createCharCorpus: split, baselines, batch-major next-character windows from the right split', () => {
  const corpus = createCharCorpus();
  assert.equal(corpus.text, text);
  assert.equal(corpus.train.length, 270000);
  assert.equal(corpus.valid.length, 30000);
  assert.equal(corpus.vocab.decode(corpus.train.subarray(0, 100)), text.slice(0, 100));
  assert.equal(corpus.vocab.decode(corpus.valid), text.slice(270000));
  // Baselines: below ln(vocab size) (uniform), bigram below unigram.
  assert.ok(corpus.unigramEntropy < Math.log(corpus.vocab.size));
  assert.ok(corpus.bigramEntropy < corpus.unigramEntropy);
  assert.ok(Math.abs(corpus.unigramEntropy - unigramEntropy(corpus.train, corpus.vocab.size)) === 0);
  assert.match(corpus.description, /nats\/char/);

  const rng = createRng(5);
  const B = 8;
  const T = 64;
  const trainText = text.slice(0, 270000);
  const validText = text.slice(270000);
  for (const split of ['train', 'valid'] as const) {
    const batch = corpus.sampleBatch(rng, B, T, split);
    assert.equal(batch.inputs.length, B * T);
    assert.equal(batch.targets.length, B * T);
    for (let b = 0; b < B; b++) {
      const inp = batch.inputs.subarray(b * T, (b + 1) * T);
      const tgt = batch.targets.subarray(b * T, (b + 1) * T);
      for (let t = 0; t + 1 < T; t++) assert.equal(tgt[t], inp[t + 1]);
      const window = corpus.vocab.decode(inp) + corpus.vocab.decode([tgt[T - 1]]);
      assert.ok((split === 'train' ? trainText : validText).includes(window), `${split} window not found`);
    }
  }
  const a = corpus.sampleBatch(createRng(3), 4, 32);
  const b = corpus.sampleBatch(createRng(3), 4, 32);
  assert.deepEqual(a, b);
});

test('createCharCorpus: custom text and errors that name the argument', () => {
  const c = createCharCorpus({ text: 'abcabcabcabc', validFraction: 0.25 });
  assert.equal(c.vocab.size, 3);
  assert.equal(c.train.length, 9);
  assert.equal(c.valid.length, 3);
  // 'abcabcabc': unigram ln 3, bigram 0 (each character determines the next).
  assert.ok(Math.abs(c.unigramEntropy - Math.log(3)) < 1e-15);
  assert.equal(c.bigramEntropy, 0);
  const rng = createRng(1);
  assert.throws(() => c.sampleBatch(rng, 1, 3, 'valid'), {
    message: 'charlm: seqLen must be at most 2 for the valid split (3 characters), got 3',
  });
  assert.throws(() => c.sampleBatch(rng, 0, 2), { message: 'charlm: batch must be an integer >= 1, got 0' });
  assert.throws(() => createCharCorpus({ text: 'ab', validFraction: 1 }), { message: 'validFraction must be in [0, 1), got 1' });
});

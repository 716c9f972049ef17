/**
 * The bad-input matrix of issue 12: every row is an argv of the built
 * `gradclip` (packages/cli/dist, built by `npm test`) that must be refused
 * with exit code 2 and exactly one stderr line starting `gradclip:` that
 * matches the row's pattern (it names the flag and the valid values or the
 * bound), with no stack trace, nothing on stdout, and no folder or file left
 * in the working directory (every check runs before a run folder is made).
 *
 * The rows run in-process (`main()` of dist/cli/main.js, what dist/cli.js
 * calls) in three child processes, each case in its own empty working
 * directory; three rows also go through `node dist/cli.js` itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(process.cwd(), 'packages', 'cli', 'dist', 'cli.js');
const RUNNER = join(process.cwd(), 'test', 'cli', 'bad-input-runner.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'gradclip-bad-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Fixture paths (absolute: every case runs in its own working directory). */
const fx = {
  file: join(tmp, 'fx', 'a-file.txt'),
  foreign: join(tmp, 'fx', 'foreign'),
  run: join(tmp, 'fx', 'old-run'),
  runs: join(tmp, 'fx', 'runs'),
  empty: join(tmp, 'fx', 'empty-dir'),
  short: join(tmp, 'fx', 'short.txt'),
  binary: join(tmp, 'fx', 'binary.dat'),
  latin1: join(tmp, 'fx', 'latin1.txt'),
  emptyText: join(tmp, 'fx', 'empty.txt'),
  missing: join(tmp, 'fx', 'missing.txt'),
  good: join(tmp, 'fx', 'good.txt'),
};

before(() => {
  mkdirSync(join(tmp, 'fx'), { recursive: true });
  writeFileSync(fx.file, 'not a folder\n');
  mkdirSync(fx.foreign);
  writeFileSync(join(fx.foreign, 'notes.txt'), 'mine\n');
  mkdirSync(fx.run);
  for (const f of ['steps.jsonl', 'summary.json', 'report.html', 'loss.png']) writeFileSync(join(fx.run, f), '');
  mkdirSync(join(fx.runs, 'a'), { recursive: true });
  writeFileSync(join(fx.runs, 'a', 'steps.jsonl'), '');
  mkdirSync(fx.empty);
  writeFileSync(fx.short, 'hello world '.repeat(10));
  writeFileSync(fx.binary, Buffer.from('abc\0def'.repeat(50), 'latin1'));
  writeFileSync(fx.latin1, Buffer.from('caf\u00e9 '.repeat(100), 'latin1'));
  writeFileSync(fx.emptyText, '');
  writeFileSync(fx.good, 'the quick brown fox jumps over the lazy dog. '.repeat(100));
});

const CLIP_FORMS = /valid forms are none, norm:<max>, value:<v>, autoclip:<percentile>, agc:<lambda>, zclip:<z>, adagc:<lambdaRel>/;

/** [argv, pattern of the one stderr line]: every row exits 2. */
const MATRIX: (readonly [string[], RegExp])[] = [
  // unknown names, commander's own checks (the suggestion stays on the line)
  [['train', '--task', 'adding'], /--task <name>' argument 'adding' is invalid\. Allowed choices are addition, multiplication/],
  [['train', '--model', 'mlp'], /Allowed choices are rnn, lstm, gru, transformer/],
  [['train', '--optimizer', 'lion'], /Allowed choices are sgd, momentum, adam, adamw/],
  [['train', '--backend', 'gpu'], /Allowed choices are wasm, cpu/],
  [['train', '--nonsense'], /unknown option '--nonsense'/],
  [['train', '--step', '5'], /unknown option '--step' \(Did you mean --steps\?\)/],
  [['trian'], /unknown command 'trian' \(Did you mean train\?\)/],
  [['train', 'extra'], /too many arguments for 'train'/],
  // number syntax
  [['train', '--steps', 'ten'], /--steps must be an integer \(decimal digits, an exponent allowed: e\.g\. 2000 or 1e3\), got "ten"/],
  [['train', '--steps', '1.5'], /--steps must be an integer/],
  [['train', '--batch', '0x10'], /--batch must be an integer \(decimal digits, an exponent allowed: e\.g\. 20 or 1e3\), got "0x10"/],
  [['train', '--lr', 'Infinity'], /--lr must be a finite number in decimal notation/],
  [['train', '--lr', '0x1'], /--lr must be a finite number in decimal notation/],
  [['train', '--lr', ''], /--lr must be a finite number in decimal notation/],
  [['train', '--momentum', 'abc', '--optimizer', 'momentum'], /--momentum must be a finite number/],
  // ranges and the memory bounds
  [['train', '--steps', '0'], /--steps must be an integer >= 1, got 0/],
  [['train', '--steps', '1e12'], /--steps must be at most 1,000,000 \(.*\), got 1000000000000/],
  [['train', '--batch', '0'], /--batch must be an integer >= 1, got 0/],
  [['train', '--batch', '1e8'], /--batch must be at most 10,000, got 100000000/],
  [['train', '--length', '1'], /--length must be at least 10 for --task addition/],
  [['train', '--length', '20000'], /--length must be at most 10,000/],
  [['train', '--seed', '-1'], /--seed must be an integer >= 0, got -1/],
  [['train', '--seed', '1e300'], /--seed must be at most 2,147,483,647/],
  [['train', '--hidden', '0'], /--hidden must be an integer >= 1/],
  [['train', '--hidden', '5000'], /--hidden must be at most 2,048/],
  [['train', '--eval-size', '0'], /--eval-size must be an integer >= 1/],
  [['train', '--eval-size', '1000000'], /--eval-size must be at most 100,000/],
  [['train', '--eval-every', '-1'], /--eval-every must be an integer >= 0/],
  [['train', '--warmup', '-5'], /--warmup must be an integer >= 0/],
  [['train', '--lr', '0'], /--lr must be a finite number > 0, got 0/],
  [['train', '--lr', '-1'], /--lr must be a finite number > 0, got -1/],
  [['train', '--optimizer', 'momentum', '--momentum', '1'], /--momentum must be in \[0, 1\)/],
  [['train', '--optimizer', 'adamw', '--weight-decay', '-1'], /--weight-decay must be a finite number >= 0/],
  [['train', '--batch', '100', '--length', '5000', '--hidden', '100'], /too large for memory: .*= 250,000,000 elements .*limit of 16,777,216 .*lower --eval-size, --length or --hidden/],
  [['train', '--model', 'lstm', '--batch', '10000', '--length', '1000', '--hidden', '100'], /too large for memory: --batch 10000 × --length 1000 × 4 × --hidden 100 \(lstm gates\)/],
  [['train', '--task', 'charlm', '--length', '5000'], /too large for memory: .*transformer MLP and attention/],
  // flags that have no effect
  [['train', '--optimizer', 'adam', '--momentum', '0.5'], /--momentum has no effect: only --optimizer momentum uses it \(this run uses --optimizer adam\)/],
  [['train', '--weight-decay', '0.1'], /--weight-decay has no effect: only --optimizer adamw and stableadamw use it/],
  [['train', '--optimizer', 'stableadamw', '--momentum', '0.5'], /--momentum has no effect: only --optimizer momentum uses it \(this run uses --optimizer stableadamw\)/],
  [['train', '--clip', 'adagc:0'], /invalid clip spec "adagc:0": adagc needs a finite number > 0/],
  [['train', '--cliff-w', '3'], /--cliff-w has no effect: it sets the starting point of --task cliff/],
  [['train', '--cliff-b', '1'], /--cliff-b has no effect/],
  [['train', '--task', 'charlm', '--hidden', '30'], /--hidden has no effect: the transformer's width is fixed \(64\)/],
  [['train', '--task', 'cliff', '--hidden', '10'], /--hidden has no effect: the cliff task is a fixed one-unit RNN/],
  [['train', '--task', 'cliff', '--batch', '5'], /--batch has no effect: the cliff task has no data/],
  [['train', '--task', 'cliff', '--length', '20'], /--length has no effect: the cliff task has no data/],
  [['train', '--task', 'cliff', '--model', 'lstm'], /--model has no effect: the cliff task/],
  [['train', '--task', 'cliff', '--init', 'normal:0.1'], /--init has no effect: the cliff task/],
  [['train', '--eval-every', '5000'], /--eval-every has no effect: no evaluation falls within --steps 2000/],
  [['train', '--text', fx.good], /--text has no effect with --task addition: only --task charlm trains on a text/],
  // cross-flag rules
  [['train', '--model', 'transformer'], /model "transformer" needs --task charlm/],
  [['train', '--init', 'bogus'], /--init bogus is not an initialisation of --model rnn: valid values are basic-tanh, smart-tanh, sigmoid, normal:<std>/],
  [['train', '--model', 'lstm', '--init', 'smart-tanh'], /--init smart-tanh is not an initialisation of --model lstm: valid values are glorot, normal:<std>/],
  [['train', '--task', 'charlm', '--init', 'glorot'], /--init glorot is not an initialisation of --model transformer: valid values are normal:<std>/],
  [['train', '--init', 'normal:abc'], /--init normal:abc: normal:<std> needs a finite standard deviation >= 0/],
  [['train', '--init', 'normal:-1'], /--init normal:-1: normal:<std> needs a finite standard deviation >= 0/],
  [['compare', '--init', 'bogus'], /--init bogus is not an initialisation/],
  [['calibrate', '--init', 'bogus'], /--init bogus is not an initialisation/],
  // --clip
  [['train', '--clip', 'norm:abc'], CLIP_FORMS],
  [['train', '--clip', 'clamp:1'], CLIP_FORMS],
  [['train', '--clip', 'norm:0'], CLIP_FORMS],
  [['train', '--clip', 'norm:0x10'], CLIP_FORMS],
  [['train', '--clip', 'autoclip:150'], /the AutoClip percentile must be in \(0, 100\]/],
  [['train', '--clip', 'none,norm:1'], /one run takes one spec \(gradclip compare takes a comma-separated list\)/],
  [['compare', '--clip', 'none,bogus:1'], /invalid clip spec "bogus:1"/],
  [['compare', '--clip', 'norm:1,norm:1.0'], /--clip lists norm:1 twice \("norm:1" and "norm:1\.0" are the same spec\)/],
  [['compare', '--clip', 'none,,norm:1'], /--clip "none,,norm:1" has an empty entry/],
  // --seeds and the number of runs
  [['compare', '--seeds', '1,,2'], /--seeds "1,,2": an empty entry/],
  [['compare', '--seeds', 'a'], /--seeds "a": "a" is not an integer >= 0/],
  [['compare', '--seeds', '1,1'], /--seeds "1,1" lists seed 1 twice/],
  [['compare', '--seeds', '5-1'], /--seeds 5-1: the range must go up/],
  [['compare', '--seeds', '1-100000'], /--seeds 1-100000 would run 100,000 seeds; compare starts at most 100 runs/],
  [['compare', '--seeds', '1-60', '--clip', 'none,norm:1'], /compare would start 120 runs \(60 seeds × 2 clip methods\); it starts at most 100/],
  [['compare', '--seed', '3', '--seeds', '1,2'], /--seed has no effect with --seeds/],
  // --text
  [['train', '--task', 'charlm', '--text', fx.missing], /--text .*missing\.txt: no such file/],
  [['train', '--task', 'charlm', '--text', fx.emptyText], /--text .*empty\.txt is empty/],
  [['train', '--task', 'charlm', '--text', fx.binary], /--text .*binary\.dat looks binary \(a NUL byte at offset 3\)/],
  [['train', '--task', 'charlm', '--text', fx.latin1], /--text .*latin1\.txt is not valid UTF-8 \(the byte at offset 3 is 0xe9\)/],
  [['train', '--task', 'charlm', '--text', fx.short, '--length', '16'], /--text .*short\.txt is too short for --length 16: it has 120 characters and needs at least 170/],
  [['train', '--task', 'charlm', '--text', join(tmp, 'fx')], /--text .* is a folder/],
  [['compare', '--task', 'charlm', '--text', fx.binary], /looks binary/],
  [['calibrate', '--task', 'charlm', '--text', fx.short], /is too short for --length 50/],
  // --out
  [['train', '--out', fx.file], /--out .*a-file\.txt is a file, not a folder/],
  [['train', '--out', join(fx.file, 'x')], /--out .*a-file\.txt\/x: a part of the path is a file, not a folder/],
  [['train', '--out', fx.foreign], /--out .*foreign is not empty \(it holds notes\.txt, which gradclip does not write\): one run per folder; .*--overwrite/],
  [['train', '--out', fx.foreign, '--overwrite'], /--overwrite refuses to empty --out .*foreign: it holds notes\.txt/],
  [['train', '--out', fx.run], /--out .*old-run is not empty \(it holds earlier gradclip output\): one run per folder; choose a new --out, or add --overwrite/],
  [['train', '--out', fx.runs, '--overwrite'], /--overwrite refuses to empty --out .*runs: it holds a\/ \(a folder, and no compare\.json/],
  [['train', '--out', ''], /--out needs a folder path/],
  [['compare', '--out', fx.run], /--out .*old-run is not empty/],
  [['demo', '--out', fx.foreign], /--out .*foreign is not empty/],
  // calibrate
  [['calibrate', '--steps', '5'], /--steps must be at least 20 for calibrate/],
  [['calibrate', '--steps', '1000000'], /--steps must be at most 100,000/],
  [['calibrate', '--length', '5'], /--length must be at least 10 for --task addition/],
  [['calibrate', '--clip', 'bogus'], /--clip has no effect: calibrate runs unclipped steps/],
  [['calibrate', '--clip', 'norm:1'], /--clip has no effect: calibrate runs unclipped steps/],
  [['calibrate', '--recover'], /--recover has no effect: calibrate trains on a copy of the weights/],
  [['calibrate', '--eval-size', '10'], /--eval-size has no effect: calibrate evaluates nothing/],
  [['calibrate', '--warmup', '5'], /--warmup has no effect: calibrate runs at the constant --lr/],
  [['calibrate', '--skip-non-finite'], /--skip-non-finite has no effect/],
  [['calibrate', '--no-stop-on-divergence'], /--no-stop-on-divergence has no effect/],
  // report, diagnose, demo, serve
  [['report'], /missing required argument 'dirs'/],
  [['report', fx.missing], /is not a gradclip run folder: .*steps\.jsonl is missing/],
  [['report', fx.run, fx.run], /the run folder .* is given twice/],
  [['report', fx.run, '--out', join(tmp, 'x')], /--out has no effect with one run folder/],
  [['diagnose', fx.empty], /empty-dir is not a gradclip run folder/],
  [['demo', '--steps', '0'], /--steps must be an integer >= 1, got 0/],
  [['demo', '--steps', 'abc'], /--steps must be an integer/],
  [['serve', '--port', 'abc'], /--port must be an integer in \[0, 65535\]/],
  [['serve', '--port', '70000'], /--port must be an integer in \[0, 65535\]/],
];

interface CaseResult {
  id: number;
  code: number;
  stdout: string;
  stderr: string;
  leftBehind: string[];
}

/** Runs the rows in `shards` child processes (each row in-process, in its own working directory). */
async function runAll(shards: number): Promise<CaseResult[]> {
  const cases = MATRIX.map(([argv], id) => ({ id, argv }));
  const parts = Array.from({ length: shards }, (_, k) => cases.filter((c) => c.id % shards === k));
  const outputs = await Promise.all(
    parts.map(
      (part, k) =>
        new Promise<CaseResult[]>((resolve, reject) => {
          const file = join(tmp, `cases-${k}.json`);
          writeFileSync(file, JSON.stringify(part));
          const work = join(tmp, `work-${k}`);
          mkdirSync(work);
          const child = spawn(process.execPath, [RUNNER, file, work], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d));
          child.stderr.on('data', (d: Buffer) => (err += d));
          child.on('error', reject);
          child.on('close', (code) => {
            if (code !== 0) reject(new Error(`runner ${k} exited ${code}: ${err}`));
            else resolve(JSON.parse(out.trim().split('\n').pop() ?? '[]') as CaseResult[]);
          });
        }),
    ),
  );
  return outputs.flat().sort((a, b) => a.id - b.id);
}

describe('bad input: exit 2, one stderr line, no stack trace, no folder left behind', () => {
  let results: CaseResult[] = [];
  before(async () => {
    results = await runAll(3);
  });

  for (const [id, [argv, pattern]] of MATRIX.entries()) {
    it(`gradclip ${argv.map((a) => (a.startsWith(tmp) ? a.slice(tmp.length + 1) : a) || "''").join(' ')}`, () => {
      const r = results[id];
      assert.ok(r, 'the case ran');
      assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      assert.equal(lines.length, 1, `one stderr line, got:\n${r.stderr}`);
      assert.ok(lines[0].startsWith('gradclip: '), lines[0]);
      assert.match(lines[0], pattern);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
      assert.doesNotMatch(lines[0], /\b(Error|GradclipArgumentError|TypeError):/, 'no error class names');
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.deepEqual(r.leftBehind, [], 'nothing created in the working directory');
    });
  }

  it('leaves the fixture folders as they were (nothing emptied, nothing added)', () => {
    assert.deepEqual(readdirSync(fx.foreign), ['notes.txt']);
    assert.deepEqual(readdirSync(fx.run).sort(), ['loss.png', 'report.html', 'steps.jsonl', 'summary.json']);
    assert.deepEqual(readdirSync(fx.runs), ['a']);
    assert.deepEqual(readdirSync(fx.empty), []);
  });

  it('the same through node dist/cli.js itself', () => {
    const pick = (first: string, second: string) => MATRIX.find(([a]) => a[0] === first && a[1] === second && a.length <= 3) as (typeof MATRIX)[number];
    for (const [argv, pattern] of [pick('train', '--task'), pick('train', '--step'), pick('train', '--init')]) {
      const cwd = mkdtempSync(join(tmp, 'spawn-'));
      const r = spawnSync(process.execPath, [CLI, ...argv], { cwd, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, pattern);
      assert.deepEqual(readdirSync(cwd), []);
    }
  });
});

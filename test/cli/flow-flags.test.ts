/**
 * `--flow-every <n>` of the built CLI (packages/cli/dist): bad input is
 * refused with exit 2 and one `gradclip:` line naming the flag (run
 * in-process by test/cli/bad-input-runner.mjs, nothing left behind); a
 * train run with it writes `flow` into steps.jsonl at step 1 and every n
 * steps and is otherwise identical to the run without it (cpu rnn, wasm
 * lstm); it survives
 * `--resume` (config.json keeps it); demo passes it to both runs.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(process.cwd(), 'packages', 'cli', 'dist', 'cli.js');
const RUNNER = join(process.cwd(), 'test', 'cli', 'bad-input-runner.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'gradclip-flow-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SMALL = ['--task', 'addition', '--model', 'rnn', '--init', 'normal:0.2', '--length', '10', '--batch', '4', '--hidden', '8', '--eval-size', '20', '--lr', '0.1', '--backend', 'cpu', '--no-progress', '--no-report', '--json'];

const BAD: [string[], RegExp][] = [
  [['train', '--flow-every', '-1'], /^gradclip: --flow-every must be an integer >= 0, got -1$/],
  [['train', '--flow-every', 'often'], /^gradclip: .*--flow-every must be an integer \(decimal digits, an exponent allowed: e\.g\. 50 or 1e3\), got "often"/],
  [['train', '--flow-every', '2.5'], /^gradclip: .*--flow-every must be an integer/],
  [['train', '--flow-every', '1e9'], /^gradclip: --flow-every must be at most 1,000,000/],
  [['train', '--task', 'charlm', '--flow-every', '10'], /^gradclip: --flow-every measures the gradient through the recurrent state of --model rnn, lstm or gru .*the transformer has no recurrent state/],
  [['train', '--task', 'charlm', '--model', 'transformer', '--flow-every', '1'], /the transformer has no recurrent state .*drop --flow-every or use --model rnn, lstm or gru/],
  [['compare', '--task', 'charlm', '--clip', 'none,norm:1', '--flow-every', '5'], /^gradclip: --flow-every measures the gradient through the recurrent state/],
  [['demo', '--flow-every', '-3'], /^gradclip: --flow-every must be an integer >= 0, got -3$/],
  [['demo', '--flow-every', 'x'], /^gradclip: .*--flow-every must be an integer/],
  [['calibrate', '--flow-every', '5'], /^gradclip: unknown option '--flow-every'/],
  [['train', '--resume', join(tmp, 'nowhere'), '--flow-every', '5'], /^gradclip: --resume .*: --flow-every cannot be combined with --resume/],
];

describe('--flow-every: bad input', () => {
  it('every row exits 2 with one gradclip: line naming the flag, and leaves nothing behind', () => {
    const file = join(tmp, 'cases.json');
    writeFileSync(file, JSON.stringify(BAD.map(([argv], id) => ({ id, argv }))));
    const work = join(tmp, 'work');
    const r = spawnSync(process.execPath, [RUNNER, file, work], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const results = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { id: number; code: number; stdout: string; stderr: string; leftBehind: string[] }[];
    for (const res of results) {
      const [argv, re] = BAD[res.id];
      const what = argv.join(' ');
      assert.equal(res.code, 2, `${what}: exit ${res.code}, stderr ${res.stderr}`);
      const lines = res.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `${what}: one stderr line, got ${res.stderr}`);
      assert.match(lines[0], re, what);
      assert.equal(res.stdout, '', what);
      assert.deepEqual(res.leftBehind, [], what);
    }
    assert.equal(results.length, BAD.length);
  });
});

function gc(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function records(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'steps.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    delete o.time;
    return o;
  });
}

function withoutFlow(r: Record<string, unknown>[]): Record<string, unknown>[] {
  return r.map(({ flow: _flow, ...rest }) => rest);
}

describe('--flow-every: runs', () => {
  it('train: flow at steps 1, 5, 10, ...; every other field as without it; resumed from a checkpoint the same', () => {
    const plain = join(tmp, 'plain');
    const flow = join(tmp, 'flow');
    const part = join(tmp, 'part');
    assert.equal(gc(['train', ...SMALL, '--steps', '24', '--out', plain]).code, 0);
    const a = gc(['train', ...SMALL, '--steps', '24', '--flow-every', '5', '--out', flow]);
    assert.equal(a.code, 0, a.stderr);
    const rf = records(flow);
    assert.deepEqual(withoutFlow(rf), records(plain));
    assert.deepEqual(rf.filter((r) => r.flow !== undefined).map((r) => r.step), [1, 5, 10, 15, 20]);
    for (const r of rf.filter((x) => x.flow !== undefined)) {
      const f = r.flow as { timeNorms: unknown[]; growth: unknown; spectralNorm: unknown; spectralRadius: unknown };
      assert.equal(f.timeNorms.length, 10);
      assert.ok(['number', 'string'].includes(typeof f.spectralNorm) && ['number', 'string'].includes(typeof f.spectralRadius));
    }
    assert.equal((JSON.parse(readFileSync(join(flow, 'config.json'), 'utf8')) as { config: { flowEvery: number } }).config.flowEvery, 5);
    // Stop at 12 with a checkpoint at 10, resume to 24: the same records, flow included.
    assert.equal(gc(['train', ...SMALL, '--steps', '12', '--flow-every', '5', '--checkpoint-every', '10', '--out', part]).code, 0);
    const b = gc(['train', '--resume', part, '--steps', '24', '--no-progress', '--no-report', '--json']);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(records(part), rf);
  });

  it('train an lstm on wasm: the records with --flow-every 4 equal those without it, apart from flow', () => {
    const swap: Record<string, string> = { cpu: 'wasm', rnn: 'lstm', 'normal:0.2': 'glorot' };
    const wasm = SMALL.map((a) => swap[a] ?? a);
    const plain = join(tmp, 'wasm-plain');
    const flow = join(tmp, 'wasm-flow');
    assert.equal(gc(['train', ...wasm, '--steps', '9', '--out', plain]).code, 0);
    assert.equal(gc(['train', ...wasm, '--steps', '9', '--flow-every', '4', '--out', flow]).code, 0);
    const rf = records(flow);
    assert.deepEqual(withoutFlow(rf), records(plain));
    assert.deepEqual(rf.filter((r) => r.flow !== undefined).map((r) => r.step), [1, 4, 8]);
  });

  it('demo --flow-every: both runs record the flow', () => {
    const out = join(tmp, 'demo');
    const r = gc(['demo', '--steps', '12', '--flow-every', '6', '--backend', 'cpu', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    for (const run of ['none', 'norm-1']) {
      const steps = records(join(out, run)).filter((x) => x.flow !== undefined).map((x) => x.step);
      assert.deepEqual(steps, [1, 6, 12], run);
    }
  });
});

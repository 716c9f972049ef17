/**
 * The run-folder lifecycle of the built `gradclip` (DESIGN.md section 8):
 * one run per folder (a second run refused, `--overwrite` giving one clean
 * run), SIGINT and SIGTERM on real child processes (summary with
 * `interrupted: true` and the steps done, the report, the JSON line, exit
 * 130/143; a second signal ends the process at once), and `report` /
 * `diagnose` on a folder without `summary.json` (a run killed with SIGKILL).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(process.cwd(), 'packages', 'cli', 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'gradclip-life-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A tiny, fast run. */
const TINY = ['--length', '10', '--batch', '4', '--hidden', '8', '--eval-size', '20', '--no-progress'];

/** Runs `gradclip <args>` to its end (asynchronously, so that the tests of a suite run side by side). */
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

function stepLines(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'steps.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the first signal to the exit. */
  ms: number;
}

/**
 * Starts `gradclip <args>`, waits until `stepsFile` holds `minSteps` lines,
 * sends `signals` (the second after `gapMs`) and resolves at the exit.
 */
function interrupt(args: string[], stepsFile: string, signals: NodeJS.Signals[], minSteps = 5, gapMs = 0): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d));
    child.stderr?.on('data', (d: Buffer) => (stderr += d));
    let sentAt = 0;
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ${minSteps} steps within 60 s: ${stderr}`));
    }, 60_000);
    const poll = setInterval(() => {
      let lines = 0;
      try {
        lines = readFileSync(stepsFile, 'utf8').split('\n').length - 1;
      } catch {
        return;
      }
      if (lines < minSteps) return;
      clearInterval(poll);
      sentAt = Date.now();
      child.kill(signals[0]);
      if (signals[1]) setTimeout(() => child.kill(signals[1]), gapMs);
    }, 20);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(deadline);
      // Let the pipes drain.
      setTimeout(() => resolve({ code, signal, stdout, stderr, ms: Date.now() - sentAt }), 50);
    });
  });
}

describe('one run per folder', { concurrency: true }, () => {
  it('refuses a second run into the same folder; --overwrite gives one clean run', async () => {
    const out = join(tmp, 'again');
    const first = await run(['train', ...TINY, '--steps', '12', '--out', out, '--json', '--no-report']);
    assert.equal(first.code, 0, first.stderr);
    const second = await run(['train', ...TINY, '--steps', '7', '--out', out, '--json', '--no-report']);
    assert.equal(second.code, 2);
    assert.match(second.stderr, /^gradclip: --out .*again is not empty .*one run per folder; .*--overwrite/);
    assert.equal(second.stdout, '');
    assert.equal(stepLines(out).length, 12, 'the first run is untouched');
    const third = await run(['train', ...TINY, '--steps', '7', '--out', out, '--json', '--overwrite']);
    assert.equal(third.code, 0, third.stderr);
    const s = lastJson(third.stdout);
    assert.equal(s.steps, 7);
    assert.equal(s.interrupted, false);
    assert.deepEqual(stepLines(out).map((l) => l.step), [1, 2, 3, 4, 5, 6, 7], 'steps 1..7 once');
    const files = readdirSync(out);
    assert.equal(files.filter((f) => f.startsWith('events.out.tfevents.')).length, 1, 'one event file');
    assert.ok(files.includes('report.html') && files.includes('config.json'));
    assert.ok(!files.some((f) => f.includes('.tmp-')), 'no temporary file left');
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), s);
  });

  it('compare writes one folder per method and a compare.json marker; --overwrite empties the comparison', async () => {
    const out = join(tmp, 'cmp');
    const args = ['compare', ...TINY, '--steps', '4', '--clip', 'none,norm:1,norm:1e+21,norm:1e-21', '--out', out, '--json', '--no-report'];
    const r = await run(args);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout) as { interrupted: boolean; runs: { name: string; dir: string }[] };
    assert.equal(j.interrupted, false);
    assert.deepEqual(j.runs.map((x) => x.name), ['none', 'norm:1', 'norm:1e+21', 'norm:1e-21']);
    assert.equal(new Set(j.runs.map((x) => x.dir)).size, 4, 'distinct folders');
    assert.deepEqual(readdirSync(out).sort(), ['compare.json', 'none', 'norm-1', 'norm-1e+21', 'norm-1e-21']);
    assert.equal((await run(args)).code, 2, 'a second comparison into the folder is refused');
    const again = await run([...args, '--overwrite']);
    assert.equal(again.code, 0, again.stderr);
    for (const d of ['none', 'norm-1']) assert.equal(stepLines(join(out, d)).length, 4);
  });
});

describe('SIGINT / SIGTERM', { concurrency: true }, () => {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${sig}: stops after the current step, writes the summary (interrupted), the report and the JSON line, exits ${code}`, async () => {
      const out = join(tmp, `sig-${sig}`);
      const r = await interrupt(['train', ...TINY, '--steps', '1000000', '--out', out, '--json'], join(out, 'steps.jsonl'), [sig]);
      assert.equal(r.signal, null, `exited by itself (stderr: ${r.stderr})`);
      assert.equal(r.code, code, r.stderr);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(summary.interrupted, true);
      const lines = stepLines(out);
      assert.equal(summary.steps, lines.length, 'summary steps = lines of steps.jsonl');
      assert.ok(lines.length >= 5 && lines.length < 1_000_000);
      assert.deepEqual(lastJson(r.stdout), summary, 'the JSON line on stdout is the summary');
      assert.ok(statSync(join(out, 'report.html')).size > 1000, 'report written');
      assert.match(readFileSync(join(out, 'report.html'), 'utf8'), new RegExp(`interrupted at step ${lines.length} of 1000000`));
      assert.match(r.stderr, new RegExp(`${sig} received: stopped after step ${lines.length} of 1000000`));
      assert.ok(!readdirSync(out).some((f) => f.includes('.tmp-')), 'no temporary file left');
      assert.ok(r.ms < 20_000, `exited ${r.ms} ms after the signal`);
    });
  }

  it('compare: SIGINT stops the current run and skips the rest; the JSON says interrupted', async () => {
    const out = join(tmp, 'sig-compare');
    const r = await interrupt(['compare', ...TINY, '--steps', '1000000', '--clip', 'none,norm:1', '--out', out, '--json', '--no-report'], join(out, 'none', 'steps.jsonl'), ['SIGINT']);
    assert.equal(r.code, 130, r.stderr);
    const j = lastJson(r.stdout) as { interrupted: boolean; runs: Record<string, unknown>[] };
    assert.equal(j.interrupted, true);
    assert.equal(j.runs.length, 1);
    assert.equal(j.runs[0].interrupted, true);
    assert.equal(j.runs[0].steps, stepLines(join(out, 'none')).length);
    assert.ok(!existsSync(join(out, 'norm-1')), 'the second run was not started');
  });

  it('a second signal ends the process at once', async () => {
    const out = join(tmp, 'sig-twice');
    const r = await interrupt(['train', ...TINY, '--steps', '1000000', '--out', out, '--json'], join(out, 'steps.jsonl'), ['SIGINT', 'SIGINT'], 5, 10);
    assert.ok(r.signal === 'SIGINT' || r.code === 130, `ended by SIGINT (code ${r.code}, signal ${r.signal})`);
    assert.ok(r.ms < 5_000, `${r.ms} ms`);
    assert.ok(stepLines(out).length >= 5, 'the steps written so far are whole lines');
  });
});

describe('a folder without summary.json', { concurrency: true }, () => {
  it('report and diagnose rebuild the summary from steps.jsonl and say the run is incomplete', async () => {
    const out = join(tmp, 'killed');
    const r = await interrupt(['train', ...TINY, '--steps', '1000000', '--clip', 'norm:1', '--out', out], join(out, 'steps.jsonl'), ['SIGKILL'], 5);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(!existsSync(join(out, 'summary.json')));
    const n = stepLines(out).length;
    const rep = await run(['report', out]);
    assert.equal(rep.code, 0, rep.stderr);
    assert.match(rep.stdout, new RegExp(`\\(${n} steps, INCOMPLETE: no summary\\.json, summary rebuilt from the ${n} steps of steps\\.jsonl`));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /<h1>gradclip run: norm:1 \(incomplete: no summary\.json/);
    assert.match(html, /clip norm:1/, 'the configuration comes from config.json');
    const d = await run(['diagnose', out]);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^run: .*killed is INCOMPLETE \(no summary\.json/);
    assert.ok(!existsSync(join(out, 'summary.json')), 'report does not invent a summary.json');
  });
});

/** `gradclip train --checkpoint-every` then `--resume`: equals the run never interrupted (cpu, addition). */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readTfEvents, tfEventsToStepStats } from 'gradclip';
import { rng } from '../helpers/rng.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(process.cwd(), 'packages', 'cli', 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'gradclip-resume-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const T = ['--task', 'addition', '--length', '10', '--batch', '4', '--hidden', '8', '--eval-size', '20', '--eval-every', '10', '--optimizer', 'adam', '--clip', 'norm:1', '--backend', 'cpu', '--no-progress', '--no-report', '--json'];

function gc(args: string[]): { code: number; summary: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  const lines = r.stdout.trim().split('\n');
  const summary = r.status === 0 ? (JSON.parse(lines[lines.length - 1]) as Record<string, unknown>) : {};
  delete summary.wallSeconds;
  return { code: r.status ?? -1, summary, stderr: r.stderr };
}
function records(dir: string): unknown[] {
  return readFileSync(join(dir, 'steps.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    delete o.time;
    return o;
  });
}

it('a 40-step run stopped after step 20 and resumed equals the uninterrupted run', () => {
  const full = join(tmp, 'full');
  const part = join(tmp, 'part');
  const a = gc(['train', ...T, '--steps', '40', '--out', full]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(gc(['train', ...T, '--steps', '20', '--checkpoint-every', '10', '--out', part]).code, 0);
  const b = gc(['train', '--resume', part, '--steps', '40', '--checkpoint-every', '10', '--no-progress', '--no-report', '--json']);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(records(part), records(full));
  assert.deepEqual(b.summary, a.summary);
  assert.deepEqual(JSON.parse(readFileSync(join(part, 'evals.json'), 'utf8')), JSON.parse(readFileSync(join(full, 'evals.json'), 'utf8')));
});

it('--resume refuses run flags that the folder fixes', () => {
  const r = gc(['train', '--resume', join(tmp, 'part'), '--lr', '0.1', '--steps', '60']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--lr cannot be combined with --resume/);
});

/** Starts a run, sends SIGTERM once steps.jsonl holds `after` records, and resolves with the exit code and stdout. */
function interruptAfter(args: string[], dir: string, after: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    const poll = setInterval(() => {
      const f = join(dir, 'steps.jsonl');
      if (existsSync(f) && readFileSync(f, 'utf8').split('\n').length - 1 >= after) {
        clearInterval(poll);
        child.kill('SIGTERM');
      }
    }, 5);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, stdout });
    });
  });
}

/** The steps of every TensorBoard scalar in the folder's event files, tag by tag. */
function tensorboardSteps(dir: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const f of readdirSync(dir).filter((n) => n.startsWith('events.out.tfevents.')).sort()) {
    const { events } = readTfEvents(readFileSync(join(dir, f)));
    for (const e of events) for (const v of e.summary?.value ?? []) out.set(v.tag, [...(out.get(v.tag) ?? []), e.step]);
  }
  return out;
}

it('SIGTERM twice at random steps, each time resumed: the same records, evals, summary, weights and optimizer state as the run never interrupted; TensorBoard has each step once', async () => {
  const seed = Number(process.env.GRADCLIP_TEST_SEED ?? 20261201);
  const r = rng(seed);
  const k1 = 3 + Math.floor(r() * 20);
  const k2 = k1 + 5 + Math.floor(r() * 20);
  const why = `seed ${seed} (GRADCLIP_TEST_SEED), signals after ${k1} and ${k2} records`;
  const full = join(tmp, 'full-sig');
  const part = join(tmp, 'part-sig');
  const run = [...T, '--steps', '60', '--checkpoint-every', '20'];
  const a = gc(['train', ...run, '--out', full]);
  assert.equal(a.code, 0, a.stderr);
  const first = await interruptAfter(['train', ...run, '--out', part], part, k1);
  assert.equal(first.code, 143, why);
  const s1 = JSON.parse(first.stdout.trim().split('\n').pop() as string) as { interrupted: boolean; steps: number };
  assert.equal(s1.interrupted, true, why);
  assert.ok(s1.steps >= k1 && s1.steps < 60, why);
  const ck = JSON.parse(readFileSync(join(part, 'checkpoint.json'), 'utf8')) as { step: number };
  assert.equal(ck.step, s1.steps, `the stop step is checkpointed (${why})`);
  const resumeArgs = ['train', '--resume', part, '--steps', '60', '--checkpoint-every', '20', '--backend', 'cpu', '--no-progress', '--no-report', '--json'];
  const second = await interruptAfter(resumeArgs, part, k2);
  if (second.code === 143) {
    const b = gc(resumeArgs);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(b.summary, a.summary, why);
  } else {
    assert.equal(second.code, 0, `the resumed run finished before the second signal (${why})`);
  }
  assert.deepEqual(records(part), records(full), why);
  assert.deepEqual(JSON.parse(readFileSync(join(part, 'evals.json'), 'utf8')), JSON.parse(readFileSync(join(full, 'evals.json'), 'utf8')), why);
  // Weights, optimizer slots and data position at step 60, compared directly.
  assert.deepEqual(JSON.parse(readFileSync(join(part, 'checkpoint.json'), 'utf8')), JSON.parse(readFileSync(join(full, 'checkpoint.json'), 'utf8')), why);
  const tb = tensorboardSteps(part);
  const want = Array.from({ length: 60 }, (_, i) => i + 1);
  assert.ok(tb.size > 3, 'the event files hold scalars');
  for (const tag of ['loss', 'grad_norm/pre_clip']) assert.deepEqual(tb.get(tag), want, `${tag}: each step once, in order (${why})`);
});

it('charlm on a --text file: stopped at 20, resumed to 30, equals the uninterrupted run (the text is read again from config.json)', () => {
  const text = join(tmp, 'corpus.txt');
  const words = ['the', 'gradient', 'explodes', 'through', 'time', 'and', 'clipping', 'keeps', 'it', 'bounded'];
  const r = rng(5);
  writeFileSync(text, Array.from({ length: 2500 }, () => words[Math.floor(r() * words.length)]).join(' '));
  const C = ['--task', 'charlm', '--text', text, '--length', '16', '--batch', '4', '--eval-size', '20', '--clip', 'norm:1', '--backend', 'cpu', '--no-progress', '--no-report', '--json'];
  const full = join(tmp, 'lm-full');
  const part = join(tmp, 'lm-part');
  const a = gc(['train', ...C, '--steps', '30', '--out', full]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(gc(['train', ...C, '--steps', '20', '--checkpoint-every', '10', '--out', part]).code, 0);
  const b = gc(['train', '--resume', part, '--steps', '30', '--backend', 'cpu', '--no-progress', '--no-report', '--json']);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(records(part), records(full));
  assert.deepEqual(b.summary, a.summary);
});

it('--recover with --checkpoint-every: the unclipped exploding run stopped between two rollbacks and resumed rolls back exactly as the uninterrupted one', () => {
  const R = ['--task', 'addition', '--model', 'rnn', '--init', 'normal:0.2', '--length', '20', '--batch', '20', '--optimizer', 'sgd', '--lr', '0.1', '--clip', 'none', '--seed', '1', '--recover', '--eval-size', '50', '--backend', 'cpu', '--no-progress', '--no-report', '--json'];
  const full = join(tmp, 'rec-full');
  const part = join(tmp, 'rec-part');
  const a = gc(['train', ...R, '--steps', '60', '--checkpoint-every', '30', '--out', full]);
  assert.equal(a.code, 0, a.stderr);
  const events = (records(full) as Array<{ step: number; recovered?: { toStep: number } }>).filter((r) => r.recovered !== undefined);
  assert.ok(events.some((e) => e.step <= 30) && events.some((e) => e.step > 30 && (e.recovered?.toStep ?? 99) < 30), `rollbacks on both sides of step 30, one of them back past it: ${JSON.stringify(events)}`);
  assert.equal(gc(['train', ...R, '--steps', '30', '--checkpoint-every', '30', '--out', part]).code, 0);
  const b = gc(['train', '--resume', part, '--steps', '60', '--checkpoint-every', '30', '--no-progress', '--no-report', '--json']);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(records(part), records(full));
  assert.deepEqual(b.summary, a.summary);
  assert.deepEqual(JSON.parse(readFileSync(join(part, 'checkpoint.json'), 'utf8')), JSON.parse(readFileSync(join(full, 'checkpoint.json'), 'utf8')));
});

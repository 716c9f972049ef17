/** `gradclip train --checkpoint-every` then `--resume`: equals the run never interrupted (cpu, addition). */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

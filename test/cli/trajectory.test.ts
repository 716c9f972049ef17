/**
 * `trajectory.json` of a cliff run written by `gradclip train`: the (w, b)
 * position from step 0 to the last step, equal to the run's own positions
 * (the checkpoint's weights), whole after `--checkpoint-every`/`--resume`,
 * and written on SIGINT; `loadRun` reads it back and the report draws it.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRun } from '../../packages/cli/src/run-folder/index.js';
import { decodeTrajectory, type CliffTrajectory } from '../../packages/cli/src/run-folder/trajectory-codec.js';

const CLI = join(process.cwd(), 'packages', 'cli', 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'gradclip-trajectory-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const CLIFF = ['--task', 'cliff', '--lr', '0.5', '--clip', 'none', '--backend', 'cpu', '--no-progress', '--json'];

function gc(args: string[]): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stderr: r.stderr };
}

function trajectory(dir: string): CliffTrajectory {
  const r = decodeTrajectory(JSON.parse(readFileSync(join(dir, 'trajectory.json'), 'utf8')));
  assert.ok('trajectory' in r, 'error' in r ? r.error : '');
  return r.trajectory;
}

it('train --task cliff writes trajectory.json: steps 0..N, starting at (--cliff-w, --cliff-b); the report draws it', () => {
  const dir = join(tmp, 'full');
  const r = gc(['train', ...CLIFF, '--steps', '120', '--out', dir]);
  assert.equal(r.code, 0, r.stderr);
  const t = trajectory(dir);
  assert.deepEqual(t.points.map((p) => p.step), Array.from({ length: 121 }, (_, i) => i));
  assert.ok(Math.abs(t.points[0].w - 6) < 1e-6 && Math.abs(t.points[0].b + 2.93) < 1e-6);
  // the unclipped run jumps off the cliff once (the step of Pascanu et al.'s Fig. 6)
  const moves = t.points.slice(1).map((p, i) => Math.hypot(p.w - t.points[i].w, p.b - t.points[i].b));
  assert.ok(Math.max(...moves) > 5, `largest move ${Math.max(...moves)}`);
  const run = loadRun(dir);
  assert.deepEqual(run.trajectory, t);
  assert.deepEqual(run.warnings, []);
  assert.ok(existsSync(join(dir, 'cliff-surface.png')));
  assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /id="figure-cliff-surface"/);
});

it('--checkpoint-every then --resume: the trajectory is the whole one, equal to the uninterrupted run', () => {
  const part = join(tmp, 'part');
  assert.equal(gc(['train', ...CLIFF, '--steps', '50', '--checkpoint-every', '20', '--no-report', '--out', part]).code, 0);
  // the file at the end of the first part holds 50 steps; the checkpoint is at step 40
  assert.equal(trajectory(part).points.length, 51);
  const b = gc(['train', '--resume', part, '--steps', '120', '--no-progress', '--no-report', '--json']);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(trajectory(part), trajectory(join(tmp, 'full')));
});

it('a run of another task has no trajectory.json; a damaged one is a warning of loadRun', () => {
  const dir = join(tmp, 'addition');
  assert.equal(gc(['train', '--task', 'addition', '--length', '10', '--batch', '2', '--hidden', '4', '--steps', '3', '--eval-size', '4', '--backend', 'cpu', '--no-progress', '--no-report', '--out', dir]).code, 0);
  assert.equal(existsSync(join(dir, 'trajectory.json')), false);
  assert.equal(loadRun(dir).trajectory, undefined);
  const bad = join(tmp, 'damaged');
  cpSync(join(tmp, 'full'), bad, { recursive: true });
  writeFileSync(join(bad, 'trajectory.json'), '{"format":"gradclip-cliff-trajectory","version":1,"points":[{"step":0,"w":1}]}');
  const run = loadRun(bad);
  assert.equal(run.trajectory, undefined);
  assert.deepEqual(run.warnings, ['trajectory.json point 1 is not {step, w, b}: ignored']);
});

it('SIGINT: the interrupted cliff run writes its trajectory up to the last step taken', async () => {
  const dir = join(tmp, 'sigint');
  const child = spawn(process.execPath, [CLI, 'train', ...CLIFF, '--steps', '1000000', '--no-report', '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no steps within 60 s: ${stderr}`));
    }, 60_000);
    const poll = setInterval(() => {
      let lines = 0;
      try {
        lines = readFileSync(join(dir, 'steps.jsonl'), 'utf8').split('\n').length - 1;
      } catch {
        return;
      }
      if (lines < 10) return;
      clearInterval(poll);
      child.kill('SIGINT');
    }, 20);
    child.on('exit', (c) => {
      clearInterval(poll);
      clearTimeout(deadline);
      resolve(c);
    });
  });
  assert.equal(code, 130, stderr);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { steps: number; interrupted: boolean };
  assert.equal(summary.interrupted, true);
  const t = trajectory(dir);
  assert.equal(t.points.length, summary.steps + 1);
  assert.equal(t.points[t.points.length - 1].step, summary.steps);
});

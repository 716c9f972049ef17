/** `gradclip report <comparison folder>`: the runs of a compare/demo folder (finished or cut short) and the comparison report back into it. */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gradclip-report-cmp-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const gc = runCli;

it('a comparison folder whose second run never finished: both runs reported, the comparison report rewritten in the folder', () => {
  const out = join(tmp, 'cmp');
  const c = gc(['compare', '--task', 'addition', '--length', '10', '--batch', '4', '--hidden', '8', '--steps', '6', '--eval-size', '20', '--clip', 'none,norm:1', '--backend', 'cpu', '--no-progress', '--out', out]);
  assert.equal(c.code, 0, c.stderr);
  rmSync(join(out, 'norm-1', 'summary.json')); // as if killed before its end
  const before = statSync(join(out, 'report.html')).mtimeMs;
  const r = gc(['report', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /cmp\/none\/report\.html \(6 steps/);
  assert.match(r.stdout, /cmp\/norm-1\/report\.html \(6 steps, INCOMPLETE/);
  assert.match(r.stdout, /cmp\/report\.html \(comparison of 2 runs\)/);
  assert.ok(statSync(join(out, 'report.html')).mtimeMs >= before);
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /norm-1/);
  assert.ok(!existsSync(join('runs', 'comparison', 'report.html')) || statSync(join('runs', 'comparison', 'report.html')).mtimeMs < before, 'not written to the default comparison folder');
});

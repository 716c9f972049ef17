/** `gradclip diagnose`: paths near a run folder get a clear line; the unclipped baseline is found whatever the folders are called. */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gradclip-diag-paths-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const gc = runCli;

const RUN = ['train', '--task', 'addition', '--model', 'rnn', '--init', 'normal:0.2', '--length', '20', '--lr', '0.1', '--steps', '40', '--eval-size', '20', '--seed', '1', '--backend', 'cpu', '--no-progress', '--no-report'];

it('a clipped run finds its unclipped twin in a folder of any name (one measured with --flow-every too): no fix raises the threshold', () => {
  assert.equal(gc([...RUN, '--clip', 'none', '--flow-every', '5', '--out', join(tmp, 'my-unclipped')]).code, 0);
  assert.equal(gc([...RUN, '--clip', 'norm:1', '--out', join(tmp, 'exp-7')]).code, 0);
  const r = gc(['diagnose', join(tmp, 'exp-7'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { unclippedBaseline: string | null; causes: Array<{ fixes: string[] }>; recommendations: string[] };
  assert.match(d.unclippedBaseline ?? '', /my-unclipped$/);
  const advice = [...d.causes.flatMap((c) => c.fixes), ...d.recommendations].join('\n');
  assert.doesNotMatch(advice, /raise the threshold/i);
});

it('a file, a folder of runs and a missing path: one exit-2 line that says what to give', () => {
  const cases: Array<[string, RegExp]> = [
    [join(tmp, 'exp-7', 'steps.jsonl'), /diagnose: .*steps\.jsonl is a file; give the run folder that holds it \(.*exp-7\)/],
    [tmp, /is not a run folder but holds 2 of them \(.*; give one of them/],
    [join(tmp, 'nowhere'), /nowhere does not exist; give a run folder/],
  ];
  for (const [p, re] of cases) {
    const r = gc(['diagnose', p]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

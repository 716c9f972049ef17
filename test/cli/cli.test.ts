/**
 * End-to-end runs of the built `gradclip` command (dist/cli.js, built by
 * `npm test` before the suite): short runs, the JSON contract of DESIGN.md
 * section 4, run folders, and exit code 2 with one-line errors.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRunWriters } from '../../packages/gradclip/src/node.js';
import { lastJson, runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gradclip-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const run = runCli;

const CONTRACT = ['steps', 'diverged', 'divergedAtStep', 'finalLoss', 'maxPreClipNorm', 'medianPreClipNorm', 'clipRate', 'errorRate'];

describe('gradclip train', () => {
  it('writes a run folder and prints the JSON summary as the last stdout line', () => {
    const out = join(tmp, 'clipped');
    const r = run(['train', '--task', 'addition', '--model', 'rnn', '--length', '12', '--batch', '8', '--steps', '25', '--lr', '0.05', '--clip', 'norm:1.0', '--seed', '3', '--eval-size', '100', '--out', out, '--json', '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    const s = lastJson(r.stdout);
    for (const k of CONTRACT) assert.ok(k in s, `summary has ${k}`);
    assert.equal(s.steps, 25);
    assert.equal(s.diverged, false);
    assert.equal(s.divergedAtStep, null);
    assert.equal(typeof s.finalLoss, 'number');
    assert.ok((s.errorRate as number) >= 0 && (s.errorRate as number) <= 1);
    assert.ok((s.clipRate as number) >= 0 && (s.clipRate as number) <= 1);
    assert.ok((s.medianPreClipNorm as number) <= (s.maxPreClipNorm as number));
    const files = readdirSync(out);
    for (const f of ['steps.jsonl', 'summary.json', 'report.html', 'loss.png', 'grad-norm.png']) assert.ok(files.includes(f), `${f} written`);
    assert.ok(files.some((f) => f.startsWith('events.out.tfevents.')), 'TensorBoard event file written');
    const lines = readFileSync(join(out, 'steps.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 25);
    assert.deepEqual(lines.map((l) => l.step), Array.from({ length: 25 }, (_, i) => i + 1));
    // The summary is computed from those same steps.
    const pre = lines.map((l) => l.preClipNorm as number);
    assert.equal(s.maxPreClipNorm, Math.max(...pre));
    assert.equal(s.clipRate, lines.filter((l) => l.clipped === true).length / 25);
    // Every clipped step's post-clip norm is the threshold (Optax rule: n * (1/n) within float32).
    for (const l of lines) if (l.clipped) assert.ok(Math.abs((l.postClipNorm as number) - 1) < 1e-5);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), s);
  });

  it('reports a diverging run as a result (exit 0, diverged true, report still written)', () => {
    const out = join(tmp, 'diverged');
    const r = run(['train', '--task', 'addition', '--model', 'rnn', '--init', 'normal:0.2', '--lr', '0.1', '--length', '50', '--steps', '200', '--clip', 'none', '--seed', '1', '--out', out, '--json', '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    const s = lastJson(r.stdout);
    assert.equal(s.diverged, true);
    assert.equal(typeof s.divergedAtStep, 'number');
    assert.equal(s.steps, s.divergedAtStep, 'training stops at the divergence step');
    assert.equal(s.finalLoss, null);
    assert.ok(existsSync(join(out, 'report.html')));
    const d = run(['diagnose', out, '--json']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(lastJson(d.stdout).status, 'exploding');
  });

  it('--recover: rollbacks counted in the summary and recorded in steps.jsonl; past 5 the run ends as diverged (exit 0)', () => {
    const out = join(tmp, 'recover');
    const r = run(['train', '--task', 'addition', '--init', 'normal:0.2', '--lr', '50', '--length', '20', '--steps', '100', '--clip', 'none', '--recover', '--eval-size', '50', '--out', out, '--json', '--no-progress', '--no-report']);
    assert.equal(r.code, 0, r.stderr);
    const s = lastJson(r.stdout);
    assert.equal(s.recoveries, 5);
    assert.equal(s.diverged, true);
    assert.equal(s.steps, s.divergedAtStep);
    assert.equal((s.config as Record<string, unknown>).recover, true);
    const lines = readFileSync(join(out, 'steps.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; recovered?: { toStep: number; lostSteps: number; trigger: string } });
    assert.equal(lines.length, s.steps);
    const events = lines.filter((l) => l.recovered !== undefined);
    assert.equal(events.length, 5);
    for (const l of events) assert.equal(l.recovered?.trigger, 'nonfinite');
    assert.equal(s.lostSteps, events.reduce((a, l) => a + (l.recovered?.lostSteps ?? 0), 0));
    const plain = run(['train', '--clip', 'adagc:1.05', '--optimizer', 'stableadamw', '--weight-decay', '0.1', '--lr', '0.01', '--length', '12', '--batch', '4', '--steps', '5', '--eval-size', '20', '--out', join(tmp, 'stable'), '--json', '--no-progress', '--no-report']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(lastJson(plain.stdout).recoveries, 0);
    assert.equal(lastJson(plain.stdout).diverged, false);
  });

  for (const [args, pattern] of [
    [['train', '--task', 'adding'], /Allowed choices are addition, multiplication/],
    [['train', '--model', 'mlp'], /Allowed choices are rnn, lstm, gru, transformer/],
    [['train', '--clip', 'norm:abc'], /valid forms are none, norm:<max>, value:<v>, autoclip:<percentile>, agc:<lambda>, zclip:<z>, adagc:<lambdaRel>/],
    [['train', '--clip', 'clamp:1'], /valid forms are none, norm:<max>/],
    [['train', '--nonsense'], /unknown option '--nonsense'/],
    [['train', '--task', 'addition', '--model', 'transformer'], /needs --task charlm/],
    [['compare', '--clip', 'none,bogus:1'], /invalid clip spec "bogus:1"/],
    [['train', '--steps', 'ten'], /--steps must be an integer/],
  ] as const) {
    it(`rejects ${args.slice(1).join(' ')} with exit code 2 and a one-line error`, () => {
      const r = run([...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    });
  }
});

describe('gradclip compare / report / calibrate', () => {
  it('compares clipping methods on the same model, data and seed', () => {
    const out = join(tmp, 'cmp');
    const r = run(['compare', '--task', 'addition', '--length', '12', '--batch', '8', '--steps', '15', '--clip', 'none,norm:1,value:0.5', '--eval-size', '50', '--out', out, '--json', '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout) as { runs: Array<Record<string, unknown>> };
    assert.deepEqual(j.runs.map((x) => x.name), ['none', 'norm:1', 'value:0.5']);
    assert.ok(existsSync(join(out, 'report.html')));
    for (const d of ['none', 'norm-1', 'value-0.5']) assert.ok(existsSync(join(out, d, 'steps.jsonl')));
    // Same data and initialisation: the first step's pre-clip norm is identical across methods.
    const first = ['none', 'norm-1', 'value-0.5'].map((d) => JSON.parse(readFileSync(join(out, d, 'steps.jsonl'), 'utf8').split('\n')[0]).preClipNorm);
    assert.equal(first[0], first[1]);
    assert.equal(first[0], first[2]);
    const rep = run(['report', join(out, 'none'), join(out, 'norm-1'), '--out', join(out, 'again')]);
    assert.equal(rep.code, 0, rep.stderr);
    assert.ok(existsSync(join(out, 'again', 'report.html')));
  });

  it('calibrates a threshold from unclipped steps', () => {
    const r = run(['calibrate', '--task', 'addition', '--length', '12', '--batch', '8', '--steps', '40', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout) as { threshold: number; median: number; steps: number; percentiles: { p50: number; max: number } };
    assert.equal(j.steps, 40);
    assert.ok(j.threshold >= j.median, 'threshold above the median norm');
    assert.ok(j.percentiles.p50 <= j.percentiles.max);
  });

  it('calibrate: an explicit --steps is kept (2000 included); without it 300 steps run', () => {
    const small = ['calibrate', '--task', 'addition', '--length', '10', '--batch', '4', '--hidden', '8', '--json'];
    for (const [extra, steps] of [[['--steps', '2000'], 2000], [[], 300]] as const) {
      const r = run([...small, ...extra]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((lastJson(r.stdout) as { steps: number }).steps, steps);
    }
  });

  it('demo: the unclipped run goes non-finite, the clipped one trains on, and the report is written', () => {
    const out = join(tmp, 'demo');
    const r = run(['demo', '--steps', '60', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Without clipping the gradient norm reached \S+ and training went non-finite at step \d+\./);
    assert.match(r.stdout, /With clipping at 1\.0 it trained all 60 steps/);
    assert.ok(existsSync(join(out, 'report.html')));
  });

  it('diagnoses logs written by the library (no summary.json) and a run still being written', () => {
    const dir = join(tmp, 'library-logs');
    const w = openRunWriters(dir, { tensorboard: false });
    // 30 ordinary steps, then norms multiplied by 100 per step: exploding from step 31.
    for (let i = 1; i <= 40; i++) {
      const n = i <= 30 ? 1 + (i % 3) * 0.1 : 100 ** (i - 30);
      w.write({ step: i, loss: 1, preClipNorm: n, postClipNorm: n, clipCoef: 1, clipped: false, skipped: false });
    }
    w.close();
    const r = run(['diagnose', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = lastJson(r.stdout);
    assert.equal(d.status, 'exploding');
    assert.equal(d.firstEventStep, 31);
  });

  it('refuses a folder that is not a run', () => {
    // a folder of runs: named as such, with the runs to choose from
    const r = run(['diagnose', tmp]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not a run folder but holds \d+ of them \(.*\); give one of them/);
    // an empty folder
    const empty = join(tmp, 'empty-folder');
    mkdirSync(empty);
    const e = run(['diagnose', empty]);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /is not a gradclip run folder/);
  });
});

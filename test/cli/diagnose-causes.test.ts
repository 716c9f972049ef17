/**
 * `gradclip diagnose` with ranked causes (issue 14, part 2), end to end on
 * the built command: a comparison of an LSTM at SGD lr 10 (100× the lr at
 * which it trains) with and without clipping; the clipped run is diagnosed
 * `learning-rate-too-high` with the context of its config.json and of its
 * unclipped sibling (which diverged), in JSON and in text (causes before
 * the findings), for a comparison folder too, and in the HTML report.
 * Plus the configuration → context mapping.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose, readStepsJsonl } from '../../packages/gradclip/src/index.js';
import { diagnoseContextOf } from '../../packages/cli/src/train/diagnose-context.js';
import { unclippedSibling } from '../../packages/cli/src/run-folder/diagnosis.js';
import { readRunStart } from '../../packages/cli/src/run-folder/index.js';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../packages/cli/src/train/config.js';
import { lastJson, runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gradclip-diagnose-causes-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const run = runCli;

const OLD_FIELDS = ['status', 'flags', 'findings', 'recommendations', 'summary', 'firstEventStep', 'steps', 'clipRate', 'skippedSteps', 'medianPreClipNorm', 'maxPreClipNorm', 'recommendedThreshold'];
const RAISE = /raise (the )?(clipping )?threshold/i;

describe('gradclip diagnose: ranked causes', () => {
  const cmp = join(tmp, 'cmp');
  const clipped = join(cmp, 'norm-1');
  const unclipped = join(cmp, 'none');
  before(() => {
    const r = run(['compare', '--task', 'addition', '--model', 'lstm', '--hidden', '16', '--length', '10', '--steps', '80', '--optimizer', 'sgd', '--lr', '10', '--clip', 'none,norm:1', '--eval-size', '20', '--out', cmp, '--no-report', '--no-progress', '--json']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('--json: the old fields, plus causes led by learning-rate-too-high, with the context of config.json and the sibling', () => {
    const r = run(['diagnose', clipped, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = lastJson(r.stdout);
    for (const k of OLD_FIELDS) assert.ok(k in d, `keeps ${k}`);
    const causes = d.causes as { cause: string; confidence: number; evidence: string[]; fixes: string[] }[];
    assert.equal(causes[0].cause, 'learning-rate-too-high');
    // The context came from config.json (lr 10, threshold 1) and from the diverged sibling.
    const unclippedSummary = JSON.parse(readFileSync(join(unclipped, 'summary.json'), 'utf8')) as { diverged: boolean };
    assert.equal(unclippedSummary.diverged, true);
    assert.match(causes[0].fixes[0], /from 10 to 1/);
    assert.ok(causes[0].fixes.some((f) => /do not raise it: without clipping this run diverged/.test(f)));
    for (const c of causes) for (const f of c.fixes) assert.doesNotMatch(f, RAISE);
    assert.ok(!(d.recommendations as string[]).some((x) => RAISE.test(x)));
    // The same as the library with that context.
    const { steps } = readStepsJsonl(readFileSync(join(clipped, 'steps.jsonl'), 'utf8'));
    const expected = diagnose(steps, {}, { model: 'lstm', layers: 2, residual: false, normalization: false, sequenceLength: 10, optimizer: 'sgd', learningRate: 10, clip: 'norm', clipThreshold: 1, unclippedDiverged: true });
    assert.deepEqual(causes, expected.causes);
  });

  it('text: the causes (cause, confidence, evidence, fixes) come before the findings', () => {
    const r = run(['diagnose', clipped]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    const at = (s: string): number => out.indexOf(s);
    assert.ok(at('causes, most likely first (unclipped baseline: ') > 0, out);
    assert.ok(at('  1. learning-rate-too-high (confidence ') > at('causes, most likely first'));
    assert.ok(at('     evidence: Clipping fired on ') > at('  1. learning-rate-too-high'));
    assert.ok(at('     fix: Lower the learning rate') > at('     evidence: '));
    const findings = at('\nfindings:');
    if (findings >= 0) assert.ok(findings > at('     fix: '));
    assert.match(out, /Most likely cause: learning-rate-too-high/);
  });

  it('a comparison folder: every run diagnosed', () => {
    const r = run(['diagnose', cmp, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const runs = (lastJson(r.stdout).runs as { dir: string; status: string; causes: unknown[] }[]);
    assert.deepEqual(runs.map((x) => x.dir), [unclipped, clipped]);
    assert.equal(runs[0].status, 'exploding');
    assert.ok(runs.every((x) => Array.isArray(x.causes) && x.causes.length > 0));
    const text = run(['diagnose', cmp]);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.indexOf(`== ${unclipped}`) < text.stdout.indexOf(`== ${clipped}`));
  });

  it("the unclipped sibling is found next to the run (train's default names), only with the same configuration", () => {
    const parent = join(tmp, 'runs');
    mkdirSync(parent);
    cpSync(clipped, join(parent, 'addition-lstm-norm-1-seed1'), { recursive: true });
    // A decoy: unclipped, diverged, but another learning rate; then the real twin.
    const decoy = join(parent, 'addition-lstm-none-lr1-seed1');
    cpSync(unclipped, decoy, { recursive: true });
    const start = JSON.parse(readFileSync(join(decoy, 'config.json'), 'utf8')) as { config: RunConfig };
    start.config.lr = 1;
    writeFileSync(join(decoy, 'config.json'), JSON.stringify(start));
    const self = readRunStart(join(parent, 'addition-lstm-norm-1-seed1'))!.config;
    assert.equal(unclippedSibling(join(parent, 'addition-lstm-norm-1-seed1'), self), null, 'a sibling with another lr is not the baseline');
    cpSync(unclipped, join(parent, 'addition-lstm-none-seed1'), { recursive: true });
    const found = unclippedSibling(join(parent, 'addition-lstm-norm-1-seed1'), self);
    assert.ok(found && found.dir.endsWith('addition-lstm-none-seed1') && found.diverged === true, JSON.stringify(found));
    // An unclipped run has no unclipped baseline.
    assert.equal(unclippedSibling(join(parent, 'addition-lstm-none-seed1'), readRunStart(join(parent, 'addition-lstm-none-seed1'))!.config), null);
  });

  it('the HTML report lists the causes in its diagnosis section', () => {
    const r = run(['report', clipped]);
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(join(clipped, 'report.html'), 'utf8');
    const section = html.slice(html.indexOf('<h2 id="diagnosis">'));
    assert.ok(section.indexOf('Likely causes, most likely first') > 0);
    assert.ok(section.indexOf('<strong class="mono">learning-rate-too-high</strong>') > section.indexOf('Likely causes'));
  });
});

describe('diagnoseContextOf: what config.json tells the diagnosis', () => {
  const base = { ...DEFAULT_RUN_CONFIG } as RunConfig;
  it('recurrent models: two layers, no residual connections, the units of the init', () => {
    assert.deepEqual(diagnoseContextOf({ ...base, model: 'rnn', init: 'normal:0.2', length: 20, lr: 0.1, clip: 'none' }), {
      model: 'rnn', layers: 2, residual: false, normalization: false, activation: 'tanh', sequenceLength: 20, optimizer: 'sgd', learningRate: 0.1, clip: 'none',
    });
    assert.equal(diagnoseContextOf({ ...base, model: 'rnn', init: 'sigmoid' }).activation, 'sigmoid');
    assert.deepEqual(diagnoseContextOf({ ...base, model: 'lstm', optimizer: 'adam', lr: 0.1, clip: 'norm:1' }), {
      model: 'lstm', layers: 2, residual: false, normalization: false, sequenceLength: 50, optimizer: 'adam', learningRate: 0.1, clip: 'norm', clipThreshold: 1,
    });
  });
  it('the cliff, the transformer, other clips, and unknown configurations', () => {
    const cliff = diagnoseContextOf({ ...base, task: 'cliff' });
    assert.equal(cliff.model, 'rnn');
    assert.equal(cliff.sequenceLength, 50);
    assert.equal(cliff.activation, 'sigmoid');
    const tr = diagnoseContextOf({ ...base, task: 'charlm', model: 'transformer', clip: 'zclip:2.5' });
    assert.equal(tr.residual, true);
    assert.equal(tr.normalization, true);
    assert.equal(tr.layers, undefined);
    assert.equal(tr.clip, 'zclip');
    assert.equal(tr.clipThreshold, undefined);
    assert.deepEqual(diagnoseContextOf({ task: 'unknown', model: 'unknown', clip: 'unknown', optimizer: 'unknown' as never, lr: 'unknown' as never }), {});
    assert.deepEqual(diagnoseContextOf(undefined), {});
  });
});

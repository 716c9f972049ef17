import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepStats } from '../../packages/gradclip/src/core/step-stats.js';
import { combineWriters, MemoryWriter, MultiWriter, type StepWriter } from '../../packages/gradclip/src/monitor/writers/types.js';
import { openRunWriters, STEPS_CSV_FILE, STEPS_JSONL_FILE } from '../../packages/gradclip/src/monitor/writers/run-writers-node.js';
import { chartPngFile, isTfEventsFile, RUN_FILES } from '../../packages/gradclip/src/monitor/writers/run-layout.js';
import { tfEventsFileName } from '../../packages/gradclip/src/monitor/writers/tf-events.js';
import { readStepsJsonl } from '../../packages/gradclip/src/monitor/readers/jsonl.js';
import { readTfEvents, tfEventsToStepStats } from '../../packages/gradclip/src/monitor/readers/tf-events.js';

const S: StepStats = { step: 1, loss: 0.5, preClipNorm: 4, postClipNorm: 1, clipCoef: 0.25, clipped: true, skipped: false, time: 1000 };

class FailingWriter implements StepWriter {
  calls: string[] = [];
  constructor(private readonly tag: string) {}
  write(): void {
    this.calls.push('write');
    throw new Error(`${this.tag} write failed`);
  }
  flush(): void {
    this.calls.push('flush');
  }
  close(): void {
    this.calls.push('close');
    throw new Error(`${this.tag} close failed`);
  }
}

test('combineWriters: forwards to every writer; errors are rethrown after all writers ran', () => {
  const a = new MemoryWriter();
  const bad = new FailingWriter('bad');
  const b = new MemoryWriter();
  const m = combineWriters(a, bad, b);
  assert.ok(m instanceof MultiWriter);
  assert.throws(() => m.write(S), { message: 'bad write failed' });
  assert.deepEqual(a.steps, [S]);
  assert.deepEqual(b.steps, [S], 'the writer after the failing one still got the record');
  m.flush();
  const bad2 = new FailingWriter('other');
  const m2 = combineWriters(bad, bad2);
  assert.throws(() => m2.write(S), (e: unknown) => {
    assert.ok(e instanceof AggregateError);
    assert.equal(e.message, 'MultiWriter.write: 2 writers failed: bad write failed; other write failed');
    return true;
  });
  assert.throws(() => m.close(), { message: 'bad close failed' });
  m.close(); // idempotent: does not call the writers again
  assert.deepEqual(bad.calls, ['write', 'flush', 'write', 'close']);
  assert.throws(() => m.write(S), { message: 'MultiWriter.write: the writer is closed; open a new one' });
  assert.throws(() => a.write(S), { message: 'MemoryWriter.write: the writer is closed; open a new one' });
});

test('openRunWriters: steps.jsonl and an event file by default, csv on request', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'gradclip-run-')), 'nested', 'run');
  try {
    const run = openRunWriters(dir, { hostname: 'box', now: () => 42_000 });
    run.write(S);
    run.write({ ...S, step: 2, loss: Number.NaN });
    run.close();
    // close() also writes summary.json (issue 12), so every reader sees a finished run
    assert.deepEqual(readdirSync(dir).sort(), ['events.out.tfevents.42.box', 'steps.jsonl', 'summary.json']);
    assert.equal(run.paths.jsonl, join(dir, 'steps.jsonl'));
    assert.equal(run.paths.tensorboard, join(dir, 'events.out.tfevents.42.box'));
    assert.equal(run.paths.csv, undefined);
    const j = readStepsJsonl(readFileSync(join(dir, 'steps.jsonl'), 'utf8'));
    assert.deepEqual(j.steps.map((s) => s.step), [1, 2]);
    const tb = tfEventsToStepStats(readTfEvents(new Uint8Array(readFileSync(run.paths.tensorboard ?? ''))).events);
    assert.deepEqual(tb[0], S);
    assert.ok(Number.isNaN(tb[1].loss));

    const run2 = openRunWriters(dir, { tensorboard: false, csv: true, onWarning: () => {} });
    run2.write({ ...S, step: 3 });
    run2.close();
    assert.equal(readFileSync(join(dir, 'steps.csv'), 'utf8').split('\n')[1], '3,0.5,4,1,0.25,1,0,1000');
    assert.equal(readStepsJsonl(readFileSync(join(dir, 'steps.jsonl'), 'utf8')).steps.length, 3, 'jsonl appended');

    assert.throws(() => openRunWriters(dir, { jsonl: false, tensorboard: false }), {
      message: 'openRunWriters: options enable no file; set at least one of jsonl, tensorboard, csv to true',
    });
  } finally {
    rmSync(join(dir, '..', '..'), { recursive: true, force: true });
  }
});

test('RUN_FILES: the one run-folder layout; the writers and the event-file name follow it', () => {
  assert.deepEqual(
    { steps: RUN_FILES.steps, stepsCsv: RUN_FILES.stepsCsv, summary: RUN_FILES.summary, evals: RUN_FILES.evals, report: RUN_FILES.report },
    { steps: 'steps.jsonl', stepsCsv: 'steps.csv', summary: 'summary.json', evals: 'evals.json', report: 'report.html' },
  );
  assert.equal(STEPS_JSONL_FILE, RUN_FILES.steps);
  assert.equal(STEPS_CSV_FILE, RUN_FILES.stepsCsv);
  const tb = tfEventsFileName(42, 'box');
  assert.ok(tb.startsWith(RUN_FILES.tfEventsPrefix) && isTfEventsFile(tb), tb);
  assert.equal(isTfEventsFile(RUN_FILES.steps), false);
  assert.deepEqual(['loss', 'grad-norm', 'layer-norms-2'].map(chartPngFile), ['loss.png', 'grad-norm.png', 'layer-norms-2.png']);
  assert.ok(Object.isFrozen(RUN_FILES));
});

test('openRunWriters: close() writes summary.json atomically (all records, a resumed file included); summary: false writes none', () => {
  const root = mkdtempSync(join(tmpdir(), 'gradclip-sum-'));
  try {
    const dir = join(root, 'run');
    const a = openRunWriters(dir, { tensorboard: false });
    a.write({ ...S, step: 1, time: 1000 });
    a.write({ ...S, step: 2, clipped: false, preClipNorm: 0.5, time: 3000 });
    a.write({ ...S, step: 3, skipped: true, clipped: false, preClipNorm: Number.NaN, time: 5000 });
    a.close();
    a.close(); // idempotent
    const first = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.deepEqual(first, {
      writer: 'gradclip openRunWriters',
      steps: 3,
      diverged: true,
      divergedAtStep: 3,
      finalLoss: 0.5,
      maxPreClipNorm: 4,
      medianPreClipNorm: 2.25,
      clipRate: 0.5,
      skippedSteps: 1,
      nonFiniteSteps: 1,
      wallSeconds: 4,
    });
    // resuming the folder: the summary covers the records already in steps.jsonl
    const b = openRunWriters(dir, { tensorboard: false });
    b.write({ ...S, step: 4, loss: 0.25, time: 7000 });
    assert.equal(b.summary()?.steps, 4);
    b.close();
    const second = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.equal(second.steps, 4);
    assert.equal(second.finalLoss, 0.25);
    assert.equal(second.wallSeconds, 6);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
    const c = openRunWriters(join(root, 'quiet'), { tensorboard: false, summary: false });
    c.write(S);
    c.close();
    assert.deepEqual(readdirSync(join(root, 'quiet')), ['steps.jsonl']);
    assert.throws(() => openRunWriters(join(root, 'x'), { sumary: false } as never), /openRunWriters: unknown option "sumary".*did you mean "summary"/);
    assert.throws(() => openRunWriters(null as never), /openRunWriters: dir must be a non-empty string, got null/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

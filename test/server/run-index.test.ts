/**
 * The server's run index: line counts extended from the last offset (never
 * a whole log per request), rebuilt when the log is replaced, summaries
 * read again only when they change, a bounded number of runs, and the same
 * entries as the synchronous listRuns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunIndex } from '../../packages/cli/src/server/run-index.js';
import { listRuns } from '../../packages/cli/src/server/runs.js';
import { readSummaryState } from '../../packages/cli/src/server/summary.js';
import { stepLine, stepLines } from './helpers.js';

function tempRuns(): string {
  return mkdtempSync(join(tmpdir(), 'gradclip-index-'));
}

test('the line count of a growing log is extended from the last offset', async () => {
  const root = tempRuns();
  try {
    mkdirSync(join(root, 'live'));
    const file = join(root, 'live', 'steps.jsonl');
    const first = stepLines(1, 100);
    writeFileSync(file, first);
    const index = new RunIndex(root, { scanBytes: 1000 });
    const dir = index.root + '/live';
    assert.equal(await index.lineCount(dir), 100);
    assert.equal(index.scannedBytes, first.length);
    // nothing new: nothing read
    assert.equal(await index.lineCount(dir), 100);
    assert.equal((await index.list())[0].steps, 100);
    assert.equal(index.scannedBytes, first.length);
    // appended lines (the last one cut): only they are read
    const more = stepLines(101, 110) + stepLine(111).slice(0, 30);
    appendFileSync(file, more);
    assert.equal((await index.list())[0].steps, 110);
    assert.equal(index.scannedBytes, first.length + more.length);
    appendFileSync(file, stepLine(111).slice(30));
    assert.equal(await index.lineCount(dir), 111);
    assert.equal(index.scannedBytes, first.length + more.length + stepLine(111).length - 30);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a log replaced, truncated or rewritten with the same size is counted again from 0', async () => {
  const root = tempRuns();
  try {
    mkdirSync(join(root, 'r'));
    const file = join(root, 'r', 'steps.jsonl');
    writeFileSync(file, stepLines(1, 50));
    const index = new RunIndex(root);
    const dir = join(index.root, 'r');
    assert.equal(await index.lineCount(dir), 50);
    // replaced by another file (new inode)
    writeFileSync(join(root, 'r', 'new.jsonl'), stepLines(1, 7));
    renameSync(join(root, 'r', 'new.jsonl'), file);
    assert.equal(await index.lineCount(dir), 7);
    // truncated
    truncateSync(file, stepLines(1, 3).length);
    assert.equal(await index.lineCount(dir), 3);
    // rewritten in place with the same size, fewer newlines
    const same = stepLines(1, 3);
    writeFileSync(file, same.replace(/\n/, ' '));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.equal(await index.lineCount(dir), 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('concurrent listings share the work: a log is scanned once', async () => {
  const root = tempRuns();
  try {
    mkdirSync(join(root, 'big'));
    const text = stepLines(1, 5000);
    writeFileSync(join(root, 'big', 'steps.jsonl'), text);
    const index = new RunIndex(root, { scanBytes: 4096 });
    const lists = await Promise.all(Array.from({ length: 10 }, () => index.list()));
    for (const l of lists) assert.equal(l[0].steps, 5000);
    assert.equal(index.scannedBytes, text.length);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('summary.json is read again only when it changes', async () => {
  const root = tempRuns();
  try {
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', 'steps.jsonl'), stepLines(1, 2));
    const index = new RunIndex(root);
    const dir = join(index.root, 'a');
    assert.equal((await index.summary(dir)).finished, false);
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ steps: 2, diverged: false }));
    const s1 = await index.summary(dir);
    assert.equal(s1.finished, true);
    assert.equal(s1.summary?.steps, 2);
    assert.equal(await index.summary(dir), s1, 'unchanged: the cached state');
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ steps: 2, diverged: true, extra: 'longer' }));
    const s2 = await index.summary(dir);
    assert.notEqual(s2, s1);
    assert.equal(s2.summary?.diverged, true);
    // the keyed reader returns the previous result itself when the file is unchanged
    const k = await readSummaryState(index.root, dir, 1 << 20);
    assert.equal(await readSummaryState(index.root, dir, 1 << 20, k), k);
    // too large: finished, not read
    const small = await readSummaryState(index.root, dir, 10);
    assert.equal(small.state.finished, true);
    assert.match(String(small.state.warning), /larger than 10 bytes/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the index keeps at most maxCachedRuns runs and lists the same entries as listRuns', async () => {
  const root = tempRuns();
  try {
    for (let i = 0; i < 6; i++) {
      mkdirSync(join(root, `run-${i}`, 'nested'), { recursive: true });
      writeFileSync(join(root, `run-${i}`, 'steps.jsonl'), stepLines(1, i + 1));
      if (i % 2 === 0) writeFileSync(join(root, `run-${i}`, 'summary.json'), JSON.stringify({ steps: i + 1, config: { task: 'addition' } }));
      if (i === 3) writeFileSync(join(root, `run-${i}`, 'report.html'), '<!doctype html>');
    }
    writeFileSync(join(root, 'run-1', 'nested', 'steps.jsonl'), stepLines(1, 9));
    const index = new RunIndex(root, { maxCachedRuns: 3 });
    const listed = await index.list();
    assert.ok(index.cachedRuns <= 3, `${index.cachedRuns} runs cached`);
    assert.deepEqual(listed, listRuns(root));
    assert.deepEqual(listed.map((r) => [r.id, r.steps, r.finished, r.hasReport]), [
      ['run-0', 1, true, false],
      ['run-1', 2, false, false],
      ['run-1/nested', 9, false, false],
      ['run-2', 3, true, false],
      ['run-3', 4, false, true],
      ['run-4', 5, true, false],
      ['run-5', 6, false, false],
    ]);
    assert.deepEqual(await index.list(), listed);
    assert.deepEqual(await new RunIndex(root, { maxRuns: 2 }).list().then((l) => l.map((r) => r.id)), ['run-0', 'run-1']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

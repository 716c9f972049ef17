/**
 * The app's run-folder module (packages/cli/src/run-folder) in-process:
 * atomic writes with injected write errors (the old file survives, no
 * temporary file is left), the report writer on a failing disk, the `--out`
 * rules (`checkOutFolder` / `prepareOutFolder`), loading a folder without a
 * usable `summary.json`, file-system errors in words, and the CLI's
 * top-level error lines and signal controller.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRunWriters } from '../../packages/gradclip/src/node.js';
import {
  checkOutFolder,
  describeIoError,
  foreignEntry,
  loadRun,
  NODE_FS,
  prepareOutFolder,
  rollbackIfNoSteps,
  rollbackOutFolder,
  runDisplayName,
  writeFileAtomic,
  writeRunFile,
  writeRunStart,
  type AtomicFs,
} from '../../packages/cli/src/run-folder/index.js';
import { writeRunReport } from '../../packages/cli/src/report/index.js';
import { resolveRunConfig } from '../../packages/cli/src/train/config.js';
import { formatCommanderError, reportError } from '../../packages/cli/src/cli/main.js';
import { UsageError } from '../../packages/cli/src/cli/errors.js';
import { StopController } from '../../packages/cli/src/cli/stop.js';
import { syntheticRun } from '../report/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'gradclip-rf-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function errno(code: string, syscall = 'write'): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: simulated, ${syscall}`);
  e.code = code;
  e.syscall = syscall;
  return e;
}

/** The real calls, with `writeSync` failing with ENOSPC after `okBytes` bytes (a disk that fills up mid-file). */
function fullDisk(okBytes: number): AtomicFs {
  let written = 0;
  return {
    ...NODE_FS,
    writeSync(fd, buffer, offset, length) {
      if (written >= okBytes) throw errno('ENOSPC');
      const n = Math.min(length, okBytes - written);
      written += n;
      return NODE_FS.writeSync(fd, buffer, offset, n);
    },
  };
}

const noTemp = (dir: string): boolean => !readdirSync(dir).some((f) => f.includes('.tmp-'));

describe('atomic writes', () => {
  it('write + rename: the new content in place, no temporary file', () => {
    const dir = join(tmp, 'atomic-ok');
    mkdirSync(dir);
    writeFileAtomic(join(dir, 'a.json'), '{"v":1}\n');
    writeFileAtomic(join(dir, 'a.json'), '{"v":2}\n');
    assert.equal(readFileSync(join(dir, 'a.json'), 'utf8'), '{"v":2}\n');
    assert.deepEqual(readdirSync(dir), ['a.json']);
  });

  for (const [what, fs] of [
    ['the disk fills up mid-file (ENOSPC)', fullDisk(5)],
    ['fsync fails (EIO)', { ...NODE_FS, fsyncSync: () => { throw errno('EIO', 'fsync'); } }],
    ['rename fails (EACCES)', { ...NODE_FS, renameSync: () => { throw errno('EACCES', 'rename'); } }],
    ['the temporary file cannot be created (EROFS)', { ...NODE_FS, openSync: () => { throw errno('EROFS', 'open'); } }],
  ] as const) {
    it(`${what}: the error is thrown, the old file survives, no temporary file is left`, () => {
      const dir = join(tmp, `atomic-${what.replace(/\W+/g, '-')}`);
      mkdirSync(dir);
      const path = join(dir, 'summary.json');
      writeFileSync(path, 'old and whole\n');
      assert.throws(() => writeFileAtomic(path, 'new content that is longer than five bytes\n', fs), (e: NodeJS.ErrnoException) => typeof e.code === 'string');
      assert.equal(readFileSync(path, 'utf8'), 'old and whole\n');
      assert.ok(noTemp(dir), readdirSync(dir).join(', '));
    });
  }

  it('writeRunReport on a full disk keeps the previous report.html whole', async () => {
    const dir = join(tmp, 'report-full');
    const run = syntheticRun({ name: 'norm:1', steps: 30 });
    await writeRunReport(dir, run, { png: false });
    const good = readFileSync(join(dir, 'report.html'), 'utf8');
    await assert.rejects(writeRunReport(dir, run, { png: false, fs: fullDisk(4096) }), /ENOSPC/);
    assert.equal(readFileSync(join(dir, 'report.html'), 'utf8'), good);
    assert.ok(noTemp(dir));
  });

  it('writeRunFile creates the folder and returns the path', () => {
    const p = writeRunFile(join(tmp, 'new', 'deeper'), 'x.png', new Uint8Array([1, 2, 3]));
    assert.deepEqual([...readFileSync(p)], [1, 2, 3]);
  });
});

describe('--out rules', () => {
  it('a missing or empty folder can take a run; prepare creates it and rollback removes what it created', () => {
    const missing = join(tmp, 'out', 'a', 'b');
    const plan = checkOutFolder(missing, false);
    assert.equal(plan.exists, false);
    assert.ok(!existsSync(join(tmp, 'out')), 'checking writes nothing');
    const prepared = prepareOutFolder(plan);
    assert.ok(existsSync(missing));
    assert.deepEqual(readdirSync(missing), [], 'the write check leaves nothing');
    rollbackOutFolder(prepared);
    assert.ok(!existsSync(join(tmp, 'out')), 'the whole created chain is removed');
  });

  it('after a failure, the created folder is removed only when it holds no steps', () => {
    const a = prepareOutFolder(checkOutFolder(join(tmp, 'fail', 'a'), false));
    writeFileSync(join(tmp, 'fail', 'a', 'config.json'), '{}');
    assert.equal(rollbackIfNoSteps(a), true);
    assert.ok(!existsSync(join(tmp, 'fail')));
    const b = prepareOutFolder(checkOutFolder(join(tmp, 'fail2'), false));
    mkdirSync(join(tmp, 'fail2', 'none'));
    writeFileSync(join(tmp, 'fail2', 'none', 'steps.jsonl'), '{"step":1}\n');
    assert.equal(rollbackIfNoSteps(b), false);
    assert.ok(existsSync(join(tmp, 'fail2', 'none', 'steps.jsonl')));
    const existing = join(tmp, 'fail3');
    mkdirSync(existing);
    assert.equal(rollbackIfNoSteps(prepareOutFolder(checkOutFolder(existing, false))), false, 'a folder that existed is kept');
    assert.ok(existsSync(existing));
  });

  it('a run folder, a comparison folder and a folder of runs', () => {
    const run = join(tmp, 'kinds', 'run');
    mkdirSync(run, { recursive: true });
    for (const f of ['steps.jsonl', 'summary.json', 'evals.json', 'config.json', 'report.html', 'loss.png', 'events.out.tfevents.1.host', '.report.html.tmp-1-2']) writeFileSync(join(run, f), '');
    assert.equal(foreignEntry(run), null);
    const cmp = join(tmp, 'kinds', 'cmp');
    mkdirSync(join(cmp, 'seed1', 'none'), { recursive: true });
    mkdirSync(join(cmp, 'norm-1'));
    writeFileSync(join(cmp, 'compare.json'), '{}');
    writeFileSync(join(cmp, 'seed1', 'none', 'steps.jsonl'), '');
    assert.equal(foreignEntry(cmp), null);
    writeFileSync(join(cmp, 'seed1', 'none', 'mine.csv'), '');
    assert.equal(foreignEntry(cmp), join('seed1', 'none', 'mine.csv'));
    const runs = join(tmp, 'kinds', 'runs');
    mkdirSync(join(runs, 'a'), { recursive: true });
    assert.match(foreignEntry(runs) ?? '', /^a\/ \(a folder, and no compare\.json/);
  });

  it('--overwrite empties a run folder and nothing else', () => {
    const dir = join(tmp, 'ow');
    mkdirSync(dir);
    for (const f of ['steps.jsonl', 'summary.json', 'grad-norm.png']) writeFileSync(join(dir, f), 'x');
    assert.throws(() => checkOutFolder(dir, false), /--out .*ow is not empty \(it holds earlier gradclip output\): one run per folder; choose a new --out, or add --overwrite/);
    const plan = checkOutFolder(dir, true);
    assert.deepEqual([...plan.remove].sort(), ['grad-norm.png', 'steps.jsonl', 'summary.json']);
    prepareOutFolder(plan);
    assert.deepEqual(readdirSync(dir), []);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    assert.throws(() => checkOutFolder(dir, true), /--overwrite refuses to empty --out .*: it holds notes\.txt/);
    assert.deepEqual(readdirSync(dir), ['notes.txt']);
  });

  it('a file as --out, and a path through a file', () => {
    const file = join(tmp, 'plain-file');
    writeFileSync(file, '');
    assert.throws(() => checkOutFolder(file, true), /--out .*plain-file is a file, not a folder/);
    assert.throws(() => checkOutFolder(join(file, 'x'), false), /a part of the path is a file, not a folder/);
  });

  // Skipped when the tests run as root (CI containers do): root writes into a
  // 0o555 folder anyway, so no EACCES can be provoked there. The same
  // one-line message for a read-only folder was checked by hand as the
  // unprivileged user `nobody` and on a read-only mount (EROFS).
  it('a folder that cannot be written into (not as root, which may write anywhere)', { skip: process.getuid?.() === 0 ? 'running as root: root may write into a read-only folder, so EACCES cannot be provoked' : false }, async () => {
    const { chmodSync } = await import('node:fs');
    const dir = join(tmp, 'read-only');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    try {
      assert.throws(() => prepareOutFolder(checkOutFolder(dir, false)), /--out: cannot write into .*read-only: permission denied \(EACCES\)/);
      assert.throws(() => prepareOutFolder(checkOutFolder(join(dir, 'sub'), false)), /--out: cannot create the folder .*sub: permission denied \(EACCES\)/);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

describe('loading a folder without a usable summary.json', () => {
  // the logs of a run killed before it wrote a summary (no close(): summary: false)
  function logs(dir: string, n: number): void {
    const w = openRunWriters(dir, { tensorboard: false, summary: false });
    for (let i = 1; i <= n; i++) w.write({ step: i, loss: 1 / i, preClipNorm: 1, postClipNorm: 1, clipCoef: 1, clipped: false, skipped: false, time: 1000 * i });
    w.close();
  }

  it('a library run (openRunWriters closed: its summary.json has no configuration) loads as finished, not incomplete', () => {
    const dir = join(tmp, 'load-library');
    const w = openRunWriters(dir, { tensorboard: false });
    for (let i = 1; i <= 5; i++) w.write({ step: i, loss: 1 / i, preClipNorm: 2, postClipNorm: 1, clipCoef: 0.5, clipped: true, skipped: false, time: 1000 * i });
    w.close();
    const run = loadRun(dir);
    assert.equal(run.incomplete, undefined);
    assert.equal(run.summary.steps, 5);
    assert.equal(run.summary.interrupted, false);
    assert.equal(run.summary.clipRate, 1);
    assert.equal(run.summary.finalLoss, 1 / 5);
  });

  it('no summary.json, config.json present: the summary is rebuilt with the configuration, marked interrupted and incomplete', () => {
    const dir = join(tmp, 'load-killed');
    logs(dir, 12);
    const config = resolveRunConfig({ clip: 'norm:1', steps: 500 });
    writeRunStart(dir, { config, text: null, backend: 'wasm', startedAt: new Date(0).toISOString() });
    const run = loadRun(dir);
    assert.equal(run.summary.steps, 12);
    assert.equal(run.summary.interrupted, true);
    assert.equal(run.summary.config.clip, 'norm:1');
    assert.equal(run.summary.backend, 'wasm');
    assert.equal(run.summary.finalLoss, 1 / 12);
    assert.equal(run.summary.wallSeconds, 11);
    assert.equal(run.name, 'norm:1');
    assert.match(run.incomplete ?? '', /^no summary\.json, summary rebuilt from the 12 steps of steps\.jsonl$/);
    assert.equal(runDisplayName(run), 'norm:1 (incomplete: no summary.json, summary rebuilt from the 12 steps of steps.jsonl)');
  });

  for (const [content, why] of [
    ['null', /summary\.json holds null, not a summary object: ignored/],
    ['[1, 2]', /summary\.json holds an array/],
    ['{"steps": 3', /summary\.json is not valid JSON/],
    ['', /summary\.json is not valid JSON \(.*; the file is empty\)/],
    ['{"steps": 3}', /summary\.json has no "config" object/],
  ] as const) {
    it(`summary.json ${JSON.stringify(content)}: a warning, and the summary rebuilt`, () => {
      const dir = join(tmp, `load-bad-${Buffer.from(content).toString('hex') || 'empty'}`);
      logs(dir, 3);
      writeFileSync(join(dir, 'summary.json'), content);
      const run = loadRun(dir);
      assert.ok(run.warnings.some((w) => why.test(w)), run.warnings.join('; '));
      assert.match(run.incomplete ?? '', /^unreadable summary\.json/);
      assert.equal(run.summary.steps, 3);
      assert.equal(run.summary.interrupted, false, 'library logs (no config.json) are not a stopped gradclip run');
      assert.equal(run.summary.config.task, 'unknown');
    });
  }

  it('warns when steps.jsonl holds two runs and when the summary disagrees with it', () => {
    const dir = join(tmp, 'load-merged');
    logs(dir, 4);
    logs(dir, 4);
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ steps: 4, config: resolveRunConfig({}) }));
    const run = loadRun(dir);
    assert.equal(run.incomplete, undefined);
    assert.ok(run.warnings.some((w) => /steps\.jsonl holds more than one run: record 5 has step 1 after step 4/.test(w)), run.warnings.join('; '));
    assert.ok(run.warnings.some((w) => /summary\.json says 4 steps, steps\.jsonl holds 8/.test(w)));
  });
});

describe('errors in words', () => {
  it('file-system errors name the path, the reason and the code (inside an AggregateError too)', () => {
    assert.equal(describeIoError(errno('ENOSPC'), 'write', 'runs/a/summary.json'), 'cannot write runs/a/summary.json: no space left on device (ENOSPC)');
    assert.equal(describeIoError(new AggregateError([new Error('x'), errno('EROFS')], 'MultiWriter.write: 2 writers failed'), 'write the step logs in', 'runs/a'), 'cannot write the step logs in runs/a: read-only file system (EROFS)');
  });

  it("commander's error and its suggestion on one gradclip: line", () => {
    assert.equal(formatCommanderError("error: unknown option '--step'\n(Did you mean --steps?)"), "gradclip: unknown option '--step' (Did you mean --steps?)\n");
  });

  it('reportError: usage 2, file system 2, anything else 1 (one line; the stack only with GRADCLIP_DEBUG=1)', () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    const before = process.env.GRADCLIP_DEBUG;
    process.stderr.write = ((s: string) => (lines.push(s), true)) as typeof process.stderr.write;
    try {
      delete process.env.GRADCLIP_DEBUG;
      assert.equal(reportError(new UsageError('--x is wrong')), 2);
      assert.equal(reportError(errno('ENOSPC')), 2);
      assert.equal(reportError(new TypeError('boom')), 1);
      process.env.GRADCLIP_DEBUG = '1';
      assert.equal(reportError(new TypeError('bang')), 1);
    } finally {
      process.stderr.write = write;
      if (before === undefined) delete process.env.GRADCLIP_DEBUG;
      else process.env.GRADCLIP_DEBUG = before;
    }
    assert.equal(lines[0], 'gradclip: --x is wrong\n');
    assert.match(lines[1], /^gradclip: cannot write .*: no space left on device \(ENOSPC\)\n$/);
    assert.equal(lines[2], 'gradclip: internal error (a bug of gradclip, please report it): TypeError: boom (GRADCLIP_DEBUG=1 shows the stack trace)\n');
    assert.equal(lines[3], 'gradclip: internal error (a bug of gradclip, please report it): TypeError: bang\n');
    assert.match(lines[4], /^TypeError: bang\n\s+at /, 'the stack trace with GRADCLIP_DEBUG=1');
  });
});

describe('StopController', () => {
  it('records the first signal and gives the next one back to Node', async () => {
    const listeners = process.listenerCount('SIGTERM');
    const stop = new StopController().install();
    assert.equal(process.listenerCount('SIGTERM'), listeners + 1);
    process.kill(process.pid, 'SIGTERM');
    for (let i = 0; i < 200 && !stop.requested; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(stop.signal, 'SIGTERM');
    assert.equal(stop.exitCode, 143);
    assert.equal(process.listenerCount('SIGTERM'), listeners, 'uninstalled after the first signal');
    stop.uninstall();
  });
});

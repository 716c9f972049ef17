import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { diagnose } from '../../packages/gradclip/src/monitor/diagnose/index.js';
import { renderPngCharts, writeComparisonReport, writeRunReport, type RunRecord } from '../../packages/cli/src/report/index.js';
import { createExperiment } from '../../packages/cli/src/train/experiment.js';
import { summarizeRun } from '../../packages/cli/src/train/summary.js';
import { tf, useBackend } from '../helpers/backends.js';
import { externalLoads, tagProblems } from './html-check.js';
import { syntheticRun } from './fixtures.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk (bytes 16..23, big-endian). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  assert.equal(String.fromCharCode(...png.subarray(12, 16)), 'IHDR');
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

function assertPng(png: Uint8Array, what: string, minWidth: number): void {
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE, `${what}: PNG signature`);
  const { width, height } = pngSize(png);
  assert.ok(width >= minWidth && width <= 4 * minWidth, `${what}: width ${width}`);
  assert.ok(height >= 100 && height <= 3000, `${what}: height ${height}`);
  assert.ok(png.byteLength > 5000, `${what}: ${png.byteLength} bytes`);
  assert.equal(String.fromCharCode(...png.subarray(png.byteLength - 8, png.byteLength - 4)), 'IEND');
}

test('renderPngCharts: one run gives loss, grad-norm, clip-coef and layer-norms PNGs at the requested scale', async () => {
  const charts = await renderPngCharts([syntheticRun({ nanSteps: [40], spikes: [60], steps: 120 })], { width: 600, scale: 1.5 });
  assert.deepEqual(
    charts.map((c) => c.file),
    ['loss.png', 'grad-norm.png', 'clip-coef.png', 'layer-norms.png'],
  );
  // autosize fit-x: the chart's total width is the requested 600 px, times the scale.
  for (const c of charts) {
    assertPng(c.png, c.file, 900);
    assert.equal(pngSize(c.png).width, 900);
  }
});

test('renderPngCharts: several runs give overlaid charts and one heat map per run; bad scale is rejected', async () => {
  const runs = [syntheticRun({ steps: 50 }), syntheticRun({ name: 'b', steps: 50, divergeAt: 30 })];
  const charts = await renderPngCharts(runs, { scale: 1 });
  assert.deepEqual(
    charts.map((c) => c.file),
    ['loss.png', 'grad-norm.png', 'clip-coef.png', 'layer-norms-1.png', 'layer-norms-2.png'],
  );
  for (const c of charts) assertPng(c.png, c.file, 760);
  await assert.rejects(renderPngCharts(runs, { scale: 0 }), /scale must be a number in \(0, 16\], got 0/);
  await assert.rejects(renderPngCharts([]), /runs must be a non-empty array of RunRecord/);
});

test('writeRunReport / writeComparisonReport: a real 20-step run on the cpu backend, written to disk', async () => {
  await useBackend('cpu');
  const before = tf.memory().numTensors;
  const exp = createExperiment({ task: 'addition', model: 'rnn', length: 10, batch: 8, steps: 20, hidden: 8, evalSize: 50, evalEvery: 10, lr: 0.05, clip: 'norm:0.5', seed: 3 });
  const t0 = Date.now();
  try {
    while (!exp.done) exp.step();
  } finally {
    exp.dispose();
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked by the run');
  const stats = exp.stats;
  assert.equal(stats.length, 20);
  assert.ok(stats.every((s) => s.layerNorms && Object.keys(s.layerNorms).length >= 3), 'per-layer norms recorded');
  const summary = summarizeRun({
    config: exp.config,
    stats,
    divergedAtStep: exp.divergedAtStep,
    finalEval: exp.evals[exp.evals.length - 1] ?? null,
    entropyBaseline: null,
    wallSeconds: (Date.now() - t0) / 1000,
    backend: tf.getBackend(),
  });
  const run: RunRecord = { name: 'addition norm:0.5', summary, steps: stats, evals: exp.evals, diagnosis: diagnose(stats) };
  const dir = mkdtempSync(join(tmpdir(), 'gradclip-report-'));
  try {
    const written = await writeRunReport(join(dir, 'run'), run);
    assert.equal(written.html, join(dir, 'run', 'report.html'));
    assert.deepEqual(
      written.pngs.map((p) => p.slice(join(dir, 'run').length + 1)),
      ['loss.png', 'grad-norm.png', 'clip-coef.png', 'layer-norms.png'],
    );
    const html = readFileSync(written.html, 'utf8');
    assert.deepEqual(tagProblems(html), []);
    assert.deepEqual(externalLoads(html), []);
    assert.ok(html.includes('gradclip run: addition norm:0.5'));
    for (const p of written.pngs) assertPng(new Uint8Array(readFileSync(p)), p, 760);
    const cmp = await writeComparisonReport(join(dir, 'cmp'), [run, { ...run, name: 'copy' }], { png: false, fileName: 'compare.html' });
    assert.equal(cmp.html, join(dir, 'cmp', 'compare.html'));
    assert.deepEqual(cmp.pngs, []);
    assert.ok(existsSync(cmp.html));
    await assert.rejects(writeRunReport('', run), /dir must be a non-empty folder path/);
    await assert.rejects(writeRunReport(dir, run, { fileName: 'a/b.html' }), /fileName must be a plain file name without folders/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

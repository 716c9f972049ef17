/**
 * The dashboard's flow, spectral, cliff and shared-loss-range charts in
 * Debian's Chromium (playwright-core, as test/dashboard/e2e.test.ts): a run
 * whose steps carry `flow` records, a real cliff run (Node, cpu backend)
 * with its trajectory.json served by `gradclip serve`, and the live page's
 * two runs on one loss range. Its screenshots (of fixtures) go to a
 * temporary folder; the README's docs/img/ pictures come from real runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openDashboardBrowser } from '../helpers/dashboard-browser.js';
import { tf, useBackend } from '../helpers/backends.js';
import { encodeStepStats, type StepStats } from '../../packages/gradclip/src/index.js';
import * as experiments from '../../packages/cli/src/train/index.js';
import { startServer, type RunningServer } from '../../packages/cli/src/server/server.js';
import { TrajectoryRecorder, writeTrajectory } from '../../packages/cli/src/run-folder/trajectory.js';
import { flowRun } from '../report/flow-fixtures.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const DASHBOARD = join(REPO, 'packages', 'cli', 'dist', 'dashboard');
const SHOTS = mkdtempSync(join(tmpdir(), 'gradclip-shots-'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NO_BROWSER =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`
    : undefined;

let root: string;
let server: RunningServer;
let browser: Browser;
let page: Page;
let cliffJumpStep: number | null = null;

function writeSteps(dir: string, steps: readonly StepStats[], summary: object): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'steps.jsonl'), steps.map((s) => JSON.stringify(encodeStepStats(s)) + '\n').join(''));
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
}

/** A real cliff run in Node, written as `gradclip train` writes it (steps, summary, trajectory). */
function writeCliffRun(dir: string, clip: string): number | null {
  const exp = experiments.createExperiment({ task: 'cliff', lr: 0.5, steps: 120, clip, cliffW: 6, cliffB: -2.93 });
  try {
    const start = exp.cliffParams();
    assert.ok(start);
    const rec = new TrajectoryRecorder(start);
    let jump: number | null = null;
    let prev = start;
    while (!exp.done) {
      const s = exp.step();
      const p = exp.cliffParams();
      assert.ok(p);
      if (Math.hypot(p.w - prev.w, p.b - prev.b) > 5) jump = s.step;
      prev = p;
      rec.push(s.step, p);
    }
    const summary = experiments.summarizeRun({ config: exp.config, stats: exp.stats, divergedAtStep: exp.divergedAtStep, finalEval: null, entropyBaseline: null, wallSeconds: 1, backend: 'cpu' });
    writeSteps(dir, exp.stats, summary);
    writeTrajectory(dir, rec.trajectory);
    return jump;
  } finally {
    exp.dispose();
  }
}

before(async () => {
  if (NO_BROWSER) return;
  if (!existsSync(join(DASHBOARD, 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: join(REPO, 'packages', 'cli', 'dashboard', 'vite.config.ts'), logLevel: 'warn' });
  }
  root = mkdtempSync(join(tmpdir(), 'gradclip-charts-'));
  await useBackend('cpu');
  const flow = flowRun({ steps: 200, zeros: [[100, 1], [100, 2]], infs: [[150, 20]], missing: [120] });
  writeSteps(join(root, 'flow-run'), flow.steps, flow.summary);
  cliffJumpStep = writeCliffRun(join(root, 'cliff', 'none'), 'none');
  writeCliffRun(join(root, 'cliff', 'norm-1'), 'norm:1');
  server = await startServer({ runsDir: root, port: 0, dashboardDir: DASHBOARD });
  ({ browser, page } = await openDashboardBrowser(CHROMIUM));
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
  tf.disposeVariables();
});

test('run viewer: a run with flow records shows the flow heat map (zeros, Inf, a missing record) and the spectral chart', { timeout: 60_000, skip: NO_BROWSER }, async () => {
  await page.goto(`${server.url}#runs`);
  await page.click('button[data-run="flow-run"]');
  await page.waitForFunction(() => document.querySelector('[data-side=viewer]')?.getAttribute('data-steps') === '200');
  await page.waitForSelector('[data-side=viewer] .chart-flow .chart-box[data-cells]');
  const flow = await page.$eval('[data-side=viewer] .chart-flow', (f) => ({
    hidden: (f as HTMLElement).hidden,
    cells: Number((f.querySelector('.chart-box') as HTMLElement).dataset.cells),
    records: Number((f.querySelector('.chart-box') as HTMLElement).dataset.records),
    rows: Number((f.querySelector('.chart-box') as HTMLElement).dataset.rows),
    zeros: (f.querySelector('.flow-legend') as HTMLElement).dataset.zeros,
    nonFinite: (f.querySelector('.flow-legend') as HTMLElement).dataset.nonFinite,
    legend: f.querySelector('.flow-legend')?.textContent ?? '',
  }));
  // 200 steps, a record every 10 steps, one dropped: 19 records of T = 20
  assert.equal(flow.hidden, false);
  assert.equal(flow.records, 19);
  assert.equal(flow.rows, 20);
  assert.equal(flow.cells, 19 * 20);
  assert.equal(flow.zeros, 'true');
  assert.equal(flow.nonFinite, 'true');
  assert.match(flow.legend, /only zero norms/);
  assert.match(flow.legend, /NaN\/Inf norm/);
  // the flow chart sits right under the gradient-norm chart, the spectral chart under it
  const order = await page.$$eval('[data-side=viewer] .run-charts > figure:not([hidden])', (fs) => fs.map((f) => f.className.replace('chart chart-', '')));
  assert.deepEqual(order, ['loss', 'norm', 'flow', 'spectral', 'coef', 'layers']);
  assert.equal(await page.locator('[data-side=viewer] .chart-spectral .uplot').count(), 1);
  // the legend of the spectral chart lists its three quantities
  const legend = (await page.textContent('[data-side=viewer] .chart-spectral .u-legend')) ?? '';
  for (const q of ['spectral norm', 'spectral radius', 'fitted growth']) assert.ok(legend.includes(q), `${q} in ${legend}`);
  // the heat map is painted: the canvas has viridis pixels
  const painted = await page.$eval('[data-side=viewer] .chart-flow canvas', (c) => {
    const ctx = (c as HTMLCanvasElement).getContext('2d');
    if (!ctx) return 0;
    const d = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] > 240 && d[i + 1] > 240 && d[i + 2] > 240)) n++;
    return n;
  });
  assert.ok(painted > 1000, `painted pixels: ${painted}`);
  await page.locator('[data-side=viewer] .chart-norm').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, 'dashboard-flow-fixture.png'), fullPage: true });
});

test('run viewer: a cliff run draws its trajectory.json on the loss surface; the unclipped one jumps off the cliff', { timeout: 60_000, skip: NO_BROWSER }, async () => {
  assert.ok(cliffJumpStep !== null, 'the unclipped cliff run should take one huge step');
  await page.goto(`${server.url}#runs`);
  await page.waitForSelector('button[data-run="cliff/none"]');
  const listed = await page.evaluate(async () => ((await (await fetch('api/runs')).json()) as { runs: { id: string; hasTrajectory: boolean }[] }).runs);
  assert.deepEqual(listed.filter((r) => r.id.startsWith('cliff/')).map((r) => [r.id, r.hasTrajectory]), [['cliff/none', true], ['cliff/norm-1', true]]);
  assert.equal(listed.find((r) => r.id === 'flow-run')?.hasTrajectory, false);
  await page.click('button[data-run="cliff/none"]');
  await page.waitForSelector('[data-side=viewer] .chart-cliff:not([hidden]) .chart-box[data-points="121"]');
  const none = await page.$eval('[data-side=viewer] .chart-cliff', (f) => ({ jump: (f.querySelector('.chart-box') as HTMLElement).dataset.jumpStep, note: f.querySelector('.cliff-note')?.textContent ?? '' }));
  assert.equal(none.jump, String(cliffJumpStep));
  assert.match(none.note, new RegExp(`step ${cliffJumpStep} jumped`));
  await page.locator('[data-side=viewer] .chart-cliff').scrollIntoViewIfNeeded();
  await page.locator('[data-side=viewer] .chart-cliff').screenshot({ path: join(SHOTS, 'dashboard-cliff-none.png') });
  await page.click('button[data-run="cliff/norm-1"]');
  await page.waitForSelector('[data-side=viewer] .chart-cliff:not([hidden]) .chart-box[data-points="121"]');
  const clipped = await page.$eval('[data-side=viewer] .chart-cliff', (f) => ({ jump: (f.querySelector('.chart-box') as HTMLElement).dataset.jumpStep, note: f.querySelector('.cliff-note')?.textContent ?? '' }));
  assert.equal(clipped.jump, '', 'the clipped run takes no step that stands out');
  assert.doesNotMatch(clipped.note, /jumped/);
  // a run without a trajectory hides the figure again
  await page.click('button[data-run="flow-run"]');
  await page.waitForFunction(() => document.querySelector('[data-side=viewer]')?.getAttribute('data-steps') === '200');
  assert.equal(await page.$eval('[data-side=viewer] .chart-cliff', (f) => (f as HTMLElement).hidden), true);
});

test('live page: the two runs share one loss range; the diverged run’s losses above it are marked off scale', { timeout: 90_000, skip: NO_BROWSER }, async () => {
  await page.goto(`${server.url}#live`);
  await page.fill('#length', '20');
  await page.fill('#steps', '60');
  await page.click('#start');
  await page.waitForFunction(() => document.body.dataset.live === 'done', undefined, { timeout: 60_000 });
  const left = await page.$eval('[data-side=left]', (e) => ({ diverged: (e as HTMLElement).dataset.diverged, off: Number((e.querySelector('.loss-note') as HTMLElement).dataset.offScale), note: e.querySelector('.loss-note')?.textContent ?? '', hidden: (e.querySelector('.loss-note') as HTMLElement).hidden }));
  const right = await page.$eval('[data-side=right]', (e) => ({ diverged: (e as HTMLElement).dataset.diverged, off: Number((e.querySelector('.loss-note') as HTMLElement).dataset.offScale), hidden: (e.querySelector('.loss-note') as HTMLElement).hidden }));
  assert.notEqual(left.diverged, '', 'the unclipped run diverges');
  assert.equal(right.diverged, '');
  assert.ok(left.off > 0 && !left.hidden, `left off-scale steps: ${left.off}`);
  assert.match(left.note, /^▲ \d+ steps? above [\d.]+, off the scale \(up to [\d.e+]+\)/);
  assert.equal(right.off, 0);
  assert.equal(right.hidden, true);
  // one y range for both loss charts: the same tick labels
  const yRange = (side: string): Promise<string> => page.$eval(`[data-side=${side}] .chart-loss .chart-box`, (b) => (b as HTMLElement).dataset.yRange ?? '');
  const [ly, ry] = [await yRange('left'), await yRange('right')];
  assert.equal(ly, ry);
  // the top is the power of ten at or above 10x the clipped run's largest loss (in decades: an integer)
  const [lo, hi] = ly.split(',').map(Number);
  assert.ok(Number.isInteger(hi) && hi > lo && hi <= 3, `loss range in decades: ${ly}`);
  await page.screenshot({ path: join(SHOTS, 'dashboard-live-shared-loss.png'), fullPage: true });
  await page.click('#reset');
});

test('live page, cliff task: each run draws its path on the loss surface as it trains; only the unclipped one jumps', { timeout: 90_000, skip: NO_BROWSER }, async () => {
  await page.goto(`${server.url}#live`);
  await page.selectOption('#task', 'cliff');
  await page.fill('#lr', '0.5');
  await page.fill('#steps', '120');
  await page.click('#start');
  await page.waitForFunction(() => document.body.dataset.live === 'done', undefined, { timeout: 60_000 });
  const cliff = (side: string) =>
    page.$eval(`[data-side=${side}] .chart-cliff`, (f) => ({ hidden: (f as HTMLElement).hidden, points: (f.querySelector('.chart-box') as HTMLElement).dataset.points, jump: (f.querySelector('.chart-box') as HTMLElement).dataset.jumpStep, uplot: f.querySelectorAll('.uplot').length }));
  const left = await cliff('left');
  const right = await cliff('right');
  assert.deepEqual([left.hidden, left.points, left.uplot], [false, '121', 1]);
  assert.deepEqual([right.hidden, right.points, right.uplot], [false, '121', 1]);
  assert.ok(left.jump !== '' && Number(left.jump) > 0, `left jump step ${left.jump}`);
  assert.equal(right.jump, '');
  await page.click('#reset');
  assert.equal(await page.$eval('[data-side=left] .chart-cliff', (f) => (f as HTMLElement).hidden), true);
});

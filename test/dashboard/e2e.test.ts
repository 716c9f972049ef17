/**
 * End-to-end test of the dashboard and `gradclip serve` in Debian's
 * Chromium, driven by playwright-core (no browser download). Needs the
 * built dashboard (`npm run build:dashboard`; built here when missing).
 * Screenshots go to a temporary folder; with GRADCLIP_UPDATE_SCREENSHOTS=1
 * they replace the README's docs/screenshots/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openDashboardBrowser } from '../helpers/dashboard-browser.js';
import { tf, useBackend } from '../helpers/backends.js';
import { encodeStepStats, type StepStats } from '../../packages/gradclip/src/index.js';
import * as experiments from '../../packages/cli/src/train/index.js';
import { startServer, type RunningServer } from '../../packages/cli/src/server/server.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const DASHBOARD = join(REPO, 'packages', 'cli', 'dist', 'dashboard');
const SHOTS = process.env.GRADCLIP_UPDATE_SCREENSHOTS === '1' ? join(REPO, 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'gradclip-shots-'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SECRET = 'E2E-SECRET-OUTSIDE';
/**
 * Without a Chromium binary these browser tests are skipped with this reason
 * on a developer machine; under CI (CI=true, where .ci/run installs Debian's
 * chromium) a missing browser is a failure instead.
 */
const NO_BROWSER =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`
    : undefined;

let root: string;
let runs: string;
let server: RunningServer;
let browser: Browser;
let page: Page;

/** Runs the experiment in Node (what `gradclip train` does) and writes its run folder. */
function writeCliRun(dir: string, clip: string, steps: number, corrupt: boolean): { divergedAtStep: number | null; stats: StepStats[] } {
  const exp = experiments.createExperiment({ task: 'addition', model: 'rnn', init: 'normal:0.2', lr: 0.1, length: 20, batch: 20, steps, clip, seed: 1, evalSize: 50 });
  try {
    while (!exp.done) exp.step();
    mkdirSync(dir, { recursive: true });
    const lines = exp.stats.map((s) => JSON.stringify(encodeStepStats(s)) + '\n');
    if (corrupt) lines.splice(5, 0, '{"step": 6, "loss": 0.1, "preClip\n'); // a torn line in the middle
    writeFileSync(join(dir, 'steps.jsonl'), lines.join(''));
    const summary = experiments.summarizeRun({ config: exp.config, stats: exp.stats, divergedAtStep: exp.divergedAtStep, finalEval: null, entropyBaseline: null, wallSeconds: exp.wallSeconds, backend: 'cpu' });
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    return { divergedAtStep: exp.divergedAtStep, stats: [...exp.stats] };
  } finally {
    exp.dispose();
  }
}

function rawStatus(path: string): Promise<number> {
  return new Promise((res, rej) => {
    const r = request({ host: '127.0.0.1', port: server.port, path }, (resp) => {
      resp.resume();
      resp.on('end', () => res(resp.statusCode ?? 0));
    });
    r.on('error', rej);
    r.end();
  });
}

before(async () => {
  if (NO_BROWSER) return;
  if (!existsSync(join(DASHBOARD, 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: join(REPO, 'dashboard', 'vite.config.ts'), logLevel: 'warn' });
  }
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: install Debian's chromium package or set CHROMIUM_PATH`);
  root = mkdtempSync(join(tmpdir(), 'gradclip-e2e-'));
  runs = join(root, 'runs');
  mkdirSync(runs);
  writeFileSync(join(root, 'secret.txt'), SECRET);
  await useBackend('cpu');
  const none = writeCliRun(join(runs, 'compare-addition-rnn', 'none'), 'none', 60, true);
  assert.ok(none.divergedAtStep !== null && none.divergedAtStep < 60, 'the unclipped CLI run should diverge');
  writeCliRun(join(runs, 'compare-addition-rnn', 'norm-1'), 'norm:1', 60, false);
  // a run still being written: 10 records, no summary.json yet
  const partial = writeCliRun(join(root, 'scratch'), 'norm:1', 20, false).stats;
  mkdirSync(join(runs, 'live-run'));
  writeFileSync(join(runs, 'live-run', 'steps.jsonl'), partial.slice(0, 10).map((s) => JSON.stringify(encodeStepStats(s)) + '\n').join(''));
  (globalThis as { partial?: StepStats[] }).partial = partial;
  server = await startServer({ runsDir: runs, port: 0, dashboardDir: DASHBOARD });
  ({ browser, page } = await openDashboardBrowser(CHROMIUM));
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
  tf.disposeVariables();
});

test('live page: the unclipped run diverges, the norm-clipped one keeps a finite loss', { timeout: 90_000, skip: NO_BROWSER }, async () => {
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) external.push(r.url());
  });
  await page.goto(`${server.url}#live`);
  // every control has a label (keyboard and screen-reader use)
  const unlabelled = await page.$$eval('input, select', (els) => els.filter((e) => (e as HTMLInputElement).labels?.length === 0 && e.getAttribute('aria-label') === null).map((e) => e.id));
  assert.deepEqual(unlabelled, []);
  // defaults: left none, right norm:1
  assert.equal(await page.inputValue('#left-clip'), 'none');
  assert.equal(await page.inputValue('#right-clip'), 'norm');
  assert.equal(await page.inputValue('#right-param'), '1');
  await page.fill('#length', '20');
  await page.fill('#steps', '80');
  // start from the keyboard: focus the Start button and press Enter
  await page.focus('#start');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.body.dataset.live === 'done', undefined, { timeout: 60_000 });
  type PanelData = Record<string, string | undefined> & { status: string };
  const panel = (side: string): Promise<PanelData> =>
    page.$eval(`[data-side=${side}]`, (e) => ({ ...(e as HTMLElement).dataset, status: e.querySelector('.run-status')?.textContent ?? '' }) as PanelData);
  const left = await panel('left');
  const right = await panel('right');
  assert.match(left.status, /^diverged at step \d+/);
  const divStep = Number(left.diverged);
  assert.ok(divStep > 0 && divStep < 80, `left diverged at ${left.diverged}`);
  assert.equal(left.state, 'bad');
  assert.equal(right.diverged, '');
  assert.equal(right.steps, '80');
  assert.ok(Number.isFinite(Number(right.lastLoss)) && Number(right.lastLoss) > 0, `right last loss ${right.lastLoss}`);
  assert.match(right.status, /^finished 80 steps · loss [\d.e-]+ · clipping on \d+(\.\d)?% of steps/);
  // diagnosis in plain words on both; the exploding verdict on the unclipped run
  assert.match(await page.textContent('[data-side=left] .run-diagnosis .badge') ?? '', /exploding/);
  assert.ok(((await page.textContent('[data-side=right] .run-diagnosis')) ?? '').length > 20);
  // the ranked causes, with the run's model as context: the unclipped tanh RNN explodes through time
  const firstCause = (await page.textContent('[data-side=left] .diag-causes > li')) ?? '';
  assert.match(firstCause, /^gradients explode through time \(confidence 0\.\d\d\)/);
  assert.doesNotMatch((await page.textContent('[data-side=left] .run-diagnosis')) ?? '', /residual connections/, 'no residual connections for a one-layer RNN');
  // the gradient flow through time, measured live every 10 steps (the default of the field): steps 1, 10, ..., 80 of the clipped run
  const liveFlow = await page.$eval('[data-side=right] .chart-flow', (f) => ({ hidden: (f as HTMLElement).hidden, records: Number((f.querySelector('.chart-box') as HTMLElement | null)?.dataset.records) }));
  assert.equal(liveFlow.hidden, false);
  assert.equal(liveFlow.records, 9);
  // charts drawn with uPlot: the 4 of every run, plus the spectral chart of the flow
  assert.ok((await page.locator('[data-side=left] .uplot').count()) >= 4);
  const backend = await page.evaluate(() => (window as unknown as { gradclipDashboard: { backend(): string } }).gradclipDashboard.backend());
  assert.ok(['webgl', 'wasm', 'cpu'].includes(backend));
  console.log(`live page: backend ${backend}; left ${left.status}; right ${right.status}`);
  await page.screenshot({ path: join(SHOTS, 'dashboard-live.png'), fullPage: true });
  // reset frees every tensor of both runs
  await page.click('#reset');
  const tensors = await page.evaluate(() => (window as unknown as { gradclipDashboard: { numTensors(): number } }).gradclipDashboard.numTensors());
  assert.equal(tensors, 0, 'tensors left after reset');
  assert.deepEqual(external, [], 'the page must not fetch anything from another origin');
});

test('run viewer: opens a CLI run, shows the torn line as a warning, follows a run still writing', { timeout: 60_000, skip: NO_BROWSER }, async () => {
  await page.goto(`${server.url}#runs`);
  await page.waitForSelector('button[data-run="compare-addition-rnn/none"]');
  assert.equal(await page.locator('button[data-run]').count(), 3);
  await page.click('button[data-run="compare-addition-rnn/none"]');
  await page.waitForFunction(() => (document.querySelector('[data-side=viewer] .run-diagnosis') as HTMLElement | null)?.hidden === false);
  const status = (await page.textContent('[data-side=viewer] .run-status')) ?? '';
  assert.match(status, /^diverged at step \d+/);
  const warn = (await page.textContent('[data-side=viewer] .run-warnings')) ?? '';
  assert.match(warn, /1 line of the log could not be read/);
  assert.match(warn, /line 6: not valid JSON/);
  assert.ok(await page.isVisible('[data-side=viewer] .run-warnings'));
  assert.equal(await page.locator('[data-side=viewer] .uplot').count(), 4);
  await page.screenshot({ path: join(SHOTS, 'run-viewer.png'), fullPage: true });

  // a run still being written is followed live
  await page.click('button[data-run="live-run"]');
  await page.waitForFunction(() => document.querySelector('[data-side=viewer]')?.getAttribute('data-steps') === '10');
  const partial = (globalThis as { partial?: StepStats[] }).partial as StepStats[];
  const rest = partial.slice(10).map((s) => JSON.stringify(encodeStepStats(s)) + '\n').join('');
  appendFileSync(join(runs, 'live-run', 'steps.jsonl'), rest.slice(0, 150)); // half a line first
  await new Promise((r) => setTimeout(r, 1500));
  appendFileSync(join(runs, 'live-run', 'steps.jsonl'), rest.slice(150));
  await page.waitForFunction(() => document.querySelector('[data-side=viewer]')?.getAttribute('data-steps') === '20', undefined, { timeout: 10_000 });
  assert.equal(await page.isVisible('[data-side=viewer] .run-warnings'), false, 'a half-written line must not raise a warning while the run writes');
  writeFileSync(join(runs, 'live-run', 'summary.json'), JSON.stringify({ steps: 20, diverged: false, divergedAtStep: null, config: { task: 'addition', model: 'rnn', clip: 'norm:1', steps: 20 } }));
  await page.waitForFunction(() => /^finished 20 steps/.test(document.querySelector('[data-side=viewer] .run-status')?.textContent ?? ''), undefined, { timeout: 10_000 });
});

test('a request for a path outside the runs folder is refused', { skip: NO_BROWSER }, async () => {
  for (const p of ['/files/../secret.txt', '/files/%2e%2e/secret.txt', '/files/..%2fsecret.txt', `/files/${encodeURIComponent(join(root, 'secret.txt'))}`]) {
    const s = await rawStatus(p);
    assert.ok(s === 403 || s === 404, `${p}: ${s}`);
  }
  // through the browser too (URL parsing turns ".." and "%2e%2e" segments into a parent step, so use an encoded slash)
  const res = await page.request.get(`${server.url}files/..%2fsecret.txt`);
  assert.equal(res.status(), 403);
  assert.ok(!(await res.text()).includes(SECRET));
  const ok = await page.request.get(`${server.url}files/compare-addition-rnn/none/summary.json`);
  assert.equal(ok.status(), 200);
});

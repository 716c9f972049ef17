/**
 * The report's flow, spectral, cliff and readable-loss charts: present in
 * the HTML and as PNG for a run with `flow` records and for real cliff runs
 * (trained here in Node, cpu backend), absent otherwise, and the loss axis
 * of a comparison cut where a diverged run leaves the others' range.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as vega from 'vega';
import { buildCharts, renderComparisonReport, renderPngCharts, renderRunReport, toVega, type RunRecord } from '../../packages/cli/src/report/index.js';
import { flowCells } from '../../packages/cli/src/report/flow-data.js';
import { createExperiment } from '../../packages/cli/src/train/experiment.js';
import { summarizeRun } from '../../packages/cli/src/train/summary.js';
import { TrajectoryRecorder } from '../../packages/cli/src/run-folder/trajectory-codec.js';
import { tf, useBackend } from '../helpers/backends.js';
import { embeddedData, vegaDatasets } from './html-check.js';
import { syntheticRun } from './fixtures.js';
import { flowRun } from './flow-fixtures.js';

async function svgOf(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type Row = Record<string, unknown>;

/** A real cliff run (Pascanu et al.'s one-unit RNN from (6, −2.93), lr 0.5) with its trajectory. */
function cliffRun(clip: string, steps = 120): RunRecord {
  const exp = createExperiment({ task: 'cliff', lr: 0.5, steps, clip, cliffW: 6, cliffB: -2.93 });
  try {
    const rec = new TrajectoryRecorder(exp.cliffParams() as { w: number; b: number });
    while (!exp.done) {
      const s = exp.step();
      rec.push(s.step, exp.cliffParams() as { w: number; b: number });
    }
    const summary = summarizeRun({ config: exp.config, stats: exp.stats, divergedAtStep: exp.divergedAtStep, finalEval: null, entropyBaseline: null, wallSeconds: 1, backend: 'cpu' });
    return { name: clip, summary, steps: [...exp.stats], trajectory: rec.trajectory };
  } finally {
    exp.dispose();
  }
}

let none: RunRecord;
let clipped: RunRecord;
before(async () => {
  await useBackend('cpu');
  none = cliffRun('none');
  clipped = cliffRun('norm:1');
});
after(() => tf.disposeVariables());

test('a run with flow records: the flow heat map and the spectral chart follow the gradient-norm chart', async () => {
  const run = flowRun({ steps: 200, zeros: [[100, 1]], infs: [[150, 20]], missing: [120] });
  const html = renderRunReport(run);
  const data = embeddedData(html);
  assert.deepEqual(data.charts.map((c) => c.id), ['loss', 'grad-norm', 'flow', 'spectral', 'clip-coef', 'layer-norms']);
  assert.match(html, /id="figure-flow"/);
  assert.match(html, /id="figure-spectral"/);
  const flow = data.charts.find((c) => c.id === 'flow');
  assert.ok(flow);
  assert.match(flow.description, /log10 ‖∂L\/∂h_t‖/);
  assert.match(flow.description, /Grey cells hold only zero norms, red cells a NaN\/Inf norm/);
  // the chart's cells are flowCells' (19 records of 20 time steps)
  const cells = vegaDatasets(flow.vega).find((d) => d.length > 0 && 't0' in (d[0] as Row)) as Row[];
  const ref = flowCells(run.name, run.steps, 120, 100).cells;
  assert.equal(cells.length, 19 * 20);
  // norms embedded to 4 significant digits
  assert.deepEqual(cells.map((c) => [c.start, c.t0, c.kind]), ref.map((c) => [c.start, c.t0, c.kind]));
  cells.forEach((c, i) => {
    const want = ref[i].log10;
    if (want === null) assert.equal(c.log10, null);
    else assert.ok(Math.abs((c.log10 as number) - want) <= 5e-4 * Math.max(1, Math.abs(want)), `${c.log10} vs ${want}`);
  });
  const flowSvg = await svgOf(flow.vega);
  for (const text of ['only zero norms', 'NaN/Inf norm', 'time step t']) assert.ok(flowSvg.includes(text), text);
  const spectral = data.charts.find((c) => c.id === 'spectral');
  assert.ok(spectral);
  const svg = await svgOf(spectral.vega);
  for (const text of ['above 1: the gradient can explode', 'below 1: it can vanish', 'spectral norm', 'spectral radius', 'fitted growth']) assert.ok(svg.includes(text), text);
  // the lines hold one point per flow record
  const rows = vegaDatasets(spectral.vega).flat() as Row[];
  assert.equal(rows.filter((r) => r.series === 'spectral norm').length, 19);
  const pngs = await renderPngCharts([run], { width: 500, scale: 1 });
  assert.deepEqual(pngs.map((p) => p.file), ['loss.png', 'grad-norm.png', 'flow.png', 'spectral.png', 'clip-coef.png', 'layer-norms.png']);
});

test('runs without flow records or trajectory get neither the flow charts nor the cliff figure', () => {
  assert.deepEqual(buildCharts([syntheticRun({ steps: 30 })]).map((c) => c.id), ['loss', 'grad-norm', 'clip-coef', 'layer-norms']);
  const run = flowRun({ steps: 60 });
  // only the quantities recorded: a flow record without spectral norms draws the growth alone
  const noSpectral = { ...run, steps: run.steps.map((s) => (s.flow ? { ...s, flow: { timeNorms: s.flow.timeNorms, growth: s.flow.growth } } : s)) };
  const spectral = buildCharts([noSpectral]).find((c) => c.id === 'spectral');
  assert.ok(spectral);
  assert.match(spectral.description, /fitted growth/);
  assert.doesNotMatch(spectral.description, /spectral radius/);
});

test('cliff: one surface with both runs; the unclipped path jumps off the cliff, the clipped one does not', async () => {
  const charts = buildCharts([none, clipped]);
  const cliff = charts.filter((c) => c.kind === 'cliff-surface');
  assert.equal(cliff.length, 1);
  assert.equal(charts[1].id, 'cliff-surface'); // right after the loss
  const rows = vegaDatasets(toVega(cliff[0].spec)).flat() as Row[];
  assert.equal(rows.filter((r) => 'E' in r).length, 64 * 64);
  const path = (name: string) => rows.filter((r) => r.run === name && typeof r.step === 'number' && !('which' in r) && !('label' in r));
  assert.equal(path('none').length, 121);
  assert.equal(path('norm:1').length, 121);
  // the description tells each run's path; only the unclipped one has a step that stands out
  assert.match(cliff[0].description, /none: from \(6, -2\.93\) to \([\d.-]+, [\d.-]+\) in 120 steps; its largest step, step \d+, moved \(w, b\) by [\d.]+/);
  assert.match(cliff[0].description, /norm:1: from \(6, -2\.93\) to \([\d.-]+, [\d.-]+\) in 120 steps\./);
  const jumps = rows.filter((r) => typeof r.label === 'string' && String(r.label).includes('jumps'));
  assert.deepEqual(jumps.map((r) => r.run), ['none']);
  // the clipped run never moves more than lr × max norm = 0.5 (plus float32 rounding)
  const pts = clipped.trajectory?.points ?? [];
  for (let i = 1; i < pts.length; i++) assert.ok(Math.hypot(pts[i].w - pts[i - 1].w, pts[i].b - pts[i - 1].b) <= 0.5 + 1e-5);
  const html = renderComparisonReport([none, clipped]);
  assert.match(html, /id="figure-cliff-surface"/);
  const svg = await svgOf(toVega(cliff[0].spec));
  for (const text of ['w (recurrent weight)', 'b (bias)', 'wall b = 0.5 − w·σ(0.5)', 'start', 'end']) assert.ok(svg.includes(text), text);
  const pngs = await renderPngCharts([clipped], { width: 500, scale: 1 });
  assert.ok(pngs.some((p) => p.file === 'cliff-surface.png'));
  assert.ok(buildCharts([clipped]).some((c) => c.id === 'cliff-surface'));
  // a trajectory that is not one: a clear error naming the field
  assert.throws(() => renderRunReport({ ...clipped, trajectory: { points: [{ step: 0, w: 1 }] } as never }), /run\.trajectory must be a CliffTrajectory \{points: \[\{step, w, b\}\]\}/);
});

/** A run whose loss grows tenfold per step from 2 after step 3 and is NaN from `divergeAt`. */
function exploding(divergeAt: number): RunRecord {
  const base = syntheticRun({ name: 'none', steps: 40, divergeAt, config: { clip: 'none' } });
  const steps = base.steps.map((s) => (s.step < divergeAt ? { ...s, loss: s.step <= 3 ? 2 : 2 * 10 ** (s.step - 3) } : s));
  return { ...base, steps };
}

test('comparison loss: the run that did not diverge sets the range; the diverged run’s larger losses are ▲ off the scale', async () => {
  const stable = syntheticRun({ steps: 40 }); // loss from 2.03 down to 1.26
  const boom = exploding(30);
  const charts = buildCharts([boom, stable]);
  const loss = charts.find((c) => c.id === 'loss');
  assert.ok(loss);
  // top: the power of ten at or above 10 × 2.04
  assert.match(loss.description, /The y axis ends at 100, .*up to 2e26\).*off the scale/);
  const layers = (loss.spec as unknown as { layer: { data?: { values: Row[] }; encoding?: { y?: { scale?: { domain?: number[] } } } }[] }).layer;
  const line = layers.find((l) => l.encoding?.y?.scale?.domain);
  assert.deepEqual(line?.encoding?.y?.scale?.domain, [1, 100]); // from the decade below the smallest loss
  const off = layers.flatMap((l) => l.data?.values ?? []).filter((r) => typeof r.kind === 'string' && String(r.kind).includes('off scale'));
  // losses 2e2 .. 2e25 (steps 5..29) are above 100
  assert.deepEqual(off.map((r) => r.step), Array.from({ length: 25 }, (_, i) => i + 5));
  assert.ok(off.every((r) => r.kind === 'above 100 (off scale)' && r.run === 'none'));
  const svg = await svgOf(toVega(loss.spec));
  assert.ok(svg.includes('above 100 (off scale)'));
  // one run alone, or two runs that both stayed finite: every value on the scale
  for (const runs of [[boom], [stable, syntheticRun({ name: 'b', steps: 40 })]]) {
    const l = buildCharts(runs).find((c) => c.id === 'loss');
    assert.doesNotMatch(l?.description ?? '', /off the scale/);
  }
});

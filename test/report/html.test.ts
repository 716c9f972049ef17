import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as vega from 'vega';
import { renderComparisonReport, renderRunReport, type RunRecord } from '../../packages/cli/src/report/index.js';
import { embeddedData, externalLoads, tagProblems, vegaDatasets } from './html-check.js';
import { sampleDiagnosis, syntheticRun } from './fixtures.js';

const clipped = (): RunRecord => ({ ...syntheticRun({ nanSteps: [150, 151, 152], infSteps: [200], spikes: [100, 240] }), diagnosis: sampleDiagnosis() });
const diverging = (): RunRecord => syntheticRun({ name: 'none', divergeAt: 180, spikes: [170], maxNorm: 1e9, config: { clip: 'none' } });

async function svgOf(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type Row = Record<string, unknown>;

test('run report: summary values, diagnosis, config, balanced tags and no external loads', () => {
  const html = renderRunReport(clipped());
  assert.match(html, /^<!DOCTYPE html>/);
  assert.deepEqual(tagProblems(html), []);
  assert.deepEqual(externalLoads(html), []);
  assert.ok(!/<link\b/i.test(html), 'no <link> elements');
  // Exactly the three scripts we write (data, Vega runtime, renderer), each closed once.
  assert.equal((html.match(/<script\b/g) ?? []).length, 3);
  assert.equal((html.match(/<\/script>/g) ?? []).length, 3);
  // Final loss: step 300 of the fixture, 2·exp(-300/80) + 0.05, with 4 significant digits.
  const finalLoss = 2 * Math.exp(-300 / 80) + 0.05;
  assert.equal(finalLoss.toPrecision(4), '0.09704');
  assert.ok(html.includes('0.09704'));
  assert.ok(html.includes('12.5%'), 'error rate 0.125');
  assert.ok(html.includes('12.3 s'), 'wall time 12.34 s');
  // Clip rate: steps with coef < 1 among the 296 applied (non-skipped) steps.
  let clippedSteps = 0;
  for (let t = 1; t <= 300; t++) {
    if ([150, 151, 152, 200].includes(t)) continue;
    const pre = (0.5 + 0.4 * Math.sin(t / 7)) * ([100, 240].includes(t) ? 50 : 1);
    if (1 / (pre + 1e-6) < 1) clippedSteps++;
  }
  assert.equal(clippedSteps, 2);
  assert.ok(html.includes(`${Number(((clippedSteps / 296) * 100).toFixed(1))}%`));
  assert.ok(html.includes('<dt>NaN/Inf steps</dt><dd>4'), '3 NaN + 1 Inf pre-clip norms');
  assert.ok(html.includes('<dt>Skipped steps</dt><dd>4'));
  assert.ok(html.includes('<dt>Backend</dt><dd>cpu'));
  // Diagnosis in plain words, escaped.
  assert.ok(html.includes('Gradients exploded: norm spikes from step 100, then NaN at step 150.'));
  assert.ok(html.includes('jumped to 25 at step 100 &lt;b&gt;'));
  assert.ok(html.includes('Lower the learning rate &amp; retry.'));
  assert.ok(html.includes('--clip norm:0.9'));
  // Configuration table.
  assert.ok(html.includes('<th scope="row" class="mono">clip</th><td class="mono">norm:1</td>'));
  // The Vega runtime is inline.
  assert.ok(html.includes('new vega.View(vega.parse('));
  assert.ok(html.length > 400_000, 'vega.min.js embedded');
});

test('run report: every user string is escaped, and embedded JSON survives hostile text', () => {
  const run = clipped();
  const evil = '</script><img src=x onerror=alert(1)>"\'&';
  run.name = evil;
  run.summary.config.task = `task ${evil}`;
  run.summary.backend = evil;
  const html = renderRunReport(run);
  assert.ok(!html.includes('<img src=x'));
  assert.ok(!html.includes('</script><img'));
  assert.ok(html.includes('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;'));
  assert.deepEqual(tagProblems(html), []);
  const data = embeddedData(html);
  assert.equal(data.runs[0].name, evil);
  assert.equal(data.runs[0].summary.config.task, `task ${evil}`);
});

test('run report: embedded specs render to SVG in Node; non-finite values are gaps and markers', async () => {
  const html = renderRunReport(clipped());
  const data = embeddedData(html);
  assert.equal(data.kind, 'run');
  assert.deepEqual(
    data.charts.map((c) => c.id),
    ['loss', 'grad-norm', 'clip-coef', 'layer-norms'],
  );
  for (const c of data.charts) {
    const svg = await svgOf(c.vega);
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok(svg.includes('<path') || svg.includes('<rect'), `${c.id} draws marks`);
    assert.ok(svg.includes('>step<'), `${c.id} has the step axis title`);
  }
  const norm = data.charts.find((c) => c.id === 'grad-norm');
  assert.ok(norm);
  const sets = vegaDatasets(norm.vega) as Row[][];
  const lines = sets.find((d) => d.some((r) => r.series === 'pre-clip')) as Row[];
  const pre = lines.filter((r) => r.series === 'pre-clip');
  assert.equal(pre.length, 300);
  for (const t of [150, 151, 152, 200]) assert.equal(pre.find((r) => r.step === t)?.value, null, `step ${t} is a gap`);
  // The spike at step 100: 50·(0.5 + 0.4·sin(100/7)).
  assert.equal(pre.find((r) => r.step === 100)?.value, 50 * (0.5 + 0.4 * Math.sin(100 / 7)));
  const markers = sets.find((d) => d.some((r) => r.kind === 'non-finite')) as Row[];
  assert.deepEqual(
    markers.filter((m) => m.kind === 'non-finite').map((m) => [m.start, m.end, m.count]),
    [
      [150, 152, 3],
      [200, 200, 1],
    ],
  );
  assert.deepEqual(
    markers.filter((m) => m.kind === 'skipped').map((m) => [m.start, m.end]),
    [
      [150, 152],
      [200, 200],
    ],
  );
  // No NaN/Infinity strings sneak into the data.
  assert.ok(!/"(NaN|Infinity|-Infinity)"/.test(JSON.stringify(data.charts)));
});

test('run report: long runs are downsampled to at most 2000 points per series, spikes kept', () => {
  const run = syntheticRun({ steps: 5000, spikes: [4321], nanSteps: [2500] });
  const data = embeddedData(renderRunReport(run));
  const norm = data.charts.find((c) => c.id === 'grad-norm');
  assert.ok(norm);
  const lines = (vegaDatasets(norm.vega) as Row[][]).find((d) => d.some((r) => r.series === 'pre-clip')) as Row[];
  for (const s of ['pre-clip', 'post-clip']) {
    const rows = lines.filter((r) => r.series === s);
    assert.ok(rows.length <= 2000 && rows.length > 1000, `${s}: ${rows.length} rows`);
  }
  const spike = 50 * (0.5 + 0.4 * Math.sin(4321 / 7));
  assert.ok(lines.some((r) => r.series === 'pre-clip' && r.step === 4321 && r.value === spike));
  assert.ok(lines.some((r) => r.series === 'pre-clip' && r.value === null), 'the NaN step still breaks the line');
  const heat = data.charts.find((c) => c.id === 'layer-norms');
  assert.ok(heat);
  const cells = (vegaDatasets(heat.vega) as Row[][]).find((d) => d.some((r) => 'layer' in r)) as Row[];
  assert.equal(cells.length, 120 * 4, '120 bins x 4 layers');
});

test('run report: a run without layer norms or steps still renders', async () => {
  const run = syntheticRun({ steps: 5, layers: [] });
  run.steps.forEach((s) => delete s.layerNorms);
  const data = embeddedData(renderRunReport(run));
  assert.deepEqual(
    data.charts.map((c) => c.id),
    ['loss', 'grad-norm', 'clip-coef'],
  );
  const empty = { ...run, steps: [] };
  const html = renderRunReport(empty);
  assert.ok(html.includes('No step statistics were recorded.'));
  for (const c of embeddedData(html).charts) await svgOf(c.vega);
});

test('comparison report: one row per run, diverged rows highlighted, overlaid charts', async () => {
  const runs = [clipped(), diverging()];
  const html = renderComparisonReport(runs, { title: 'Clip <vs> none', description: 'Same seed & data.' });
  assert.deepEqual(tagProblems(html), []);
  assert.deepEqual(externalLoads(html), []);
  assert.ok(html.includes('<h1>Clip &lt;vs&gt; none</h1>'));
  assert.ok(html.includes('Same seed &amp; data.'));
  const rows = html.match(/<tr( class="diverged")?><td><span class="swatch"/g) ?? [];
  assert.equal(rows.length, 2);
  assert.equal(rows.filter((r) => r.includes('diverged')).length, 1);
  assert.ok(html.includes('diverged at step 180'));
  // Only the varying setting (clip) becomes a column; the rest is folded away.
  assert.ok(html.includes('<th class="mono">clip</th>'));
  assert.ok(!html.includes('<th class="mono">task</th>'));
  const data = embeddedData(html);
  assert.equal(data.kind, 'comparison');
  assert.deepEqual(
    data.charts.map((c) => c.id),
    ['loss', 'grad-norm', 'clip-coef', 'layer-norms-1', 'layer-norms-2'],
  );
  const loss = data.charts[0];
  const lines = (vegaDatasets(loss.vega) as Row[][]).find((d) => d.some((r) => r.run === 'none' && 'value' in r)) as Row[];
  assert.deepEqual([...new Set(lines.map((r) => r.run))], ['norm:1', 'none']);
  for (const c of data.charts) assert.ok((await svgOf(c.vega)).includes('<path'));
  const legendSvg = await svgOf(data.charts[1].vega);
  assert.ok(legendSvg.includes('>norm:1<') && legendSvg.includes('>none<'), 'a legend names both runs');
});

test('comparison report: duplicate run names are made unique', () => {
  const data = embeddedData(renderComparisonReport([syntheticRun({ steps: 10 }), syntheticRun({ steps: 10 })]));
  assert.deepEqual(
    data.runs.map((r) => r.name),
    ['norm:1', 'norm:1 (2)'],
  );
});

test('bad input: messages name the argument and the fix', () => {
  assert.throws(() => renderRunReport(null as unknown as RunRecord), /run must be a RunRecord object \{name, summary, steps\}, got null/);
  assert.throws(() => renderRunReport({ ...syntheticRun({ steps: 3 }), name: '' }), /run.name must be a non-empty string/);
  assert.throws(() => renderRunReport({ ...syntheticRun({ steps: 3 }), steps: 'x' as unknown as [] }), /run.steps must be an array of StepStats/);
  assert.throws(() => renderComparisonReport([]), /runs must be a non-empty array of RunRecord, got an empty array/);
  assert.throws(() => renderComparisonReport([syntheticRun({ steps: 3 }), {} as RunRecord]), /runs\[1\].name must be a non-empty string/);
  assert.throws(() => renderRunReport(syntheticRun({ steps: 3 }), { maxPoints: 2 }), /maxPoints must be an integer in \[3, 1000000\], got 2/);
  assert.throws(() => renderRunReport(syntheticRun({ steps: 3 }), { width: -1 }), /width must be a number in \(0, 20000\], got -1/);
});

test('the test checkers themselves catch what they look for', () => {
  assert.deepEqual(externalLoads('<img src="https://cdn.example/x.png"><a href=//evil.example>x</a><style>@import "a.css"</style>').length, 3);
  assert.deepEqual(externalLoads('<a href="#x">x</a><img src="data:image/png;base64,AA">'), []);
  assert.deepEqual(tagProblems('<div><p>x</div>'), ['unexpected </div> at 9', 'unclosed: div']);
  assert.deepEqual(tagProblems('<div><script>if (a < b) { "</div>" }</script><br></div>'), []);
});

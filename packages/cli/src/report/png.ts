/**
 * PNG charts: the same Vega-Lite specs as the HTML report, rendered to SVG
 * in Node with a headless Vega view and rasterised with resvg
 * (`@resvg/resvg-js`).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { withUniqueNames } from './html.js';
import { renderSvg, toVega } from './render-vega.js';
import { buildCharts } from './specs.js';
import type { PngOptions, RunRecord } from './types.js';
import { checkPositiveOption, validateRuns } from './validate.js';

/** One rendered chart. */
export interface PngChart {
  /** File name, e.g. `grad-norm.png`. */
  file: string;
  /** PNG bytes. */
  png: Uint8Array;
}

/** Sans-serif fonts looked for, in order, when `fontFiles` is not given. */
export const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf',
  '/Library/Fonts/Arial.ttf',
  '/System/Library/Fonts/Helvetica.ttc',
  'C:\\Windows\\Fonts\\arial.ttf',
];

/** The font files to give resvg: `fontFiles`, or the first candidate found on this machine. */
export function chartFontFiles(fontFiles?: string[]): string[] {
  if (fontFiles) return fontFiles;
  const found = FONT_CANDIDATES.find((p) => existsSync(p));
  return found ? [found] : [];
}

/** Rasterises an SVG string to PNG bytes with resvg at `scale` × its size, on white. */
export function svgToPng(svg: string, scale = 2, fontFiles?: string[]): Uint8Array {
  checkPositiveOption('scale', scale, 16);
  const files = chartFontFiles(fontFiles);
  const family = files.some((f) => /dejavu/i.test(f)) ? 'DejaVu Sans' : files.some((f) => /liberation/i.test(f)) ? 'Liberation Sans' : undefined;
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: scale },
    font: {
      // System fonts too, so that text still renders when none of the candidates exists.
      loadSystemFonts: true,
      fontFiles: files,
      ...(family ? { defaultFontFamily: family, sansSerifFamily: family } : {}),
    },
    logLevel: 'off',
  });
  return new Uint8Array(resvg.render().asPng());
}

/**
 * Renders the charts of `runs` to PNG: `loss.png`, `grad-norm.png`,
 * `clip-coef.png` and, when per-layer norms were recorded, `layer-norms.png`
 * (one run) or `layer-norms-<i>.png` (the i-th of several, 1-based); with
 * `flow` records also `flow.png` (or `flow-<i>.png`) and `spectral.png`, and
 * for cliff runs with a trajectory `cliff-surface.png`. With several runs
 * the line charts are overlaid, one colour per run.
 *
 * @throws when `runs` is empty or holds something that is not a RunRecord, or an option is out of range.
 */
export async function renderPngCharts(runs: RunRecord[], opts: PngOptions = {}): Promise<PngChart[]> {
  validateRuns(runs);
  checkPositiveOption('scale', opts.scale, 16);
  const charts = buildCharts(withUniqueNames(runs), opts);
  const out: PngChart[] = [];
  for (const c of charts) {
    const svg = await renderSvg(toVega(c.spec));
    out.push({ file: c.file, png: svgToPng(svg, opts.scale ?? 2, opts.fontFiles) });
  }
  return out;
}

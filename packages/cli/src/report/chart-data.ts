/**
 * Turns {@link RunRecord}s into the small row tables the charts draw: line
 * series (downsampled, non-finite values as gaps), marker ranges (non-finite
 * and skipped steps), divergence steps and per-layer heat-map cells.
 *
 * @module
 */
import { isNonFiniteStep, layerOrder, maxOf, median } from 'gradclip/internal';
import type { StepStats } from 'gradclip';
import { downsampleMinMax, type SeriesPoint } from './downsample.js';
import type { RunRecord } from './types.js';

/** The per-step quantities drawn as lines (the last three from the steps with a `flow` record only). */
export type SeriesName = 'loss' | 'pre-clip' | 'post-clip' | 'clip-coef' | 'spectral-norm' | 'spectral-radius' | 'growth';

/** True for the quantities read from `StepStats.flow` (recorded every `--flow-every` steps). */
export function isFlowSeries(series: SeriesName): boolean {
  return series === 'spectral-norm' || series === 'spectral-radius' || series === 'growth';
}

/** One row of a line chart; `value = null` breaks the line. */
export interface LineRow {
  run: string;
  series: string;
  step: number;
  value: number | null;
}

/** What a marker flags. */
export type MarkerKind = 'non-finite' | 'skipped';

/** A range of consecutive flagged steps, drawn as a band with a symbol on top. */
export interface MarkerRow {
  run: string;
  kind: MarkerKind;
  /** First and last flagged step of the range. */
  start: number;
  end: number;
  /** Flagged steps in the range. */
  count: number;
  /** Band edges on the x axis: `start - 0.5` and `end + 0.5`. */
  x0: number;
  x1: number;
  /** Where the symbol goes: the first flagged step of the range. */
  xm: number;
  /** Pixel offset of the symbol from the top (one lane per run and kind). */
  py: number;
}

/** The step at which a run diverged. */
export interface DivergenceRow {
  run: string;
  step: number;
  label: string;
  /** Pixel offset of the label from the top. */
  py: number;
}

/** One heat-map cell: a layer over a bin of consecutive records. */
export interface HeatCell {
  run: string;
  /** Display name of the layer (common prefix removed). */
  layer: string;
  /** First and last step of the bin. */
  start: number;
  end: number;
  /** Cell edges on the x axis. */
  x0: number;
  x1: number;
  /** Largest finite positive norm in the bin, or null. */
  max: number | null;
  /** Median of the finite positive norms in the bin, or null. */
  median: number | null;
  /** Records of the bin whose norm for this layer was NaN or ±Inf. */
  nonFinite: number;
  /** Records of the bin whose norm for this layer was exactly 0 (e.g. saturated tanh units). */
  zeros: number;
}

function pick(s: StepStats, series: SeriesName): number | null {
  switch (series) {
    case 'loss':
      return s.loss;
    case 'pre-clip':
      return s.preClipNorm;
    case 'post-clip':
      return s.postClipNorm;
    case 'clip-coef':
      return s.clipCoef;
    case 'spectral-norm':
      return s.flow?.spectralNorm ?? null;
    case 'spectral-radius':
      return s.flow?.spectralRadius ?? null;
    case 'growth':
      return s.flow?.growth ?? null;
  }
}

/** The records a series is drawn from: every step, or for a flow quantity the steps with a `flow` record. */
function sourceSteps(run: RunRecord, series: SeriesName): readonly StepStats[] {
  return isFlowSeries(series) ? run.steps.filter((s) => s.flow !== undefined) : run.steps;
}

/** The values of one series of one run, in step order (flow quantities: the steps with a `flow` record). */
export function seriesValues(run: RunRecord, series: SeriesName): (number | null)[] {
  return sourceSteps(run, series).map((s) => pick(s, series));
}

/** True when some run has a finite value of `series`. */
export function hasSeries(runs: readonly RunRecord[], series: SeriesName): boolean {
  return runs.some((r) => sourceSteps(r, series).some((s) => {
    const v = pick(s, series);
    return v !== null && Number.isFinite(v);
  }));
}

/**
 * The rows of one series of one run: non-finite and missing values become
 * gaps (`null`), and so do values `<= 0` when `positiveOnly` (a log axis
 * cannot show them); then {@link downsampleMinMax} to `maxPoints`.
 */
export function seriesRows(run: RunRecord, series: SeriesName, label: string, maxPoints: number, positiveOnly: boolean): LineRow[] {
  const pts: SeriesPoint[] = sourceSteps(run, series).map((s) => {
    const v = pick(s, series);
    const ok = v !== null && Number.isFinite(v) && (!positiveOnly || v > 0);
    return { x: s.step, y: ok ? v : null };
  });
  return downsampleMinMax(pts, maxPoints).map((p) => ({ run: run.name, series: label, step: p.x, value: p.y }));
}

/** True when at least one value of `series` is finite and every finite value is > 0. */
export function allPositive(runs: readonly RunRecord[], series: SeriesName): boolean {
  let any = false;
  for (const r of runs) {
    for (const s of sourceSteps(r, series)) {
      const v = pick(s, series);
      if (v === null || !Number.isFinite(v)) continue;
      if (v <= 0) return false;
      any = true;
    }
  }
  return any;
}

/**
 * Ranges of flagged steps of one run (non-finite steps as `isNonFiniteStep`
 * of `gradclip/internal` defines them, or skipped steps). Flagged steps closer than
 * `ceil(span / maxRanges)` steps are merged, so a long run with thousands
 * of flagged steps still gives at most about `maxRanges` bands.
 */
export function markerRanges(run: RunRecord, kind: MarkerKind, lane: number, maxRanges = 400): MarkerRow[] {
  const flagged = run.steps.filter((s) => (kind === 'skipped' ? s.skipped : isNonFiniteStep(s))).map((s) => s.step);
  if (flagged.length === 0) return [];
  const first = run.steps[0].step;
  const last = run.steps[run.steps.length - 1].step;
  const gap = Math.max(1, Math.ceil((last - first + 1) / maxRanges));
  const out: MarkerRow[] = [];
  let start = flagged[0];
  let end = start;
  let count = 1;
  const flush = (): void => {
    out.push({ run: run.name, kind, start, end, count, x0: start - 0.5, x1: end + 0.5, xm: start, py: 5 + 9 * lane });
  };
  for (let i = 1; i < flagged.length; i++) {
    const st = flagged[i];
    if (st - end <= gap) {
      end = st;
      count++;
    } else {
      flush();
      start = st;
      end = st;
      count = 1;
    }
  }
  flush();
  return out;
}

/**
 * Display names: removes the longest prefix ending in `/` that every name
 * shares (e.g. the per-run variable prefix `gc3/`), when there are at least
 * two names and none would become empty.
 */
export function stripCommonPrefix(names: readonly string[]): string[] {
  if (names.length < 2) return [...names];
  let p = names[0];
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, -1);
  const cut = p.lastIndexOf('/') + 1;
  if (cut === 0 || names.some((n) => n.length === cut)) return [...names];
  return names.map((n) => n.slice(cut));
}

/**
 * Heat-map cells of one run: the records are split into at most `maxBins`
 * bins of consecutive records, and each (bin, layer) cell holds the largest
 * and the median finite positive norm, and the counts of non-finite and of
 * zero norms.
 */
export function heatCells(run: RunRecord, maxBins: number): { layers: string[]; cells: HeatCell[] } {
  const keys = layerOrder(run.steps);
  const names = stripCommonPrefix(keys);
  const steps = run.steps.filter((s) => s.layerNorms);
  const n = steps.length;
  const bins = Math.min(maxBins, n);
  const cells: HeatCell[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins);
    const hi = Math.floor(((b + 1) * n) / bins);
    const start = steps[lo].step;
    const end = steps[hi - 1].step;
    keys.forEach((k, j) => {
      const vals: number[] = [];
      let nonFinite = 0;
      let zeros = 0;
      for (let i = lo; i < hi; i++) {
        const v = steps[i].layerNorms?.[k];
        if (v === undefined) continue;
        if (!Number.isFinite(v)) nonFinite++;
        else if (v > 0) vals.push(v);
        else if (v === 0) zeros++;
      }
      cells.push({
        run: run.name,
        layer: names[j],
        start,
        end,
        x0: start - 0.5,
        x1: end + 0.5,
        max: vals.length ? maxOf(vals) : null,
        median: vals.length ? median(vals) : null,
        nonFinite,
        zeros,
      });
    });
  }
  return { layers: names, cells };
}

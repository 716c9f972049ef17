/**
 * The cells of the gradient-flow heat map (pure, no Vega or DOM: shared by
 * the report and the dashboard): from the `flow` records of a run's
 * steps.jsonl (`StepStats.flow`, every `--flow-every` steps), one column per
 * recorded step (x: training step) and one row per time step t = 1..T
 * (y), coloured by log10 ‖∂L/∂h_t‖ (Pascanu, Mikolov & Bengio 2013, arXiv
 * 1211.5063, section 2: back-propagation through time multiplies the
 * Jacobians, so the norm changes by about ‖J‖ per time step going back).
 *
 * @module
 */
import type { StepStats } from 'gradclip';

/** One cell of the flow heat map: time steps `t0..t1` over the records of steps `start..end`. */
export interface FlowCell {
  run: string;
  /** First and last training step of the records in the cell. */
  start: number;
  end: number;
  /** Cell edges on the x axis (training steps). */
  x0: number;
  x1: number;
  /** First and last time step t (1-based) of the cell. */
  t0: number;
  t1: number;
  /** Cell edges on the y axis: `t0 − 0.5` and `t1 + 0.5`. */
  y0: number;
  y1: number;
  /** Largest finite positive ‖∂L/∂h_t‖ in the cell, or null. */
  max: number | null;
  /** log10 of {@link max}, or null. */
  log10: number | null;
  /** Norms in the cell that were NaN or ±Inf. */
  nonFinite: number;
  /** Norms in the cell that were exactly 0 (the signal did not reach that time step, or saturated units). */
  zeros: number;
  /** `non-finite` when a norm in the cell is NaN/±Inf, `zero` when its only norms are 0, else `value`. */
  kind: 'value' | 'zero' | 'non-finite';
}

/** The flow heat map of one run. */
export interface FlowMap {
  /** Longest `timeNorms` of the records (the rows are t = 1..T). */
  T: number;
  /** Steps with a `flow` record. */
  records: number;
  /** The usual distance between two recorded steps (the median gap; 1 with one record). */
  spacing: number;
  /** True when cells merge several records or several time steps. */
  merged: boolean;
  cells: FlowCell[];
}

/** The records of `steps` that carry `flow`, in order. */
export function flowSteps(steps: readonly StepStats[]): StepStats[] {
  return steps.filter((s) => s.flow !== undefined && Array.isArray(s.flow.timeNorms));
}

function medianGap(steps: readonly number[]): number {
  if (steps.length < 2) return 1;
  const gaps = steps.slice(1).map((s, i) => s - steps[i]).sort((a, b) => a - b);
  const m = gaps.length >> 1;
  return gaps.length % 2 ? gaps[m] : (gaps[m - 1] + gaps[m]) / 2;
}

/**
 * The heat-map cells of one run's flow records: a record at step s covers
 * `[s − d/2, s + d/2]` on the x axis, d the median gap between recorded
 * steps, cut at the midpoint to a nearer neighbour, so a missing record
 * leaves a blank column instead of stretching its neighbours. With more than
 * `maxColumns` records, consecutive records share a column, and with T
 * above `maxRows`, consecutive time steps share a row; a cell's colour is
 * then the largest norm in it. Rows are 1-based time steps; a record with
 * fewer time steps than T leaves the rows past its end blank.
 */
export function flowCells(name: string, steps: readonly StepStats[], maxColumns: number, maxRows: number): FlowMap {
  const recs = flowSteps(steps);
  const T = recs.reduce((m, s) => Math.max(m, s.flow?.timeNorms.length ?? 0), 0);
  const stepNos = recs.map((s) => s.step);
  const d = medianGap(stepNos);
  const n = recs.length;
  const cells: FlowCell[] = [];
  if (n === 0 || T === 0) return { T, records: n, spacing: d, merged: false, cells };
  const left = stepNos.map((s, i) => (i > 0 ? Math.max(s - d / 2, (s + stepNos[i - 1]) / 2) : s - d / 2));
  const right = stepNos.map((s, i) => (i < n - 1 ? Math.min(s + d / 2, (s + stepNos[i + 1]) / 2) : s + d / 2));
  const cols = Math.min(maxColumns, n);
  const rows = Math.min(maxRows, T);
  for (let c = 0; c < cols; c++) {
    const lo = Math.floor((c * n) / cols);
    const hi = Math.floor(((c + 1) * n) / cols);
    for (let r = 0; r < rows; r++) {
      const tLo = Math.floor((r * T) / rows);
      const tHi = Math.floor(((r + 1) * T) / rows);
      let max: number | null = null;
      let nonFinite = 0;
      let zeros = 0;
      let seen = 0;
      for (let i = lo; i < hi; i++) {
        const tn = recs[i].flow?.timeNorms ?? [];
        for (let t = tLo; t < tHi && t < tn.length; t++) {
          const v = tn[t];
          seen++;
          if (!Number.isFinite(v)) nonFinite++;
          else if (v > 0) max = max === null || v > max ? v : max;
          else if (v === 0) zeros++;
        }
      }
      if (seen === 0) continue;
      cells.push({
        run: name,
        start: stepNos[lo],
        end: stepNos[hi - 1],
        x0: left[lo],
        x1: right[hi - 1],
        t0: tLo + 1,
        t1: tHi,
        y0: tLo + 0.5,
        y1: tHi + 0.5,
        max,
        log10: max === null ? null : Math.log10(max),
        nonFinite,
        zeros,
        kind: nonFinite > 0 ? 'non-finite' : max === null && zeros > 0 ? 'zero' : 'value',
      });
    }
  }
  return { T, records: n, spacing: d, merged: cols < n || rows < T, cells };
}

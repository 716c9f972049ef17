/**
 * Plain-words text of the dashboard (pure, no DOM): the status line of a
 * run, the diagnosis, and the clipping-threshold suggestion. Numbers are
 * written by `formatNumber` (3 significant digits), the formatter the CLI
 * and the report use too.
 */
import { clipRate, formatNumber } from 'gradclip/internal';
import type { Diagnosis, RecommendedThreshold, StepStats } from './lib.js';

/** A percentage with no decimals (one decimal below 10%). */
export function pct(f: number): string {
  const p = f * 100;
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`;
}

/** Tone of a status line, for its colour. */
export type StatusTone = 'idle' | 'running' | 'ok' | 'bad';

/** What {@link statusLine} needs about a run. */
export interface StatusInput {
  /** Step records so far. */
  stats: readonly StepStats[];
  /** First step with a non-finite loss or weight, or null. */
  divergedAtStep: number | null;
  /** Configured number of steps (null when unknown, e.g. a run being written). */
  totalSteps: number | null;
  /** True once the run stopped (finished, diverged, or its summary exists). */
  finished: boolean;
  /** The clip spec (`none`, `norm:1`, ...), or null when unknown. */
  clip: string | null;
}

/**
 * The one-line status of a run, e.g. `diverged at step 23 (loss became
 * Infinity)` or `step 120 of 300 · loss 0.08 · clipping on 34% of steps`.
 */
export function statusLine(r: StatusInput): { text: string; tone: StatusTone } {
  const n = r.stats.length;
  if (n === 0) return { text: r.finished ? 'no steps recorded' : 'not started', tone: 'idle' };
  if (r.divergedAtStep !== null) {
    const s = r.stats.find((x) => x.step === r.divergedAtStep);
    const what = s && s.loss !== null && !Number.isFinite(s.loss) ? ` (loss became ${formatNumber(s.loss)})` : s ? ' (a weight became non-finite)' : '';
    return { text: `diverged at step ${r.divergedAtStep}${what}`, tone: 'bad' };
  }
  let lastLoss: number | null = null;
  for (let i = n - 1; i >= 0 && lastLoss === null; i--) {
    const l = r.stats[i].loss;
    if (l !== null && Number.isFinite(l)) lastLoss = l;
  }
  const rate = clipRate(r.stats);
  const skipped = r.stats.filter((s) => s.skipped).length;
  const parts: string[] = [];
  const last = r.stats[n - 1].step;
  parts.push(r.finished ? `finished ${last} steps` : r.totalSteps !== null ? `step ${last} of ${r.totalSteps}` : `step ${last}`);
  parts.push(`loss ${formatNumber(lastLoss)}`);
  if (r.clip === 'none') parts.push('no clipping');
  else if (rate !== null) parts.push(`clipping on ${pct(rate)} of steps`);
  if (skipped > 0) parts.push(`${skipped} step${skipped === 1 ? '' : 's'} skipped`);
  return { text: parts.join(' · '), tone: r.finished ? 'ok' : 'running' };
}

/** The diagnosis as the dashboard shows it. */
export interface PlainDiagnosis {
  /** One-word verdict for the badge. */
  verdict: string;
  /** The library's plain-words summary. */
  summary: string;
  /** Evidence, one sentence each. */
  findings: string[];
  /** What to do, one sentence each. */
  recommendations: string[];
  /** The ranked causes, most likely first: a title, the evidence and the fixes of each. */
  causes: Array<{ title: string; evidence: string[]; fixes: string[] }>;
}

/** The causes of `diagnose` in plain words (titles for the badge-less list). */
const CAUSE_TITLES: Readonly<Record<string, string>> = {
  'exploding-through-time': 'gradients explode through time',
  'vanishing-through-time': 'gradients vanish through time',
  'saturation-after-explosion': 'units saturated by an earlier explosion',
  'learning-rate-too-high': 'the learning rate is too high',
  'exploding-depth': 'gradients explode through depth',
  'vanishing-depth': 'gradients vanish through depth',
  'bad-data-or-numerics': 'a bad batch or a numerical fault',
  healthy: 'healthy',
};

const VERDICTS: Readonly<Record<Diagnosis['status'], string>> = {
  healthy: 'healthy',
  exploding: 'exploding gradients',
  vanishing: 'vanishing gradients',
  'insufficient-data': 'too few steps to judge',
};

/** Wraps `diagnose()`'s result for display. */
export function plainDiagnosis(d: Diagnosis): PlainDiagnosis {
  return {
    verdict: VERDICTS[d.status],
    summary: d.summary,
    findings: d.findings.map((f) => f.message),
    recommendations: d.recommendations,
    causes: (d.causes ?? []).map((c) => ({ title: `${CAUSE_TITLES[c.cause] ?? c.cause} (confidence ${c.confidence.toFixed(2)})`, evidence: [...c.evidence], fixes: [...c.fixes] })),
  };
}

/** A number written compactly for a clip spec (`1.5`, `4e19`). */
export function specNumber(x: number): string {
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential().replace('e+', 'e') : String(x);
}

/**
 * The clipping-threshold suggestion in plain words, from
 * `recommendThreshold` / `Experiment.calibrate` (`source` says which run's
 * norms it used).
 */
export function thresholdAdvice(r: RecommendedThreshold, source: string): string {
  const spikes = r.spikes.length;
  const spikeText = spikes === 0 ? 'no spikes' : `${spikes} spike${spikes === 1 ? '' : 's'} (above ${formatNumber(r.spikeCutoff)})`;
  return (
    `Clip the global gradient norm at ${formatNumber(r.threshold)} (clip spec norm:${specNumber(r.threshold)}). ` +
    `From ${r.count} gradient norms of ${source}: typical norm ${formatNumber(r.median)}, 95th percentile ${formatNumber(r.percentiles.p95)}, ${spikeText}` +
    `${r.nonFinite > 0 ? `, ${r.nonFinite} non-finite norm${r.nonFinite === 1 ? '' : 's'} ignored` : ''}. ${r.rationale}` +
    (r.nonFinite > 0
      ? ' Caution: these steps went non-finite, so the norms are dominated by the explosion and the threshold is far too high; prefer the norms of a clipped run of the same model.'
      : '')
  );
}

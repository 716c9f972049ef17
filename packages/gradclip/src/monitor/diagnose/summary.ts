/**
 * The plain-words paragraph of a {@link Diagnosis} (`summary`, what the CLI
 * and the dashboard print first): a head sentence naming the verdict —
 * exploding or vanishing gradients (Pascanu, Mikolov & Bengio 2013, arXiv
 * 1211.5063; Bengio, Simard & Frasconi 1994), healthy, or too short — then
 * the leading evidence, the clipping condition and the first recommendation.
 *
 * @module
 */

import { formatNumber } from '../../core/format.js';
import type { Cause, DiagnosisStatus, Finding, Diagnosis } from './types.js';

/** Summary of a run with no records. */
export const EMPTY_RUN_SUMMARY = 'No steps were recorded, so there is nothing to diagnose.';

/** What {@link summarize} reads. */
export interface SummaryInputs {
  /** The verdict. */
  status: DiagnosisStatus;
  /** Number of records. */
  n: number;
  /** The spike factor (the healthy sentence quotes it). */
  spikeFactor: number;
  /** The minimum number of records (the insufficient-data sentence quotes it). */
  minSteps: number;
  /** Where the problem first showed, or null. */
  firstEventStep: number | null;
  /** Median finite pre-clip norm, or null. */
  medianPreClipNorm: number | null;
  /** Largest finite pre-clip norm, or null. */
  maxPreClipNorm: number | null;
  /** The findings, already ordered. */
  findings: readonly Finding[];
  /** The recommendations, in order. */
  recommendations: readonly string[];
  /** The top-ranked cause, when there is one. */
  topCause?: Cause;
}

/**
 * The head sentence for the verdict; for `exploding` / `vanishing` the
 * messages of the first three findings (but the clipping-saturated and
 * skipped-steps ones); the clipping-saturated message when clipping
 * saturated; then, when the top-ranked cause is a problem,
 * `Most likely cause: <cause> (confidence c). Suggested: <its first fix>`
 * (after a healthy head: `But the ranked causes, which also weigh the
 * layers, the flow and the loss, find a problem: most likely <cause> …`),
 * else `Suggested: ` + the first recommendation (not for
 * `insufficient-data`).
 */
export function summarize(x: SummaryInputs): string {
  const { status, n } = x;
  let head: string;
  if (status === 'exploding') head = `Exploding gradients${x.firstEventStep !== null ? ` from step ${x.firstEventStep}` : ''}.`;
  else if (status === 'vanishing') head = 'Vanishing gradients.';
  else if (status === 'healthy') {
    head =
      `Healthy: over ${n} steps the gradient norm stayed within ${x.spikeFactor}x of its running median` +
      (x.medianPreClipNorm !== null ? ` (median ${formatNumber(x.medianPreClipNorm)}, max ${formatNumber(x.maxPreClipNorm)})` : '') +
      ', with no NaN/Inf and no sign of vanishing gradients.';
  } else {
    head = `Only ${n} step${n === 1 ? '' : 's'} recorded (at least ${x.minSteps} are needed), so the run cannot be classified yet.`;
  }
  const parts = [head];
  if (status === 'exploding' || status === 'vanishing') {
    for (const f of x.findings.slice(0, 3)) {
      if (f.kind === 'clipping-saturated' || f.kind === 'skipped-steps') continue;
      parts.push(f.message);
    }
  }
  const saturated = x.findings.find((f) => f.kind === 'clipping-saturated');
  if (saturated) parts.push(saturated.message);
  const top = x.topCause;
  if (top && top.cause !== 'healthy' && status !== 'insufficient-data') {
    // a healthy-looking norm record can still hide a problem the causes see (dead layers, a stalled loss): say so instead of contradicting the head
    const despite = status === 'healthy' ? 'But the ranked causes, which also weigh the layers, the flow and the loss, find a problem: most likely' : 'Most likely cause:';
    parts.push(`${despite} ${top.cause} (confidence ${top.confidence.toFixed(2)}).`);
    if (top.fixes.length > 0) parts.push(`Suggested: ${top.fixes[0]}`);
  } else if (x.recommendations.length > 0 && status !== 'insufficient-data') parts.push(`Suggested: ${x.recommendations[0]}`);
  return parts.filter((p) => p.length > 0).join(' ');
}

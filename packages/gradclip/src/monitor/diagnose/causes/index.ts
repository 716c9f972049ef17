/**
 * The ranked causes of a {@link diagnose} result (`Diagnosis.causes`): one
 * file per cause, each reasoning from the shared {@link CauseFacts} to its
 * evidence, its confidence and the fixes that fit the model; this file runs
 * them and ranks the result.
 *
 * Ranking: by confidence, highest first (ties in the order of
 * {@link CAUSE_ORDER}); a consequence (`saturation-after-explosion`) is
 * placed right after the best-ranked cause it may follow from, when one is
 * present, because fixing that cause fixes it, with its confidence capped
 * at that cause's (it is no more likely than what it follows from), so the
 * list is always in non-increasing confidence. `healthy` has confidence
 * `1 − max(problem confidence)`. Causes below {@link MIN_CONFIDENCE} are
 * left out.
 *
 * @module
 */

import type { Cause, CauseKind } from '../types.js';
import { explodingDepth, vanishingDepth } from './depth.js';
import type { CauseFacts } from './facts.js';
import { healthyCause } from './healthy.js';
import { learningRateTooHigh } from './learning-rate.js';
import { badDataOrNumerics } from './numerics.js';
import { saturationAfterExplosion } from './saturation.js';
import type { Candidate } from './score.js';
import { explodingThroughTime, vanishingThroughTime } from './through-time.js';
import type { diagnose } from '../index.js';

export { causeFacts, type CauseFacts } from './facts.js';

/**
 * Fixes that change the model itself (its cell, layers, connections,
 * normalisation, non-linearity or initialisation), left out when the
 * context says the architecture is fixed (`architectureFixed`).
 */
export const ARCHITECTURE_FIX = /gated cell|\bLSTM or GRU\b|[Ii]nitiali[sz]e|residual|skip connections|LayerNorm|normali[sz]ation layers|ReLU|GELU|forget-gate|smaller scale|fewer layers|truncated backpropagation|shorter sequences/;

/** Causes below this confidence are left out of `Diagnosis.causes`. */
export const MIN_CONFIDENCE = 0.15;

/** Every cause kind, in the order that breaks confidence ties (DESIGN.md section 8, **contract** for the names). */
export const CAUSE_ORDER: readonly CauseKind[] = [
  'learning-rate-too-high',
  'exploding-through-time',
  'bad-data-or-numerics',
  'saturation-after-explosion',
  'exploding-depth',
  'vanishing-through-time',
  'vanishing-depth',
  'healthy',
];

const RULES: readonly ((f: CauseFacts) => Candidate | null)[] = [
  learningRateTooHigh,
  explodingThroughTime,
  badDataOrNumerics,
  saturationAfterExplosion,
  explodingDepth,
  vanishingThroughTime,
  vanishingDepth,
];

/** Runs every cause rule and ranks the causes (see the module comment). */
export function rankCauses(f: CauseFacts): Cause[] {
  const problems = RULES.flatMap((r) => {
    const c = r(f);
    return c ? [c] : [];
  });
  const strongest = problems.reduce<Candidate | null>((m, c) => (m === null || c.confidence > m.confidence ? c : m), null);
  const maxProblem = strongest?.confidence ?? 0;
  const all = [...problems, healthyCause(f, maxProblem, strongest?.cause ?? null)].filter((c) => c.confidence >= MIN_CONFIDENCE);
  all.sort((a, b) => b.confidence - a.confidence || CAUSE_ORDER.indexOf(a.cause) - CAUSE_ORDER.indexOf(b.cause));
  const ranked: Candidate[] = [];
  const deferred = all.filter((c) => c.after !== undefined && all.some((o) => c.after?.includes(o.cause)));
  const placed = new Set<Candidate>();
  for (const c of all) {
    if (deferred.includes(c)) continue;
    ranked.push(c);
    // a consequence is no more likely than the cause it follows from: the list stays in confidence order
    for (const d of deferred) {
      if (!d.after?.includes(c.cause) || placed.has(d)) continue;
      placed.add(d);
      ranked.push({ ...d, confidence: Math.min(d.confidence, c.confidence) });
    }
  }
  // stable: a consequence stays right after its cause among equal confidences
  ranked.sort((a, b) => b.confidence - a.confidence);
  const fixed = f.run.architectureFixed === true;
  return ranked.map(({ cause, confidence, evidence, fixes }) => ({ cause, confidence, evidence, fixes: fixed ? fixes.filter((x) => !ARCHITECTURE_FIX.test(x)) : fixes }));
}

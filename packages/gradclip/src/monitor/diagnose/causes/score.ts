/**
 * How a cause's confidence is built from its evidence: each piece of
 * evidence carries a weight `w` in [0, 1), the weights combine as
 * independent signals (a noisy-OR), `1 − Π (1 − w_i)`, and contrary evidence
 * multiplies the result by a factor in [0, 1]. The result is rounded to two
 * decimals. A cause a rule cannot support at all is left out (null).
 *
 * @module
 */

import type { Cause, CauseKind } from '../types.js';
import type { diagnose } from '../index.js';

/** One piece of evidence: its sentence and its weight (0 for a sentence that only explains). */
export interface Weighted {
  /** Plain-words sentence with the measured numbers. */
  text: string;
  /** Weight in [0, 1). */
  w: number;
}

/** A cause before ranking. */
export interface Candidate extends Cause {
  /**
   * For a consequence (saturation after an explosion): the causes it may
   * follow from; ranked right after the best-ranked of them that is present.
   */
  after?: readonly CauseKind[];
}

/** `min(hi, max(lo, x))`. */
export function clamp(x: number, lo = 0, hi = 0.95): number {
  return Math.min(hi, Math.max(lo, x));
}

/** `1 − Π (1 − w_i)`, times `factor`, rounded to two decimals. */
export function confidenceOf(evidence: readonly Weighted[], factor = 1): number {
  let miss = 1;
  for (const e of evidence) miss *= 1 - clamp(e.w, 0, 0.99);
  return Math.round(100 * clamp((1 - miss) * factor, 0, 1)) / 100;
}

/** A {@link Candidate} from its evidence (null when no piece has weight > 0). */
export function candidate(
  cause: CauseKind,
  evidence: readonly Weighted[],
  fixes: readonly string[],
  factor = 1,
  after?: readonly CauseKind[],
): Candidate | null {
  if (!evidence.some((e) => e.w > 0)) return null;
  const c: Candidate = { cause, confidence: confidenceOf(evidence, factor), evidence: evidence.map((e) => e.text), fixes: [...fixes] };
  if (after) c.after = after;
  return c;
}

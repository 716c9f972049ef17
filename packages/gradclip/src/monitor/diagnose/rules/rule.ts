/**
 * The contract of a rule of {@link diagnose}: a function of the shared
 * {@link DiagnosisContext} that returns what it found — at most one
 * {@link Finding} (its prose is the finding's `message`), a flag, the
 * verdict its evidence supports with the record where it showed, and its
 * advice.
 *
 * Advice is a function because the clipping threshold it quotes
 * ({@link AdviceInputs}.recommendedThreshold) is computed only once every
 * exploding rule has run (from the norms before the first exploding event,
 * Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063, section 3.2).
 *
 * @module
 */

import type { DiagnosisContext } from '../context.js';
import type { DiagnosisFlag, Finding } from '../types.js';
import type { diagnose } from '../index.js';

/** What a rule's advice depends on beyond the context: known only after every rule has run. */
export interface AdviceInputs {
  /** The recommended clipping threshold (`Diagnosis.recommendedThreshold`), or null. */
  recommendedThreshold: number | null;
}

/** The evidence a rule contributes to the verdict. */
export interface RuleEvidence {
  /** The verdict it supports. */
  status: 'exploding' | 'vanishing';
  /** Index of the record where it first showed, or -1 when no single record shows it. */
  index: number;
}

/** What one rule found (every field absent: nothing). */
export interface RuleOutcome {
  /** Its finding, with its plain-words `message`. */
  finding?: Finding;
  /** Its flag on the diagnosis. */
  flag?: DiagnosisFlag;
  /** The verdict it supports, when it is evidence of exploding or vanishing gradients. */
  evidence?: RuleEvidence;
  /** Its recommendations, in order. */
  advice?: (inputs: AdviceInputs) => string[];
}

/** A rule of {@link diagnose}. */
export type Rule = (ctx: DiagnosisContext) => RuleOutcome;

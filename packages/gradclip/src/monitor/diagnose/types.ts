/**
 * The result types of {@link diagnose}: the verdict, the secondary flags, the
 * evidence ({@link Finding}) and the {@link Diagnosis} record itself. Plain
 * data only, so a diagnosis survives `JSON.stringify` / `JSON.parse`
 * unchanged (the CLI prints it as JSON and the dashboard reads it back).
 *
 * The verdicts are the two failure modes of Bengio, Simard & Frasconi (1994)
 * and Pascanu, Mikolov & Bengio (2013, arXiv 1211.5063): exploding and
 * vanishing gradients.
 *
 * @module
 */

import type { diagnose } from './index.js';
import type { recommendThreshold } from '../recommend/index.js';

/**
 * Overall verdict of {@link diagnose}: `exploding` (Pascanu et al. 2013,
 * arXiv 1211.5063: norm spikes, NaN/Inf, norms growing by orders of
 * magnitude) takes precedence over `vanishing` (norms collapsing toward zero,
 * early layers starved of gradient; Bengio, Simard & Frasconi 1994).
 */
export type DiagnosisStatus = 'healthy' | 'exploding' | 'vanishing' | 'insufficient-data';

/** Secondary conditions reported next to the status. */
export type DiagnosisFlag = 'clipping-saturated' | 'non-finite' | 'loss-spikes' | 'skipped-steps';

/** What a {@link Finding} is evidence of (one rule of {@link diagnose} each). */
export type FindingKind =
  | 'non-finite'
  | 'norm-spike'
  | 'loss-spike'
  | 'norm-growth'
  | 'norm-collapse'
  | 'layer-gap'
  | 'clipping-saturated'
  | 'skipped-steps';

/** One piece of evidence. */
export interface Finding {
  /** What was found. */
  kind: FindingKind;
  /** The `step` field of the record where it first happened, when it has one. */
  step?: number;
  /** Layer (variable) names involved, in layer order. */
  layers?: string[];
  /** One plain-words sentence. */
  message: string;
}

/**
 * A cause {@link diagnose} can name (DESIGN.md section 8, **contract**):
 * - `exploding-through-time`: backpropagation through time multiplies the
 *   state-to-state Jacobians, and with a spectral norm above 1 the gradient
 *   grows geometrically going back in time (Pascanu, Mikolov & Bengio 2013,
 *   arXiv 1211.5063, section 2);
 * - `vanishing-through-time`: the same product shrinks it (spectral norm
 *   below 1; Bengio, Simard & Frasconi 1994); clipping cannot help;
 * - `saturation-after-explosion`: layer gradients that became (exactly) 0
 *   after a gradient explosion: the huge step drove the units into the flat
 *   part of tanh/sigmoid, a consequence of the explosion, not its cause;
 * - `learning-rate-too-high`: clipping saturated, the loss not improving,
 *   updates large against the weights;
 * - `exploding-depth` / `vanishing-depth`: per-layer gradient norms that grow
 *   or shrink by orders of magnitude across many layers (Glorot & Bengio
 *   2010), without time;
 * - `bad-data-or-numerics`: a single non-finite step in an otherwise healthy
 *   run (a bad batch, log(0), 0/0);
 * - `healthy`: none of these.
 */
export type CauseKind =
  | 'exploding-through-time'
  | 'vanishing-through-time'
  | 'saturation-after-explosion'
  | 'learning-rate-too-high'
  | 'exploding-depth'
  | 'vanishing-depth'
  | 'bad-data-or-numerics'
  | 'healthy';

/** One ranked cause of a {@link Diagnosis} (`causes`, best first). */
export interface Cause {
  /** What is wrong (see {@link CauseKind}). */
  cause: CauseKind;
  /**
   * How strong the evidence is, in [0, 1] (two decimals): each piece of
   * evidence `i` has a weight `w_i` in [0, 1) and they combine as
   * independent signals, `1 − Π (1 − w_i)`, times any contrary factor.
   */
  confidence: number;
  /** The evidence, one plain-words sentence each, with the numbers measured. */
  evidence: string[];
  /** What to do, most effective first, fitted to the model in the context. */
  fixes: string[];
}

/** Result of {@link diagnose}. */
export interface Diagnosis {
  /** Overall verdict; `exploding` takes precedence over `vanishing`. */
  status: DiagnosisStatus;
  /** Secondary conditions (may be set whatever the status). */
  flags: DiagnosisFlag[];
  /** Evidence, most important first. */
  findings: Finding[];
  /** What to do, as short imperative sentences. */
  recommendations: string[];
  /** A short paragraph in plain words (what the CLI and dashboard print first). */
  summary: string;
  /** The step where the problem named by `status` first showed, or null. */
  firstEventStep: number | null;
  /** Number of records analysed. */
  steps: number;
  /**
   * The clip rate, `clipped / applied steps`: records with `clipped = true`
   * among the records that applied an update (`skipped` not set; a skipped
   * step applied nothing, so it is in neither count). The same definition as
   * the CLI's `summary.json`, progress bar and dashboard. Null when no step
   * was applied.
   */
  clipRate: number | null;
  /** Number of records with `skipped = true`. */
  skippedSteps: number;
  /** Median of the finite pre-clip norms (null when there are none). */
  medianPreClipNorm: number | null;
  /** Maximum of the finite pre-clip norms (null when there are none). */
  maxPreClipNorm: number | null;
  /**
   * Clipping threshold from {@link recommendThreshold} on this run's finite
   * pre-clip norms (those before the first exploding event when there are
   * enough), or null when there are too few norms.
   */
  recommendedThreshold: number | null;
  /**
   * The likely causes, best first (highest confidence; a consequence such as
   * `saturation-after-explosion` right after the cause it follows from),
   * each with its evidence and fixes. Causes below confidence 0.15 are left
   * out; empty only when there is too little data to reason about. Always
   * set by {@link diagnose}; optional in the type because diagnoses written
   * as JSON before it existed (and read back by the report or the
   * dashboard) lack it.
   */
  causes?: Cause[];
}

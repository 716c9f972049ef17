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
}

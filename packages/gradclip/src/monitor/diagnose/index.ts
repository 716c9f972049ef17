/**
 * `diagnose`: reads the {@link StepStats} of a run and says, in structured
 * form and in plain words, whether its gradients were healthy, exploding or
 * vanishing, with the evidence (the step where it started, the layers
 * involved) and what to do about it.
 *
 * The two failure modes are the ones analysed by Bengio, Simard & Frasconi
 * (1994) and Pascanu, Mikolov & Bengio (2013, arXiv 1211.5063): exploding
 * gradients show up as sudden norm spikes (often followed by a loss spike or
 * NaN), vanishing gradients as norms that collapse toward zero and as early
 * layers receiving gradients orders of magnitude smaller than late layers.
 *
 * Layout of this folder: `options.ts` (the thresholds), `records.ts` (the
 * input check), `context.ts` (the statistics computed once and shared by the
 * rules), `rules/` (one file per rule, each returning its finding, flag,
 * evidence and advice), `threshold.ts` (the recommended clipping threshold),
 * `status.ts` (verdict and ordering), `advice.ts` (the advice texts),
 * `summary.ts` (the paragraph), `types.ts` (the result types),
 * `run-context.ts` (the caller's {@link DiagnoseContext} and its check) and
 * `causes/` (the ranked causes: `facts.ts` computes what they reason from,
 * one file per cause, `score.ts` the confidence, `fixes.ts` the fixes
 * fitted to the model, `index.ts` the ranking).
 *
 * @module
 */

import type { GradclipArgumentError } from '../../core/errors.js';
import type { StepStats } from '../../core/step-stats.js';
import { EMPTY_RUN_ADVICE } from './advice.js';
import { buildContext } from './context.js';
import { resolveDiagnoseOptions, type DiagnoseOptions } from './options.js';
import { checkRecords } from './records.js';
import { causeFacts, rankCauses } from './causes/index.js';
import { resolveDiagnoseContext, type DiagnoseContext } from './run-context.js';
import { RULES } from './rules/index.js';
import { collectEvidence, collectRecommendations, decideStatus, firstEventStep, orderFindings } from './status.js';
import { EMPTY_RUN_SUMMARY, summarize } from './summary.js';
import { thresholdBeforeFirstEvent } from './threshold.js';
import type { Diagnosis } from './types.js';
import type { recommendThreshold } from '../recommend/index.js';

export type { Cause, CauseKind, Diagnosis, DiagnosisFlag, DiagnosisStatus, Finding, FindingKind } from './types.js';
export type { DiagnoseOptions } from './options.js';
export type { ClipContextKind, DiagnoseContext, ModelKind } from './run-context.js';
export { EXPLODING_ADVICE, VANISHING_ADVICE } from './advice.js';

/**
 * Classifies a run from its per-step statistics.
 *
 * Rules (all thresholds are {@link DiagnoseOptions}):
 * - **non-finite**: the first record whose `loss` or `preClipNorm` (or a
 *   `layerNorms` entry) is NaN/±Infinity → `exploding`, flag `non-finite`.
 * - **norm spike**: `preClipNorm_t > spikeFactor (10) × median` of the
 *   previous `window (20)` finite norms (at least `minHistory (5)` of them)
 *   → `exploding`. A **loss spike** within `lossLag (5)` records after a norm
 *   spike (non-finite, or above `lossSpikeFactor (2)` × the running median
 *   loss) is reported as further evidence (flag `loss-spikes`).
 * - **norm growth**: median norm of the last window ≥ `trendFactor (1000)` ×
 *   that of the first window → `exploding`.
 * - **norm collapse**: median norm of the first window ≥ `trendFactor` × that
 *   of the last → `vanishing`, unless the loss fell to at most
 *   `convergedLossRatio (0.1)` × its initial median (then it is convergence).
 * - **layer gap**: with layers in the insertion order of the `layerNorms`
 *   keys, the layers outside the last third whose median norm is at most
 *   `1 / layerGapFactor (1000)` of the largest median norm in the last third
 *   → `vanishing`, naming those layers.
 * - **clipping saturated**: the clip rate, clipped / applied (not skipped)
 *   steps, is above `clipRateThreshold (0.5)` → flag and advice (lower the
 *   learning rate or raise the threshold), whatever the status.
 * - **skipped steps**: records a guard skipped → flag, whatever the status.
 * - Fewer than `minSteps (10)` records and no non-finite value →
 *   `insufficient-data`; an empty array gives `insufficient-data` too.
 *
 * Recommendations: exploding → clip by global norm at the threshold from
 * {@link recommendThreshold} and/or lower the learning rate (plus a
 * non-finite guard when NaN/Inf appeared); vanishing → residual connections,
 * LSTM/GRU instead of a vanilla RNN, orthogonal/Glorot initialisation,
 * normalisation layers; clipping saturated → lower the learning rate or
 * raise the threshold.
 *
 * Ranked causes (`causes`, best first; DESIGN.md section 8): from the same
 * evidence plus the `flow` records (gradient flow through time) and the
 * optional `context`, each of `exploding-through-time`,
 * `vanishing-through-time`, `saturation-after-explosion`,
 * `learning-rate-too-high`, `exploding-depth`, `vanishing-depth`,
 * `bad-data-or-numerics` and `healthy` gets a confidence in [0, 1] from how
 * strong its evidence is, the evidence in plain words, and fixes that fit
 * the model described by `context` (see `causes/` for each rule). Without
 * `flow` records the through-time causes rest on the per-layer norms of a
 * recurrent model.
 *
 * With a `context`, the recommendations leave out the advice that does not
 * fit the model (residual connections for a recurrent or shallow model,
 * gated cells for a model that has them) and, when the unclipped run
 * diverged, the advice to raise the clipping threshold.
 *
 * @example
 * ```ts
 * const d = diagnose(stepStats, {}, { model: 'rnn', layers: 2, optimizer: 'sgd', learningRate: 0.1, clip: 'none' });
 * const top = d.causes?.[0]; // e.g. {cause: 'exploding-through-time', confidence: 0.96, evidence: [...], fixes: [...]}
 * console.log(top?.cause, top?.confidence, top?.fixes[0]);
 * ```
 *
 * @param stats - the run's records, in step order
 * @param opts - the rules' thresholds
 * @param context - what the caller knows about the run (model, optimizer, clipping, baseline)
 * @throws {@link GradclipArgumentError} if `stats` is not an array, a record
 *   is malformed (the message names `stats[i].field`), a norm is negative, or
 *   an option or a context field is unknown or out of range.
 */
export function diagnose(stats: readonly StepStats[], opts: DiagnoseOptions = {}, context?: DiagnoseContext): Diagnosis {
  const o = resolveDiagnoseOptions(opts);
  const run = resolveDiagnoseContext(context);
  checkRecords(stats);
  if (stats.length === 0) {
    return {
      status: 'insufficient-data',
      flags: [],
      findings: [],
      recommendations: [EMPTY_RUN_ADVICE],
      summary: EMPTY_RUN_SUMMARY,
      firstEventStep: null,
      steps: 0,
      clipRate: null,
      skippedSteps: 0,
      medianPreClipNorm: null,
      maxPreClipNorm: null,
      recommendedThreshold: null,
      causes: [],
    };
  }

  const ctx = buildContext(stats, o, run);
  const outcomes = RULES.map((rule) => rule(ctx));
  const evidence = collectEvidence(outcomes);
  const recommendedThreshold = thresholdBeforeFirstEvent(ctx.norms, evidence.firstExplodingIdx);
  const status = decideStatus(evidence, ctx.n, o.minSteps);
  const eventStep = firstEventStep(status, evidence, stats);
  const findings = orderFindings(outcomes.flatMap((r) => (r.finding ? [r.finding] : [])), status);
  const recommendations = collectRecommendations(outcomes, { recommendedThreshold }, status, o.minSteps);
  const causes = status === 'insufficient-data' ? [] : rankCauses(causeFacts(ctx, run, outcomes, evidence.firstExplodingIdx, recommendedThreshold));

  return {
    status,
    flags: outcomes.flatMap((r) => (r.flag ? [r.flag] : [])),
    findings,
    recommendations,
    summary: summarize({
      status,
      n: ctx.n,
      spikeFactor: o.spikeFactor,
      minSteps: o.minSteps,
      firstEventStep: eventStep,
      medianPreClipNorm: ctx.medianPreClipNorm,
      maxPreClipNorm: ctx.maxPreClipNorm,
      findings,
      recommendations,
      ...(causes.length > 0 ? { topCause: causes[0] } : {}),
    }),
    firstEventStep: eventStep,
    steps: ctx.n,
    clipRate: ctx.clipRate,
    skippedSteps: ctx.skippedSteps,
    medianPreClipNorm: ctx.medianPreClipNorm,
    maxPreClipNorm: ctx.maxPreClipNorm,
    recommendedThreshold,
    causes,
  };
}

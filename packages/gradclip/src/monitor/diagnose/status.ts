/**
 * The verdict of {@link diagnose} and the order of its evidence and advice.
 *
 * `exploding` (Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063) takes
 * precedence over everything: a NaN/Inf or a spike is conclusive even in a
 * short run. Otherwise a run of fewer than `minSteps` records is
 * `insufficient-data`, then `vanishing` (Bengio, Simard & Frasconi 1994),
 * then `healthy`. Findings put the verdict's own evidence first.
 *
 * @module
 */

import { minOf } from '../../core/stats/index.js';
import { insufficientDataAdvice } from './advice.js';
import type { AdviceInputs, RuleOutcome } from './rules/index.js';
import type { DiagnosisStatus, Finding, FindingKind } from './types.js';
import type { diagnose } from './index.js';

/** The verdicts the rules' evidence supports. */
export interface Evidence {
  /** Some rule found exploding evidence. */
  exploding: boolean;
  /** Earliest record index of the exploding evidence, or -1. */
  firstExplodingIdx: number;
  /** Some rule found vanishing evidence. */
  vanishing: boolean;
  /** Earliest record index of the vanishing evidence, or -1 (none, or no single record shows it). */
  firstVanishingIdx: number;
}

/** Gathers the rules' evidence: a verdict is supported when any rule supports it; its index is the earliest (ignoring -1). */
export function collectEvidence(outcomes: readonly RuleOutcome[]): Evidence {
  const first = (status: 'exploding' | 'vanishing'): { found: boolean; idx: number } => {
    const ev = outcomes.flatMap((o) => (o.evidence?.status === status ? [o.evidence.index] : []));
    const known = ev.filter((i) => i >= 0);
    return { found: ev.length > 0, idx: known.length > 0 ? minOf(known) : -1 };
  };
  const e = first('exploding');
  const v = first('vanishing');
  return { exploding: e.found, firstExplodingIdx: e.idx, vanishing: v.found, firstVanishingIdx: v.idx };
}

/** `exploding` if any exploding evidence; else `insufficient-data` if `n < minSteps`; else `vanishing` if any vanishing evidence; else `healthy`. */
export function decideStatus(evidence: Evidence, n: number, minSteps: number): DiagnosisStatus {
  if (evidence.exploding) return 'exploding';
  if (n < minSteps) return 'insufficient-data';
  if (evidence.vanishing) return 'vanishing';
  return 'healthy';
}

/** The `step` of the record where the problem named by `status` first showed, or null. */
export function firstEventStep(status: DiagnosisStatus, evidence: Evidence, steps: readonly { step: number }[]): number | null {
  if (status === 'exploding') return steps[evidence.firstExplodingIdx].step;
  if (status === 'vanishing' && evidence.firstVanishingIdx >= 0) return steps[evidence.firstVanishingIdx].step;
  return null;
}

const EXPLODING_KINDS: readonly FindingKind[] = ['non-finite', 'norm-spike', 'loss-spike', 'norm-growth'];

/** Finding order for a `vanishing` run: its own evidence first. */
const VANISHING_ORDER: readonly FindingKind[] = [
  'layer-gap', 'norm-collapse', 'non-finite', 'norm-spike', 'loss-spike', 'norm-growth', 'clipping-saturated', 'skipped-steps',
];

/** Finding order for every other run. */
const DEFAULT_ORDER: readonly FindingKind[] = [
  'non-finite', 'norm-spike', 'loss-spike', 'norm-growth', 'layer-gap', 'norm-collapse', 'clipping-saturated', 'skipped-steps',
];

/**
 * Orders findings, most important first: by kind (the vanishing evidence
 * first for a `vanishing` run, the exploding evidence first otherwise); for
 * an `exploding` run the exploding evidence is then ordered by step, so that
 * the earliest event leads (a finding without a step goes last among them).
 */
export function orderFindings(findings: readonly Finding[], status: DiagnosisStatus): Finding[] {
  const order = status === 'vanishing' ? VANISHING_ORDER : DEFAULT_ORDER;
  const sorted = [...findings].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  if (status !== 'exploding') return sorted;
  const ev = sorted.filter((f) => EXPLODING_KINDS.includes(f.kind));
  ev.sort((a, b) => (a.step ?? Number.POSITIVE_INFINITY) - (b.step ?? Number.POSITIVE_INFINITY));
  return [...ev, ...sorted.filter((f) => !ev.includes(f))];
}

/**
 * The recommendations: every rule's advice in rule order (exploding, then
 * vanishing, then clipping advice), an advice given by several rules listed
 * once where it first appears, then, for `insufficient-data`, how many steps
 * to record.
 */
export function collectRecommendations(
  outcomes: readonly RuleOutcome[],
  inputs: AdviceInputs,
  status: DiagnosisStatus,
  minSteps: number,
): string[] {
  const out: string[] = [];
  for (const o of outcomes) for (const r of o.advice?.(inputs) ?? []) if (!out.includes(r)) out.push(r);
  if (status === 'insufficient-data') out.push(insufficientDataAdvice(minSteps));
  return out;
}

/**
 * The rules of {@link diagnose}, one file each, in the order they run (and in
 * which their flags and advice are listed): the exploding evidence
 * (non-finite, norm spike, loss spike, norm growth; Pascanu, Mikolov &
 * Bengio 2013, arXiv 1211.5063), the vanishing evidence (norm collapse,
 * layer gap; Bengio, Simard & Frasconi 1994), then the conditions reported
 * whatever the verdict (clipping saturated, skipped steps).
 *
 * @module
 */

import { clippingSaturatedRule } from './clipping-saturated.js';
import { layerGapRule } from './layer-gap.js';
import { lossSpikeRule } from './loss-spike.js';
import { nonFiniteRule } from './non-finite.js';
import { normCollapseRule } from './norm-collapse.js';
import { normGrowthRule } from './norm-growth.js';
import { normSpikeRule } from './norm-spike.js';
import { skippedStepsRule } from './skipped-steps.js';
import type { Rule } from './rule.js';
import type { diagnose } from '../index.js';

export type { AdviceInputs, Rule, RuleEvidence, RuleOutcome } from './rule.js';

/** Every rule, in the order {@link diagnose} runs them. */
export const RULES: readonly Rule[] = [
  nonFiniteRule,
  normSpikeRule,
  lossSpikeRule,
  normGrowthRule,
  normCollapseRule,
  layerGapRule,
  clippingSaturatedRule,
  skippedStepsRule,
];

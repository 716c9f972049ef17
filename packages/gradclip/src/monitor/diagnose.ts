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
 * @module
 */

import { formatNumber } from '../core/format.js';
import { median, minOf, trailingMedians } from '../core/stats/index.js';
import { recommendThreshold } from './recommend.js';
import type { StepStats } from '../core/step-stats.js';

/** Overall verdict of {@link diagnose}. */
export type DiagnosisStatus = 'healthy' | 'exploding' | 'vanishing' | 'insufficient-data';

/** Secondary conditions reported next to the status. */
export type DiagnosisFlag = 'clipping-saturated' | 'non-finite' | 'loss-spikes' | 'skipped-steps';

/** What a {@link Finding} is evidence of. */
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
  /** Fraction of records with `clipped = true` (null when there are none). */
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

/** Options of {@link diagnose}. */
export interface DiagnoseOptions {
  /**
   * Length of the trailing window for the running medians, and of the
   * first / last windows compared by the trend rules.
   * @default 20
   */
  window?: number;
  /**
   * Norm-spike rule: step t is a spike when
   * `preClipNorm_t > spikeFactor × median(previous window of finite norms)`.
   * @default 10
   */
  spikeFactor?: number;
  /**
   * Minimum number of previous finite norms before the spike rule applies.
   * @default 5
   */
  minHistory?: number;
  /**
   * A loss spike "follows" a norm spike at step t when it occurs within the
   * next `lossLag` records.
   * @default 5
   */
  lossLag?: number;
  /**
   * Loss-spike rule: the loss is non-finite, or
   * `loss - m > (lossSpikeFactor - 1) × |m|` with `m` the median of the
   * previous window of finite losses (for positive losses: `loss > factor × m`).
   * @default 2
   */
  lossSpikeFactor?: number;
  /**
   * Trend rules: exploding when the median norm of the last window is at
   * least `trendFactor` × that of the first window; collapsing (vanishing)
   * when the first is at least `trendFactor` × the last.
   * @default 1000
   */
  trendFactor?: number;
  /**
   * A norm collapse is read as convergence, not vanishing, when the median
   * loss of the last window is at most `convergedLossRatio` × that of the
   * first window.
   * @default 0.1
   */
  convergedLossRatio?: number;
  /**
   * Layer-gap rule: an early layer is flagged when its median norm is at
   * most `1 / layerGapFactor` of the largest median norm among the last
   * third of the layers.
   * @default 1000
   */
  layerGapFactor?: number;
  /**
   * Clipping is "saturated" when it fired on more than this fraction of
   * the steps.
   * @default 0.5
   */
  clipRateThreshold?: number;
  /**
   * Runs with fewer records (and no non-finite value) get the status
   * `insufficient-data`.
   * @default 10
   */
  minSteps?: number;
}

type Opts = Required<DiagnoseOptions>;

const DEFAULTS: Opts = {
  window: 20,
  spikeFactor: 10,
  minHistory: 5,
  lossLag: 5,
  lossSpikeFactor: 2,
  trendFactor: 1000,
  convergedLossRatio: 0.1,
  layerGapFactor: 1000,
  clipRateThreshold: 0.5,
  minSteps: 10,
};

/** Advice for exploding gradients that does not depend on the run. */
export const EXPLODING_ADVICE = {
  /** Always given for an exploding run. */
  lowerLr: 'Lower the learning rate (for example by 2-10x); exploding steps are often a learning rate that is too high.',
  /** Also given when a gradient norm or the loss became non-finite. */
  guard: 'Add a non-finite guard (transforms.skipNonFinite()) so that a NaN/Inf gradient skips the step instead of destroying the weights.',
} as const;

/** Advice for vanishing gradients (Pascanu et al. 2013; He et al. 2016; Hochreiter & Schmidhuber 1997; Saxe et al. 2014; Glorot & Bengio 2010; Ba et al. 2016). */
export const VANISHING_ADVICE = {
  /** Residual connections (He et al. 2016). */
  residual: 'Add residual (skip) connections so that gradients reach the early layers directly (He et al. 2016, arXiv 1512.03385).',
  /** Gated recurrent cells (Hochreiter & Schmidhuber 1997). */
  gated: 'Use an LSTM or GRU instead of a vanilla RNN: the gated cell state carries gradients over long spans.',
  /** Orthogonal / Glorot / He initialisation (Saxe et al. 2014; Glorot & Bengio 2010). */
  init: 'Use a better initialisation: orthogonal recurrent weights (Saxe et al. 2014, arXiv 1312.6120) and Glorot/Xavier or He initialisation for the other layers.',
  /** Normalisation layers (Ba et al. 2016). */
  norm: 'Add normalisation layers (LayerNorm for recurrent and transformer models, BatchNorm for convolutional ones).',
} as const;

function num(x: number | null | undefined): number {
  return typeof x === 'number' ? x : Number.NaN;
}

function checkOptions(opts: DiagnoseOptions): Opts {
  const o: Opts = { ...DEFAULTS };
  for (const [k, v] of Object.entries(opts) as [keyof Opts, number | undefined][]) {
    if (!(k in DEFAULTS)) {
      throw new Error(`diagnose: unknown option "${String(k)}"; known options: ${Object.keys(DEFAULTS).join(', ')}`);
    }
    if (v !== undefined) o[k] = v;
  }
  const posInt = (name: keyof Opts, min: number): void => {
    const v = o[name];
    if (!Number.isInteger(v) || v < min) {
      throw new Error(`diagnose: ${name} must be an integer >= ${min}, got ${String(v)}`);
    }
  };
  const gt = (name: keyof Opts, min: number): void => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || !(v > min)) {
      throw new Error(`diagnose: ${name} must be a finite number > ${min}, got ${String(v)}`);
    }
  };
  posInt('window', 1);
  posInt('minHistory', 1);
  posInt('lossLag', 1);
  posInt('minSteps', 1);
  if (o.minHistory > o.window) {
    throw new Error(`diagnose: minHistory must be <= window (${o.window}), got ${o.minHistory}`);
  }
  gt('spikeFactor', 1);
  gt('lossSpikeFactor', 1);
  gt('trendFactor', 1);
  gt('layerGapFactor', 1);
  if (typeof o.convergedLossRatio !== 'number' || !(o.convergedLossRatio > 0 && o.convergedLossRatio < 1)) {
    throw new Error(`diagnose: convergedLossRatio must be in (0, 1), got ${String(o.convergedLossRatio)}`);
  }
  if (typeof o.clipRateThreshold !== 'number' || !(o.clipRateThreshold >= 0 && o.clipRateThreshold < 1)) {
    throw new Error(`diagnose: clipRateThreshold must be in [0, 1), got ${String(o.clipRateThreshold)}`);
  }
  return o;
}

function checkStats(stats: readonly StepStats[]): void {
  if (!Array.isArray(stats)) {
    throw new Error(`diagnose: stats must be an array of StepStats records, got ${typeof stats}`);
  }
  const nullableNumber = (r: StepStats, i: number, field: 'loss' | 'preClipNorm'): void => {
    const v = r[field];
    if (v !== null && v !== undefined && typeof v !== 'number') {
      throw new Error(`diagnose: stats[${i}].${field} must be a number or null, got ${typeof v}`);
    }
  };
  for (let i = 0; i < stats.length; i++) {
    const r = stats[i];
    if (typeof r !== 'object' || r === null) throw new Error(`diagnose: stats[${i}] must be a StepStats object`);
    if (typeof r.step !== 'number' || !Number.isFinite(r.step)) {
      throw new Error(`diagnose: stats[${i}].step must be a finite number, got ${String(r.step)}`);
    }
    nullableNumber(r, i, 'loss');
    nullableNumber(r, i, 'preClipNorm');
    const n = r.preClipNorm;
    if (typeof n === 'number' && n < 0) {
      throw new Error(`diagnose: stats[${i}].preClipNorm is ${n}; a norm must be >= 0 (or NaN/Infinity for a diverged step)`);
    }
    if (r.layerNorms !== undefined && (typeof r.layerNorms !== 'object' || r.layerNorms === null)) {
      throw new Error(`diagnose: stats[${i}].layerNorms must be an object of numbers`);
    }
  }
}

/** Median of the finite values among `xs`, or NaN when there are none. */
function finiteMedian(xs: readonly number[]): number {
  const f = xs.filter((x) => Number.isFinite(x));
  return f.length > 0 ? median(f) : Number.NaN;
}

/** Medians of the first and last `w` finite values (same w for both). */
function endMedians(xs: readonly number[], window: number, minHistory: number): { first: number; last: number } | null {
  const f = xs.filter((x) => Number.isFinite(x));
  const w = Math.min(window, Math.floor(f.length / 2));
  if (w < minHistory) return null;
  return { first: median(f.slice(0, w)), last: median(f.slice(f.length - w)) };
}

function fmtPct(x: number): string {
  return `${formatNumber(100 * x, 3)}%`;
}

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
 * - **clipping saturated**: clipped on more than `clipRateThreshold (0.5)` of
 *   the records → flag and advice (lower the learning rate or raise the
 *   threshold), whatever the status.
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
 * @throws if `stats` is not an array, a record is malformed (the message
 *   names `stats[i].field`), a norm is negative, or an option is out of range.
 */
export function diagnose(stats: readonly StepStats[], opts: DiagnoseOptions = {}): Diagnosis {
  const o = checkOptions(opts);
  checkStats(stats);
  const n = stats.length;
  const findings: Finding[] = [];
  const flags: DiagnosisFlag[] = [];
  const recommendations: string[] = [];

  const norms = stats.map((s) => num(s.preClipNorm));
  /** `{step}` of record `i`, or nothing (no `step: undefined` key) when `i < 0`. */
  const stepOf = (i: number): { step?: number } => (i >= 0 ? { step: stats[i].step } : {});
  const losses = stats.map((s) => num(s.loss));
  const finiteNorms = norms.filter((x) => Number.isFinite(x));
  const medianPreClipNorm = finiteNorms.length > 0 ? median(finiteNorms) : null;
  const maxPreClipNorm = finiteNorms.length > 0 ? finiteNorms.reduce((a, b) => Math.max(a, b)) : null;
  const clippedCount = stats.filter((s) => s.clipped === true).length;
  const clipRate = n > 0 ? clippedCount / n : null;
  const skippedSteps = stats.filter((s) => s.skipped === true).length;

  if (n === 0) {
    return {
      status: 'insufficient-data',
      flags,
      findings,
      recommendations: ['Record at least a few hundred steps (StepStats) before diagnosing the run.'],
      summary: 'No steps were recorded, so there is nothing to diagnose.',
      firstEventStep: null,
      steps: 0,
      clipRate: null,
      skippedSteps: 0,
      medianPreClipNorm: null,
      maxPreClipNorm: null,
      recommendedThreshold: null,
    };
  }

  // Layer order: insertion order of the keys, first appearance across records.
  const layerNames: string[] = [];
  const seen = new Set<string>();
  for (const s of stats) {
    if (!s.layerNorms) continue;
    for (const k of Object.keys(s.layerNorms)) {
      if (!seen.has(k)) {
        seen.add(k);
        layerNames.push(k);
      }
    }
  }

  // ---- Exploding evidence -------------------------------------------------
  let nonFiniteIdx = -1;
  for (let i = 0; i < n && nonFiniteIdx < 0; i++) {
    const s = stats[i];
    const badLoss = s.loss !== null && s.loss !== undefined && !Number.isFinite(s.loss);
    const badNorm = s.preClipNorm !== null && s.preClipNorm !== undefined && !Number.isFinite(s.preClipNorm);
    const badLayers = s.layerNorms ? layerNames.filter((k) => k in s.layerNorms! && !Number.isFinite(s.layerNorms![k])) : [];
    if (!badLoss && !badNorm && badLayers.length === 0) continue;
    nonFiniteIdx = i;
    const what: string[] = [];
    if (badNorm) what.push(`the gradient norm became ${formatNumber(s.preClipNorm as number)}`);
    if (badLoss) what.push(`the loss became ${formatNumber(s.loss as number)}`);
    if (!badNorm && badLayers.length > 0) what.push(`some layer gradients became non-finite`);
    const f: Finding = {
      kind: 'non-finite',
      step: s.step,
      message: `At step ${s.step} ${what.join(' and ')}` + (badLayers.length > 0 ? ` (layers: ${badLayers.join(', ')}).` : '.'),
    };
    if (badLayers.length > 0) f.layers = badLayers;
    findings.push(f);
    flags.push('non-finite');
  }

  const normBase = trailingMedians(norms, o.window, o.minHistory);
  const spikeIdx: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = normBase[i];
    if (Number.isFinite(norms[i]) && b > 0 && norms[i] > o.spikeFactor * b) spikeIdx.push(i);
  }
  if (spikeIdx.length > 0) {
    const i = spikeIdx[0];
    findings.push({
      kind: 'norm-spike',
      step: stats[i].step,
      message:
        `At step ${stats[i].step} the gradient norm ${formatNumber(norms[i])} was ${formatNumber(norms[i] / normBase[i])}x ` +
        `the median (${formatNumber(normBase[i])}) of the previous ${o.window} steps` +
        (spikeIdx.length > 1 ? `; ${spikeIdx.length} steps were such spikes in all.` : '.'),
    });
  }

  const lossBase = trailingMedians(losses, o.window, o.minHistory);
  const isLossSpike = (j: number): boolean => {
    const s = stats[j];
    if (s.loss === null || s.loss === undefined) return false;
    if (!Number.isFinite(s.loss)) return true;
    const m = lossBase[j];
    return Number.isFinite(m) && s.loss - m > (o.lossSpikeFactor - 1) * Math.abs(m);
  };
  let lossSpikeFinding: Finding | null = null;
  let lossSpikeCount = 0;
  const counted = new Set<number>();
  for (const i of spikeIdx) {
    for (let j = i + 1; j <= Math.min(n - 1, i + o.lossLag); j++) {
      if (counted.has(j) || !isLossSpike(j)) continue;
      counted.add(j);
      lossSpikeCount++;
      if (!lossSpikeFinding) {
        const lj = losses[j];
        lossSpikeFinding = {
          kind: 'loss-spike',
          step: stats[j].step,
          message: Number.isFinite(lj)
            ? `The loss jumped to ${formatNumber(lj)} (running median ${formatNumber(lossBase[j])}) at step ${stats[j].step}, ` +
              `${j - i} step${j - i === 1 ? '' : 's'} after the gradient-norm spike at step ${stats[i].step}.`
            : `The loss became ${formatNumber(lj)} at step ${stats[j].step}, ${j - i} step${j - i === 1 ? '' : 's'} ` +
              `after the gradient-norm spike at step ${stats[i].step}.`,
        };
      }
    }
  }
  if (lossSpikeFinding) {
    if (lossSpikeCount > 1) lossSpikeFinding.message += ` ${lossSpikeCount} loss spikes followed norm spikes in all.`;
    findings.push(lossSpikeFinding);
    flags.push('loss-spikes');
  }

  const normEnds = endMedians(norms, o.window, o.minHistory);
  let growthIdx = -1;
  if (normEnds && normEnds.first > 0 && normEnds.last >= o.trendFactor * normEnds.first) {
    growthIdx = norms.findIndex((x) => Number.isFinite(x) && x > o.spikeFactor * normEnds.first);
    findings.push({
      kind: 'norm-growth',
      ...stepOf(growthIdx),
      message:
        `The median gradient norm grew ${formatNumber(normEnds.last / normEnds.first)}x over the run ` +
        `(${formatNumber(normEnds.first)} in the first steps, ${formatNumber(normEnds.last)} in the last)` +
        (growthIdx >= 0 ? `; it first exceeded ${o.spikeFactor}x its initial level at step ${stats[growthIdx].step}.` : '.'),
    });
  }

  const exploding = nonFiniteIdx >= 0 || spikeIdx.length > 0 || growthIdx >= 0;
  const explodingCandidates = [nonFiniteIdx, spikeIdx.length > 0 ? spikeIdx[0] : -1, growthIdx].filter((i) => i >= 0);
  const firstExplodingIdx = explodingCandidates.length > 0 ? minOf(explodingCandidates) : -1;

  // ---- Vanishing evidence -------------------------------------------------
  let collapseVanishing = false;
  let collapseIdx = -1;
  if (normEnds && normEnds.last >= 0 && normEnds.first >= o.trendFactor * normEnds.last && normEnds.first > 0) {
    const lossEnds = endMedians(losses, o.window, o.minHistory);
    const converged =
      lossEnds !== null && lossEnds.first > 0 && lossEnds.last >= 0 && lossEnds.last <= o.convergedLossRatio * lossEnds.first;
    collapseIdx = norms.findIndex((x) => Number.isFinite(x) && x < normEnds.first / o.spikeFactor);
    const ratio = normEnds.last > 0 ? `${formatNumber(normEnds.first / normEnds.last)}x` : 'to zero';
    let msg =
      `The median gradient norm fell ${ratio} over the run (${formatNumber(normEnds.first)} in the first steps, ` +
      `${formatNumber(normEnds.last)} in the last)`;
    if (converged && lossEnds) {
      msg += `, but the loss also fell from ${formatNumber(lossEnds.first)} to ${formatNumber(lossEnds.last)}: this looks like convergence, not vanishing gradients.`;
    } else {
      collapseVanishing = true;
      msg +=
        (lossEnds
          ? ` while the loss stayed high (median ${formatNumber(lossEnds.first)} at the start, ${formatNumber(lossEnds.last)} at the end)`
          : '') + (collapseIdx >= 0 ? `; it dropped below 1/${o.spikeFactor} of its initial level at step ${stats[collapseIdx].step}.` : '.');
    }
    findings.push({ kind: 'norm-collapse', ...stepOf(collapseIdx), message: msg });
  }

  let gapLayers: string[] = [];
  let gapIdx = -1;
  if (layerNames.length >= 2) {
    const L = layerNames.length;
    const lateCount = Math.ceil(L / 3);
    const late = layerNames.slice(L - lateCount);
    const early = layerNames.slice(0, L - lateCount);
    const typical = new Map<string, number>();
    for (const k of layerNames) {
      typical.set(
        k,
        finiteMedian(stats.map((s) => (s.layerNorms && k in s.layerNorms ? s.layerNorms[k] : Number.NaN))),
      );
    }
    let ref = Number.NEGATIVE_INFINITY;
    let refLayer = '';
    for (const k of late) {
      const t = typical.get(k) as number;
      if (Number.isFinite(t) && t > ref) {
        ref = t;
        refLayer = k;
      }
    }
    if (Number.isFinite(ref) && ref > 0) {
      gapLayers = early.filter((k) => {
        const t = typical.get(k) as number;
        return Number.isFinite(t) && t <= ref / o.layerGapFactor;
      });
    }
    if (gapLayers.length > 0) {
      gapIdx = stats.findIndex((s) => {
        const ln = s.layerNorms;
        if (!ln) return false;
        const lateMax = late.reduce((m, k) => (k in ln && Number.isFinite(ln[k]) ? Math.max(m, ln[k]) : m), Number.NEGATIVE_INFINITY);
        return lateMax > 0 && gapLayers.some((k) => k in ln && Number.isFinite(ln[k]) && ln[k] <= lateMax / o.layerGapFactor);
      });
      const worst = minOf(gapLayers.map((k) => typical.get(k) as number));
      const decades = worst > 0 ? `${formatNumber(Math.log10(ref / worst), 2)} orders of magnitude` : 'infinitely many orders of magnitude';
      const list = gapLayers.map((k) => `${k} (${formatNumber(typical.get(k) as number)})`).join(', ');
      findings.push({
        kind: 'layer-gap',
        ...stepOf(gapIdx),
        layers: gapLayers,
        message:
          `Early layers get gradients orders of magnitude smaller than the last layers: median norms ${list} ` +
          `versus ${formatNumber(ref)} for ${refLayer} (up to ${decades}).`,
      });
    }
  }
  const vanishing = collapseVanishing || gapLayers.length > 0;
  const vanishingCandidates = [collapseVanishing ? collapseIdx : -1, gapIdx].filter((i) => i >= 0);
  const firstVanishingIdx = vanishingCandidates.length > 0 ? minOf(vanishingCandidates) : -1;

  // ---- Clipping and guards -------------------------------------------------
  const saturated = clipRate !== null && clipRate > o.clipRateThreshold;
  let currentThreshold: number | null = null;
  if (clippedCount > 0) {
    const post = stats.filter((s) => s.clipped === true).map((s) => num(s.postClipNorm));
    const m = finiteMedian(post);
    if (Number.isFinite(m)) currentThreshold = m;
  }
  if (saturated && clipRate !== null) {
    flags.push('clipping-saturated');
    findings.push({
      kind: 'clipping-saturated',
      message:
        `Clipping fired on ${fmtPct(clipRate)} of the steps (${clippedCount} of ${n})` +
        (currentThreshold !== null ? `: the threshold (about ${formatNumber(currentThreshold)}) ` : ': the threshold ') +
        (medianPreClipNorm !== null ? `is below the typical pre-clip norm (median ${formatNumber(medianPreClipNorm)}), ` : 'is below the typical norm, ') +
        'so clipping acts as a smaller learning rate rather than a guard against rare spikes.',
    });
  }
  if (skippedSteps > 0) {
    flags.push('skipped-steps');
    findings.push({
      kind: 'skipped-steps',
      message: `${skippedSteps} of ${n} steps were skipped by a guard (weights and optimizer state left untouched).`,
    });
  }

  // ---- Threshold recommendation ------------------------------------------
  let recommendedThreshold: number | null = null;
  // When the run exploded, only the norms before the first event describe
  // healthy training; never recommend a threshold from the explosion itself.
  const samples = firstExplodingIdx >= 0 ? [norms.slice(0, firstExplodingIdx)] : [norms];
  for (const sample of samples) {
    if (recommendedThreshold !== null) break;
    if (sample.filter((x) => Number.isFinite(x)).length < 20) continue;
    try {
      recommendedThreshold = recommendThreshold(sample).threshold;
    } catch {
      recommendedThreshold = null;
    }
  }

  // ---- Status ---------------------------------------------------------------
  let status: DiagnosisStatus;
  if (exploding) status = 'exploding';
  else if (n < o.minSteps) status = 'insufficient-data';
  else if (vanishing) status = 'vanishing';
  else status = 'healthy';
  const firstEventStep =
    status === 'exploding' ? stats[firstExplodingIdx].step : status === 'vanishing' && firstVanishingIdx >= 0 ? stats[firstVanishingIdx].step : null;

  // Order findings: the status's own evidence first.
  const order: FindingKind[] =
    status === 'vanishing'
      ? ['layer-gap', 'norm-collapse', 'non-finite', 'norm-spike', 'loss-spike', 'norm-growth', 'clipping-saturated', 'skipped-steps']
      : ['non-finite', 'norm-spike', 'loss-spike', 'norm-growth', 'layer-gap', 'norm-collapse', 'clipping-saturated', 'skipped-steps'];
  const sortedFindings = [...findings].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  if (status === 'exploding') {
    // Within exploding evidence, the earliest event leads.
    const ev = sortedFindings.filter(
      (f) => f.kind === 'non-finite' || f.kind === 'norm-spike' || f.kind === 'loss-spike' || f.kind === 'norm-growth',
    );
    ev.sort((a, b) => (a.step ?? Number.POSITIVE_INFINITY) - (b.step ?? Number.POSITIVE_INFINITY));
    const others = sortedFindings.filter((f) => !ev.includes(f));
    sortedFindings.splice(0, sortedFindings.length, ...ev, ...others);
  }

  // ---- Recommendations -----------------------------------------------------
  if (exploding) {
    const t = recommendedThreshold !== null ? formatNumber(recommendedThreshold, 6) : null;
    if (t !== null) {
      recommendations.push(
        clippedCount > 0
          ? `Keep gradient clipping by global norm, with the threshold at ${t} (recommendThreshold on this run's pre-clip norms; CLI: --clip norm:${t}).`
          : `Clip gradients by global norm at ${t} (recommendThreshold on this run's pre-clip norms; CLI: --clip norm:${t}).`,
      );
    } else {
      recommendations.push(
        'Clip gradients by global norm; to choose the threshold, record a few hundred unclipped steps and use recommendThreshold on their pre-clip norms.',
      );
    }
    recommendations.push(EXPLODING_ADVICE.lowerLr);
    if (nonFiniteIdx >= 0) recommendations.push(EXPLODING_ADVICE.guard);
  }
  if (vanishing) {
    recommendations.push(VANISHING_ADVICE.residual, VANISHING_ADVICE.gated, VANISHING_ADVICE.init, VANISHING_ADVICE.norm);
  }
  if (saturated && clipRate !== null) {
    const raise =
      recommendedThreshold !== null && (currentThreshold === null || recommendedThreshold > currentThreshold)
        ? ` (for example to ${formatNumber(recommendedThreshold, 6)}, from recommendThreshold)`
        : '';
    recommendations.push(
      `Clipping fired on ${fmtPct(clipRate)} of the steps: lower the learning rate, or raise the clipping threshold${raise}.`,
    );
  }
  if (status === 'insufficient-data') {
    recommendations.push(`Record at least ${o.minSteps} steps (a few hundred are better) before diagnosing the run.`);
  }

  // ---- Summary -------------------------------------------------------------
  const head: Record<DiagnosisStatus, string> = {
    exploding: `Exploding gradients${firstEventStep !== null ? ` from step ${firstEventStep}` : ''}.`,
    vanishing: 'Vanishing gradients.',
    healthy: `Healthy: over ${n} steps the gradient norm stayed within ${o.spikeFactor}x of its running median` +
      (medianPreClipNorm !== null ? ` (median ${formatNumber(medianPreClipNorm)}, max ${formatNumber(maxPreClipNorm as number)})` : '') +
      ', with no NaN/Inf and no sign of vanishing gradients.',
    'insufficient-data': `Only ${n} step${n === 1 ? '' : 's'} recorded (at least ${o.minSteps} are needed), so the run cannot be classified yet.`,
  };
  const parts = [head[status]];
  if (status === 'exploding' || status === 'vanishing') {
    for (const f of sortedFindings.slice(0, 3)) {
      if (f.kind === 'clipping-saturated' || f.kind === 'skipped-steps') continue;
      parts.push(f.message);
    }
  }
  if (saturated) parts.push(sortedFindings.find((f) => f.kind === 'clipping-saturated')?.message ?? '');
  if (recommendations.length > 0 && status !== 'insufficient-data') parts.push(`Suggested: ${recommendations[0]}`);

  return {
    status,
    flags,
    findings: sortedFindings,
    recommendations,
    summary: parts.filter((p) => p.length > 0).join(' '),
    firstEventStep,
    steps: n,
    clipRate,
    skippedSteps,
    medianPreClipNorm,
    maxPreClipNorm,
    recommendedThreshold,
  };
}

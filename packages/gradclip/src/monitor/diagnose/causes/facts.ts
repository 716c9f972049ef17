/**
 * The facts the ranked causes of {@link diagnose} reason from, computed once
 * from the shared {@link DiagnosisContext}, the rules' evidence and the
 * caller's {@link DiagnoseContext}:
 *
 * - **flow**: the `flow` records (gradient flow through time, Pascanu,
 *   Mikolov & Bengio 2013, arXiv 1211.5063, section 2) before the first
 *   exploding event and from it on, summarised by the median fitted growth
 *   per time step `g` and the amplification over the sequence in decades,
 *   `D = (T − 1) · log10 g` (the gradient at h_1 is about `10^D` times that
 *   at h_T);
 * - **layer groups**: variables grouped by layer (the name without its last
 *   `/` segment), the group's norm `sqrt(Σ norm²)` of its variables;
 * - **jump**: at the first exploding event, each group's norm against the
 *   median of its previous `window` finite norms, and the group that jumped
 *   most;
 * - **dead groups**: groups whose gradient became exactly 0 (or at most
 *   {@link DEAD_RATIO} × its earlier maximum) and stayed so to the end;
 * - **loss**: the loss of the first record (before any update), the first-
 *   and last-window medians, and whether training made it worse.
 *
 * @module
 */

import { isNonFiniteStep, normSummary } from '../../../core/run-metrics.js';
import { median } from '../../../core/stats/index.js';
import type { StepStats } from '../../../core/step-stats.js';
import type { DiagnosisContext } from '../context.js';
import type { DiagnoseContext } from '../run-context.js';
import type { RuleOutcome } from '../rules/index.js';
import type { Finding } from '../types.js';
import type { diagnose } from '../index.js';

/** A gradient at most this fraction of the layer's earlier maximum counts as dead (exactly 0 qualifies too). */
export const DEAD_RATIO = 1e-8;
/** A layer is dead only when at least this many records at the end are dead. */
export const MIN_DEAD_RECORDS = 3;

/** Summary of a set of `flow` records. */
export interface FlowFacts {
  /** Records with a finite `flow.growth`. */
  count: number;
  /** Median number of time steps T (`timeNorms.length`), rounded. */
  T: number;
  /** Smallest and largest T of the records (the tasks vary the length). */
  Tmin: number;
  /** See `Tmin`. */
  Tmax: number;
  /** Median fitted growth per time step backward. */
  growth: number;
  /** Median over the records of `(T − 1) · log10(growth)`: decades gained (> 0) or lost (< 0) from h_T back to h_1. */
  decades: number;
  /** Median spectral norm of the state-to-state matrix, or null when not measured. */
  spectralNorm: number | null;
  /** Median spectral radius, or null when not measured. */
  spectralRadius: number | null;
  /** Records whose growth is above 1. */
  growingCount: number;
  /** `step` of the first and the last record summarised. */
  firstStep: number;
  /** See `firstStep`. */
  lastStep: number;
}

/** One layer: its variables and its group norm per record (NaN where not measured). */
export interface LayerGroup {
  /** The layer name (variable names without the last `/` segment). */
  name: string;
  /** Its variables, in layer order. */
  vars: string[];
  /** `sqrt(Σ layerNorms[v]²)` per record; NaN when none of its variables is in the record. */
  norms: number[];
  /** True when it looks recurrent (a name with rnn / lstm / gru / recurrent, or a `W_hh` / `recurrent_kernel` variable). */
  recurrent: boolean;
}

/** How much each layer's gradient jumped at the first exploding event. */
export interface JumpFacts {
  /** Record index of the event. */
  index: number;
  /** The layer that jumped most, or null when no layer norms were recorded. */
  leader: string | null;
  /** Its norm at the event. */
  leaderNorm: number;
  /** The median of its previous finite norms. */
  leaderBefore: number;
  /** `leaderNorm / leaderBefore`. */
  leaderRatio: number;
  /** Whether the leader is a recurrent layer. */
  leaderRecurrent: boolean;
}

/** Layers whose gradient died (see {@link DEAD_RATIO}). */
export interface DeadFacts {
  /** The dead layers, in layer order. */
  layers: string[];
  /** Index of the first record from which every one of them stayed dead (the earliest of their starts). */
  fromIndex: number;
  /** The largest norm a dead layer had before it died, its layer and record index. */
  peak: { layer: string; norm: number; index: number };
  /** Whether a dead layer's norms were exactly 0 (not merely tiny). */
  exactZero: boolean;
  /** The largest norm of a layer still alive after `fromIndex`, or null. */
  alive: { layer: string; norm: number; index: number } | null;
}

/** The loss over the run. */
export interface LossFacts {
  /** The first finite loss (the first record's, before any update), or null. */
  start: number | null;
  /** Median of the first and last windows of finite losses, or null when too few. */
  firstMedian: number | null;
  /** See `firstMedian`. */
  lastMedian: number | null;
  /** `lastMedian / min(start, firstMedian)` (how much training reduced the loss), or null. */
  ratio: number | null;
  /** Some loss was NaN/±Infinity. */
  nonFinite: boolean;
}

/** Everything the cause rules read. */
export interface CauseFacts {
  /** The shared statistics. */
  readonly ctx: DiagnosisContext;
  /** The caller's context. */
  readonly run: DiagnoseContext;
  /** Index of the first exploding evidence of the rules, or -1. */
  readonly explodingIdx: number;
  /** The model is recurrent: from the context, else from the layer names or `flow` records. */
  readonly recurrent: boolean;
  /** Layers, in layer order. */
  readonly groups: readonly LayerGroup[];
  /** Flow records before the first exploding event (all of them when there is none), or null. */
  readonly flowBefore: FlowFacts | null;
  /** Flow records from the first exploding event on, or null. */
  readonly flowAfter: FlowFacts | null;
  /** The flow record of the first exploding event itself (the gradient of the exploding step), or null. */
  readonly flowAtEvent: FlowFacts | null;
  /** The first flow record of the run (the flow near the initialisation), or null. */
  readonly flowFirst: FlowFacts | null;
  /** The jump at the first exploding event, or null. */
  readonly jump: JumpFacts | null;
  /** Dead layers, or null. */
  readonly dead: DeadFacts | null;
  /** The loss. */
  readonly loss: LossFacts;
  /** Indices of the records with a non-finite loss, norm or layer norm. */
  readonly nonFiniteIdx: readonly number[];
  /** The diagnosis's recommended threshold. */
  readonly recommendedThreshold: number | null;
  /**
   * The global-norm clipping threshold in use: the context's (`clip: 'norm'`),
   * else the median post-clip norm of the clipped records when the run
   * clipped and the context names no other clipping; null otherwise.
   */
  readonly thresholdInUse: number | null;
  /** The findings of the rules whose evidence was `vanishing` (norm collapse, layer gap). */
  readonly vanishingFindings: readonly Finding[];
}

const RECURRENT_NAME = /(^|[/_.\-])(rnn|lstm|gru|recurrent|simple_?rnn)/i;
const RECURRENT_VAR = /^(W_hh|W_h|recurrent_kernel|weight_hh(_l\d+)?|U)$/;
const RECURRENT_MODELS: readonly string[] = ['rnn', 'lstm', 'gru'];

function groupName(v: string): string {
  const i = v.lastIndexOf('/');
  return i > 0 ? v.slice(0, i) : v;
}

/** Layers of the run: variables grouped by {@link groupName}, in layer order. */
export function layerGroups(stats: readonly StepStats[], layerNames: readonly string[]): LayerGroup[] {
  const byName = new Map<string, string[]>();
  for (const v of layerNames) {
    const g = groupName(v);
    const list = byName.get(g) ?? [];
    list.push(v);
    byName.set(g, list);
  }
  return [...byName.entries()].map(([name, vars]) => ({
    name,
    vars,
    recurrent: RECURRENT_NAME.test(name) || vars.some((v) => RECURRENT_VAR.test(v.slice(v.lastIndexOf('/') + 1))),
    norms: stats.map((s) => {
      const ln = s.layerNorms;
      if (!ln) return Number.NaN;
      let sum = 0;
      let any = false;
      for (const v of vars) {
        if (!(v in ln)) continue;
        any = true;
        sum += ln[v] * ln[v];
      }
      return any ? Math.sqrt(sum) : Number.NaN;
    }),
  }));
}

function medianOrNull(xs: readonly number[]): number | null {
  return xs.length > 0 ? median(xs) : null;
}

/** Summary of the `flow` records at indices `[from, to)`, or null when none has a finite growth. */
export function flowFacts(stats: readonly StepStats[], from: number, to: number): FlowFacts | null {
  const flows: { step: number; growth: number; T: number; sn?: number; sr?: number }[] = [];
  for (let i = Math.max(0, from); i < Math.min(stats.length, to); i++) {
    const f = stats[i].flow;
    if (!f || typeof f.growth !== 'number' || !Number.isFinite(f.growth) || !(f.growth > 0)) continue;
    flows.push({ step: stats[i].step, growth: f.growth, T: f.timeNorms.length, sn: f.spectralNorm, sr: f.spectralRadius });
  }
  if (flows.length === 0) return null;
  const growth = median(flows.map((f) => f.growth));
  const Ts = flows.map((f) => f.T);
  const T = Math.round(median(Ts));
  const finite = (xs: (number | undefined)[]): number[] => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return {
    count: flows.length,
    T,
    Tmin: Ts.reduce((a, b) => Math.min(a, b)),
    Tmax: Ts.reduce((a, b) => Math.max(a, b)),
    growth,
    decades: median(flows.map((f) => (f.T - 1) * Math.log10(f.growth))),
    spectralNorm: medianOrNull(finite(flows.map((f) => f.sn))),
    spectralRadius: medianOrNull(finite(flows.map((f) => f.sr))),
    growingCount: flows.filter((f) => f.growth > 1).length,
    firstStep: flows[0].step,
    lastStep: flows[flows.length - 1].step,
  };
}

function previousMedian(xs: readonly number[], i: number, window: number): number {
  const prev: number[] = [];
  for (let j = i - 1; j >= 0 && prev.length < window; j--) if (Number.isFinite(xs[j])) prev.push(xs[j]);
  return prev.length > 0 ? median(prev) : Number.NaN;
}

function jumpFacts(groups: readonly LayerGroup[], index: number, window: number): JumpFacts | null {
  if (index < 1) return null;
  let best: JumpFacts | null = null;
  for (const g of groups) {
    const at = g.norms[index];
    const before = previousMedian(g.norms, index, window);
    if (!Number.isFinite(at) || !(before > 0)) continue;
    const ratio = at / before;
    if (best === null || ratio > best.leaderRatio) {
      best = { index, leader: g.name, leaderNorm: at, leaderBefore: before, leaderRatio: ratio, leaderRecurrent: g.recurrent };
    }
  }
  return best;
}

/** The first index from which every present value of `xs` is dead, or -1 (see {@link DEAD_RATIO}). */
function deadFrom(xs: readonly number[]): { from: number; peak: number; peakIdx: number; exact: boolean } | null {
  let prefixMax = 0;
  let peakIdx = -1;
  const dead: boolean[] = xs.map((v, j) => {
    const isDead = Number.isFinite(v) && prefixMax > 0 && (v === 0 || v <= DEAD_RATIO * prefixMax);
    if (Number.isFinite(v) && v > prefixMax) {
      prefixMax = v;
      peakIdx = j;
    }
    return isDead;
  });
  let from = xs.length;
  let count = 0;
  let exact = true;
  for (let j = xs.length - 1; j >= 0; j--) {
    if (Number.isNaN(xs[j])) continue;
    if (!dead[j]) break;
    from = j;
    count++;
    if (xs[j] !== 0) exact = false;
  }
  if (count < MIN_DEAD_RECORDS || from === 0) return null;
  let peak = 0;
  let pIdx = -1;
  for (let j = 0; j < from; j++) {
    if (Number.isFinite(xs[j]) && xs[j] > peak) {
      peak = xs[j];
      pIdx = j;
    }
  }
  return pIdx >= 0 ? { from, peak, peakIdx: pIdx, exact } : peakIdx >= 0 ? { from, peak: prefixMax, peakIdx, exact } : null;
}

function deadFacts(groups: readonly LayerGroup[]): DeadFacts | null {
  const dead = groups.flatMap((g) => {
    const d = deadFrom(g.norms);
    return d ? [{ g, ...d }] : [];
  });
  if (dead.length === 0) return null;
  const fromIndex = Math.min(...dead.map((d) => d.from));
  const top = dead.reduce((a, b) => (b.peak > a.peak ? b : a));
  let alive: DeadFacts['alive'] = null;
  for (const g of groups) {
    if (dead.some((d) => d.g === g)) continue;
    for (let j = fromIndex; j < g.norms.length; j++) {
      const v = g.norms[j];
      if (Number.isFinite(v) && (alive === null || v > alive.norm)) alive = { layer: g.name, norm: v, index: j };
    }
  }
  return {
    layers: dead.map((d) => d.g.name),
    fromIndex,
    peak: { layer: top.g.name, norm: top.peak, index: top.peakIdx },
    exactZero: dead.every((d) => d.exact),
    alive,
  };
}

function lossFacts(ctx: DiagnosisContext): LossFacts {
  const start = ctx.losses.find((x) => Number.isFinite(x));
  const first = ctx.lossEnds?.first ?? null;
  const last = ctx.lossEnds?.last ?? null;
  const base = start !== undefined && first !== null ? Math.min(start, first) : (start ?? first);
  return {
    start: start ?? null,
    firstMedian: first,
    lastMedian: last,
    ratio: last !== null && base !== null && base > 0 ? last / base : null,
    nonFinite: ctx.stats.some((s) => typeof s.loss === 'number' && !Number.isFinite(s.loss)),
  };
}

/** Computes the {@link CauseFacts} of a non-empty run. */
export function causeFacts(
  ctx: DiagnosisContext,
  run: DiagnoseContext,
  outcomes: readonly RuleOutcome[],
  explodingIdx: number,
  recommendedThreshold: number | null,
): CauseFacts {
  const named = layerGroups(ctx.stats, ctx.layerNames);
  // a recurrent model whose layers carry no recurrent name: with one layer (the cliff's one-unit RNN, a bare cell) that layer is the recurrence
  const groups = run.model !== undefined && RECURRENT_MODELS.includes(run.model) && named.length === 1 && !named[0].recurrent ? [{ ...named[0], recurrent: true }] : named;
  const hasFlow = ctx.stats.some((s) => s.flow !== undefined);
  const recurrent = run.model !== undefined ? RECURRENT_MODELS.includes(run.model) : hasFlow || groups.some((g) => g.recurrent);
  const nonFiniteIdx: number[] = [];
  ctx.stats.forEach((s, i) => {
    const badLayer = s.layerNorms ? Object.values(s.layerNorms).some((v) => !Number.isFinite(v)) : false;
    if (badLayer || isNonFiniteStep(s)) nonFiniteIdx.push(i);
  });
  return {
    ctx,
    run,
    explodingIdx,
    recurrent,
    groups,
    flowBefore: flowFacts(ctx.stats, 0, explodingIdx >= 0 ? explodingIdx : ctx.n),
    flowAfter: explodingIdx >= 0 ? flowFacts(ctx.stats, explodingIdx, ctx.n) : null,
    flowAtEvent: explodingIdx >= 0 ? flowFacts(ctx.stats, explodingIdx, explodingIdx + 1) : null,
    flowFirst: ((): FlowFacts | null => {
      const i = ctx.stats.findIndex((s) => s.flow !== undefined && typeof s.flow.growth === 'number');
      return i >= 0 ? flowFacts(ctx.stats, i, i + 1) : null;
    })(),
    jump: explodingIdx >= 0 ? jumpFacts(groups, explodingIdx, ctx.opts.window) : null,
    dead: deadFacts(groups),
    loss: lossFacts(ctx),
    nonFiniteIdx,
    recommendedThreshold,
    thresholdInUse:
      run.clip === 'norm' && run.clipThreshold !== undefined
        ? run.clipThreshold
        : ctx.anyClipped && (run.clip === undefined || run.clip === 'norm')
          ? normSummary(ctx.stats.filter((s) => s.clipped === true).map((s) => s.postClipNorm)).median
          : null,
    vanishingFindings: outcomes.flatMap((o) => (o.evidence?.status === 'vanishing' && o.finding ? [o.finding] : [])),
  };
}

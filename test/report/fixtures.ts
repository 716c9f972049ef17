/**
 * Synthetic runs for the report tests: deterministic StepStats with norm
 * spikes, NaN/Inf steps, skipped steps and per-layer norms.
 */
import type { Diagnosis } from '../../packages/gradclip/src/monitor/diagnose/index.js';
import type { StepStats } from '../../packages/gradclip/src/core/step-stats.js';
import type { RunRecord } from '../../packages/cli/src/report/index.js';
import { resolveRunConfig, type RunConfig } from '../../packages/cli/src/train/config.js';
import { summarizeRun } from '../../packages/cli/src/train/summary.js';

/** Options of {@link syntheticRun}. */
export interface SyntheticOptions {
  name?: string;
  steps?: number;
  /** Steps whose pre-clip norm and loss are NaN (and that are skipped). */
  nanSteps?: number[];
  /** Steps whose pre-clip norm is +Infinity (skipped). */
  infSteps?: number[];
  /** From this step on the loss is NaN and the run is marked diverged. */
  divergeAt?: number | null;
  /** Steps with a 50x norm spike. */
  spikes?: number[];
  maxNorm?: number;
  layers?: string[];
  config?: Partial<RunConfig>;
}

/** Builds a deterministic run; loss = 2·exp(-step/80) + 0.05, norm = 0.5 + 0.4·sin(step/7). */
export function syntheticRun(o: SyntheticOptions = {}): RunRecord {
  const n = o.steps ?? 300;
  const nan = new Set(o.nanSteps ?? []);
  const inf = new Set(o.infSteps ?? []);
  const spikes = new Set(o.spikes ?? []);
  const maxNorm = o.maxNorm ?? 1;
  const layers = o.layers ?? ['gc7/rnn/W_xh', 'gc7/rnn/W_hh', 'gc7/rnn/b', 'gc7/out/W'];
  const steps: StepStats[] = [];
  for (let t = 1; t <= n; t++) {
    const diverged = o.divergeAt !== undefined && o.divergeAt !== null && t >= o.divergeAt;
    let pre = (0.5 + 0.4 * Math.sin(t / 7)) * (spikes.has(t) ? 50 : 1);
    let loss = 2 * Math.exp(-t / 80) + 0.05;
    const skipped = nan.has(t) || inf.has(t);
    if (nan.has(t) || diverged) {
      pre = Number.NaN;
      loss = Number.NaN;
    }
    if (inf.has(t)) pre = Number.POSITIVE_INFINITY;
    const coef = Number.isFinite(pre) ? Math.min(1, maxNorm / (pre + 1e-6)) : Number.NaN;
    const layerNorms: Record<string, number> = {};
    layers.forEach((k, j) => {
      layerNorms[k] = Number.isFinite(pre) ? (pre * (j + 1)) / 10 ** j : pre;
    });
    steps.push({
      step: t,
      loss,
      preClipNorm: pre,
      postClipNorm: skipped ? 0 : Number.isFinite(pre) ? pre * coef : Number.NaN,
      clipCoef: skipped ? null : coef,
      clipped: Number.isFinite(pre) && coef < 1,
      skipped,
      layerNorms,
    });
  }
  const config = resolveRunConfig({ task: 'addition', model: 'rnn', steps: n, clip: `norm:${maxNorm}`, ...o.config });
  const divergedAtStep = o.divergeAt ?? null;
  const summary = summarizeRun({
    config,
    stats: steps,
    divergedAtStep,
    finalEval: { step: n, loss: 0.07, errorRate: 0.125 },
    entropyBaseline: null,
    wallSeconds: 12.34,
    backend: 'cpu',
  });
  return {
    name: o.name ?? 'norm:1',
    summary,
    steps,
    evals: [
      { step: Math.floor(n / 2), loss: 0.2, errorRate: 0.5 },
      { step: n, loss: 0.07, errorRate: 0.125 },
    ],
  };
}

/** A hand-written diagnosis (the report only displays it). */
export function sampleDiagnosis(): Diagnosis {
  return {
    status: 'exploding',
    flags: ['non-finite', 'skipped-steps'],
    findings: [
      { kind: 'norm-spike', step: 100, message: 'The pre-clip norm jumped to 25 at step 100 <b>', layers: ['W_hh'] },
      { kind: 'non-finite', step: 150, message: 'A NaN gradient appeared at step 150.' },
    ],
    recommendations: ['Clip the global norm at 1 (--clip norm:1).', 'Lower the learning rate & retry.'],
    summary: 'Gradients exploded: norm spikes from step 100, then NaN at step 150.',
    firstEventStep: 100,
    steps: 300,
    clipRate: 0.1,
    skippedSteps: 3,
    medianPreClipNorm: 0.5,
    maxPreClipNorm: 45,
    recommendedThreshold: 0.9,
  };
}

/**
 * Runs with `flow` records for the chart tests (until `--flow-every` writes
 * real ones): every `every` steps, ‖∂L/∂h_t‖ = g^(T−t) with a growth g that
 * rises over training (exploding through time), the growth fitted from it,
 * and a spectral norm; optional zero and NaN/Inf norms.
 */
import type { StepStats } from '../../packages/gradclip/src/core/step-stats.js';
import type { RunRecord } from '../../packages/cli/src/report/index.js';
import { syntheticRun, type SyntheticOptions } from './fixtures.js';

/** Options of {@link flowRun}. */
export interface FlowOptions extends SyntheticOptions {
  /** Steps between flow records. @default 10 */
  every?: number;
  /** Time steps per record. @default 20 */
  T?: number;
  /** Steps whose flow record is dropped (a missing record). */
  missing?: number[];
  /** [step, t] pairs whose norm is 0. */
  zeros?: [number, number][];
  /** [step, t] pairs whose norm is +Infinity. */
  infs?: [number, number][];
}

/** The growth factor at training step `step` of a run of `n` steps: from 0.8 to 1.6. */
export function growthAt(step: number, n: number): number {
  return 0.8 + (0.8 * step) / n;
}

/** A synthetic run (see `syntheticRun`) whose every `every`-th step carries a flow record. */
export function flowRun(o: FlowOptions = {}): RunRecord {
  const base = syntheticRun(o);
  const every = o.every ?? 10;
  const T = o.T ?? 20;
  const n = base.steps.length;
  const missing = new Set(o.missing ?? []);
  const key = (s: number, t: number): string => `${s}:${t}`;
  const zeros = new Set((o.zeros ?? []).map(([s, t]) => key(s, t)));
  const infs = new Set((o.infs ?? []).map(([s, t]) => key(s, t)));
  const steps: StepStats[] = base.steps.map((s) => {
    if (s.step % every !== 0 || missing.has(s.step)) return s;
    const g = growthAt(s.step, n);
    const timeNorms = Array.from({ length: T }, (_, i) => {
      const t = i + 1;
      if (zeros.has(key(s.step, t))) return 0;
      if (infs.has(key(s.step, t))) return Number.POSITIVE_INFINITY;
      return 0.01 * g ** (T - t);
    });
    return { ...s, flow: { timeNorms, growth: g, spectralNorm: 1.2 * g, spectralRadius: 0.9 * g } };
  });
  return { ...base, steps };
}

/**
 * The JSON summary of a run (`summary.json`, and the last stdout line of
 * `gradclip train --json`; DESIGN.md section 4, **contract**).
 */
import { clipRate, isNonFiniteStep, normSummary } from 'gradclip/internal';
import type { StepStats } from 'gradclip';
import type { StepsSummary } from 'gradclip/node';
import type { RunConfig } from './config.js';
import type { EvalResult } from './experiment.js';

/** The text file a charlm run trained on (`--text`). */
export interface TextSource {
  /** The path as given to `--text`. */
  path: string;
  /** Size of the file in bytes. */
  bytes: number;
  /** Characters (Unicode code points) of the text. */
  characters: number;
  /** Distinct characters: the vocabulary size. */
  vocabulary: number;
}

/**
 * Summary of one run. Non-finite values are written as `null`. The fields
 * the step records alone determine (`steps`, `finalLoss`, the pre-clip norm
 * median and maximum, `clipRate`, `skippedSteps`, `nonFiniteSteps`) are those
 * of the library's `summary.json` (`StepsSummary`, written by
 * `openRunWriters`), with the same definitions.
 */
export interface RunSummary extends Omit<StepsSummary, 'writer' | 'wallSeconds' | 'diverged' | 'divergedAtStep'> {
  /**
   * The run was stopped before its configured steps by SIGINT/SIGTERM
   * (DESIGN.md section 8, **contract**); `steps` says how many ran. A
   * summary rebuilt from `steps.jsonl` of a gradclip run that never wrote
   * its summary (killed, crashed) is interrupted too.
   */
  interrupted: boolean;
  /** A non-finite loss or weight appeared. */
  diverged: boolean;
  /** First step with a non-finite loss or weight, or null. */
  divergedAtStep: number | null;
  /**
   * Rollbacks of `--recover` (DESIGN.md section 8, **contract**): the steps
   * whose record carries `recovered`; 0 without `--recover`.
   */
  recoveries: number;
  /** Steps whose updates the rollbacks dropped (the sum of `recovered.lostSteps`); 0 without `--recover`. */
  lostSteps: number;
  /** Pascanu et al.'s error rate on fresh sequences (tasks with a criterion), else null. */
  errorRate: number | null;
  /** Mean loss on the evaluation data at the end, or null. */
  evalLoss: number | null;
  /** charlm: unigram entropy of the corpus in nats/char (the no-context baseline), else null. */
  entropyBaseline: number | null;
  /** Wall-clock seconds of the run. */
  wallSeconds: number;
  /** TF.js backend the run used. */
  backend: string;
  /** The configuration of the run. */
  config: RunConfig;
  /** charlm with `--text`: the file trained on, its size and vocabulary; else null. */
  text: TextSource | null;
}

function finiteOrNull(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

/** Inputs of {@link summarizeRun}. */
export interface SummaryInput {
  /** The resolved configuration. */
  config: RunConfig;
  /** Every step's statistics, in step order. */
  stats: readonly StepStats[];
  /** First non-finite step, or null. */
  divergedAtStep: number | null;
  /** The evaluation the summary reports (error rate, eval loss), or null. */
  finalEval: EvalResult | null;
  /** charlm's unigram entropy, or null. */
  entropyBaseline: number | null;
  /** Wall-clock seconds. */
  wallSeconds: number;
  /** The TF.js backend. */
  backend: string;
  /** The run was interrupted by a signal. @default false */
  interrupted?: boolean;
  /** The `--text` file of a charlm run. @default null */
  text?: TextSource | null;
}

/** Computes the run summary from the per-step statistics. */
export function summarizeRun(r: SummaryInput): RunSummary {
  const norms = normSummary(r.stats.map((s) => s.preClipNorm));
  let skipped = 0;
  let recoveries = 0;
  let lostSteps = 0;
  for (const s of r.stats) {
    if (s.skipped) skipped++;
    if (s.recovered !== undefined) {
      recoveries++;
      lostSteps += s.recovered.lostSteps;
    }
  }
  const last = r.stats[r.stats.length - 1];
  return {
    steps: r.stats.length,
    interrupted: r.interrupted ?? false,
    diverged: r.divergedAtStep !== null,
    divergedAtStep: r.divergedAtStep,
    finalLoss: finiteOrNull(last?.loss),
    maxPreClipNorm: norms.max,
    medianPreClipNorm: norms.median,
    clipRate: clipRate(r.stats) ?? 0,
    skippedSteps: skipped,
    nonFiniteSteps: r.stats.filter(isNonFiniteStep).length,
    recoveries,
    lostSteps,
    errorRate: finiteOrNull(r.finalEval?.errorRate),
    evalLoss: finiteOrNull(r.finalEval?.loss),
    entropyBaseline: r.entropyBaseline,
    wallSeconds: r.wallSeconds,
    backend: r.backend,
    config: r.config,
    text: r.text ?? null,
  };
}

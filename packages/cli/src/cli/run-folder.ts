/**
 * Reading and writing a run folder: `steps.jsonl`, TensorBoard events,
 * `summary.json`, `evals.json` and `report.html` (+ PNG charts).
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readStepsJsonl, diagnose, type Diagnosis, type StepStats } from 'gradclip';
import type { EvalResult } from '../train/experiment.js';
import type { RunSummary } from '../train/summary.js';

/** File names inside a run folder (contract with `gradclip serve` and the dashboard). */
export const SUMMARY_FILE = 'summary.json';
/** Evaluations of the run. */
export const EVALS_FILE = 'evals.json';

/** Everything a report needs about one run. */
export interface LoadedRun {
  name: string;
  dir: string;
  summary: RunSummary;
  steps: StepStats[];
  evals: EvalResult[];
  diagnosis: Diagnosis;
  warnings: string[];
}

/** Writes `summary.json` (pretty) and `evals.json`. */
export function writeSummary(dir: string, summary: RunSummary, evals: readonly EvalResult[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, SUMMARY_FILE), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(dir, EVALS_FILE), JSON.stringify(evals, null, 2) + '\n');
}

/** Diagnoses a run, tolerating too-short runs. */
export function safeDiagnose(steps: readonly StepStats[]): Diagnosis {
  return diagnose(steps);
}

/** Loads a run folder written by `gradclip train`; errors name the missing file. */
export function loadRun(dir: string, name?: string): LoadedRun {
  const summaryPath = join(dir, SUMMARY_FILE);
  const stepsPath = join(dir, 'steps.jsonl');
  if (!existsSync(stepsPath)) {
    throw new Error(`${dir} is not a gradclip run folder: ${stepsPath} is missing (run "gradclip train --out ${dir}" first)`);
  }
  const { steps, warnings } = readStepsJsonl(readFileSync(stepsPath, 'utf8'));
  if (!existsSync(summaryPath)) {
    throw new Error(`${dir}: ${SUMMARY_FILE} is missing (the run did not finish); its steps.jsonl has ${steps.length} steps`);
  }
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary;
  const evalsPath = join(dir, EVALS_FILE);
  const evals = existsSync(evalsPath) ? (JSON.parse(readFileSync(evalsPath, 'utf8')) as EvalResult[]) : [];
  return { name: name ?? summary.config?.clip ?? dir, dir, summary, steps, evals, diagnosis: safeDiagnose(steps), warnings };
}

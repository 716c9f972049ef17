/**
 * Reading a run folder written by `gradclip train` (or, for the steps alone,
 * by the library's `openRunWriters`).
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { diagnose, GradclipArgumentError, readStepsJsonl, type StepStats } from 'gradclip';
import type { EvalResult } from '../train/experiment.js';
import type { RunSummary } from '../train/summary.js';
import { RUN_FILES, runFile } from './layout.js';
import type { LoadedRun } from './types.js';

/** The records of a run folder's `steps.jsonl` and the messages for the lines that could not be read. */
export interface RunSteps {
  /** The records, in file order. */
  steps: StepStats[];
  /** One message per skipped line. */
  warnings: string[];
}

/**
 * Reads the `steps.jsonl` of the run folder `dir`.
 *
 * @param dir - the run folder
 * @param fix - how to write one, for the error when the file is missing
 * @throws GradclipArgumentError when `dir` holds no `steps.jsonl` (the message names the file and `fix`)
 */
export function readRunSteps(dir: string, fix = `run "gradclip train --out ${dir}" first`): RunSteps {
  const stepsPath = runFile(dir, 'steps');
  if (!existsSync(stepsPath)) throw new GradclipArgumentError(`${dir} is not a gradclip run folder: ${stepsPath} is missing (${fix})`);
  return readStepsJsonl(readFileSync(stepsPath, 'utf8'));
}

/**
 * Loads a run folder written by `gradclip train` (steps, summary, evaluations)
 * and diagnoses it.
 *
 * @throws GradclipArgumentError when `steps.jsonl` or `summary.json` is missing (the message names the file)
 * @param dir - the run folder
 * @param name - display name (default: the run's clip spec, else `dir`)
 */
export function loadRun(dir: string, name?: string): LoadedRun {
  const { steps, warnings } = readRunSteps(dir);
  const summaryPath = runFile(dir, 'summary');
  if (!existsSync(summaryPath)) {
    throw new GradclipArgumentError(`${dir}: ${RUN_FILES.summary} is missing (the run did not finish); its ${RUN_FILES.steps} has ${steps.length} steps`);
  }
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary;
  const evalsPath = runFile(dir, 'evals');
  const evals = existsSync(evalsPath) ? (JSON.parse(readFileSync(evalsPath, 'utf8')) as EvalResult[]) : [];
  return { name: name ?? summary.config?.clip ?? dir, dir, summary, steps, evals, diagnosis: diagnose(steps), warnings };
}

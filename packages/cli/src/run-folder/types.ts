/**
 * The one type of a run in the app: what the CLI loads from a run folder or
 * has just trained, what the report draws, what `compare --json` prints.
 *
 * @module
 */
import type { Diagnosis, StepStats } from 'gradclip';
import type { EvalResult } from '../train/experiment.js';
import type { RunSummary } from '../train/summary.js';

/** Everything the app knows about one run (the report needs `name`, `summary` and `steps`). */
export interface RunRecord {
  /** Display name, e.g. `"norm:1"` or the run folder's name (escaped in HTML). */
  name: string;
  /** The run folder, when the run lives in one. */
  dir?: string;
  /** The run's summary (`summary.json`), including its configuration. */
  summary: RunSummary;
  /** Per-step statistics (`steps.jsonl`), in step order. */
  steps: StepStats[];
  /** Evaluations on fresh data, if any (shown as points on the loss chart). */
  evals?: EvalResult[];
  /** Output of `diagnose(steps)`, if computed (shown in plain words). */
  diagnosis?: Diagnosis;
  /** Lines of `steps.jsonl` that could not be read, one message each. */
  warnings?: string[];
}

/** A {@link RunRecord} of a run folder, as `loadRun` and `trainToFolder` give it: every field filled. */
export type LoadedRun = RunRecord & Required<Pick<RunRecord, 'dir' | 'evals' | 'diagnosis' | 'warnings'>>;

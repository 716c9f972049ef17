/**
 * The one type of a run in the app: what the CLI loads from a run folder or
 * has just trained, what the report draws, what `compare --json` prints.
 *
 * @module
 */
import type { Diagnosis, StepStats } from 'gradclip';
import type { EvalResult } from '../train/experiment.js';
import type { RunConfig } from '../train/config.js';
import type { RunSummary, TextSource } from '../train/summary.js';
import type { CliffTrajectory } from './trajectory-codec.js';

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
  /** The unclipped sibling run the diagnosis compared with (a path), or null when none was found; set with `diagnosis` by `loadRun`. */
  unclippedBaseline?: string | null;
  /** A cliff run's path through (w, b) (`trajectory.json`), drawn on the loss surface. */
  trajectory?: CliffTrajectory;
  /** Lines of `steps.jsonl` that could not be read, one message each. */
  warnings?: string[];
  /**
   * Why the record is incomplete, when it is: the folder had no readable
   * `summary.json` (the run was killed or crashed, or the logs come from the
   * library), so the summary was rebuilt from `steps.jsonl`.
   */
  incomplete?: string;
}

/** A {@link RunRecord} of a run folder, as `loadRun` and `trainToFolder` give it: every field filled. */
export type LoadedRun = RunRecord & Required<Pick<RunRecord, 'dir' | 'evals' | 'diagnosis' | 'warnings'>>;

/** The start record of a run (`config.json`), written before its first step. */
export interface RunStart {
  /** The resolved configuration. */
  config: RunConfig;
  /** The `--text` file of a charlm run, else null. */
  text: TextSource | null;
  /** The TF.js backend. */
  backend: string;
  /** When the run started (ISO 8601). */
  startedAt: string;
  /** `--checkpoint-every` of the run (0 or absent: no checkpoints); `--resume` keeps it unless given anew. */
  checkpointEvery?: number;
}

/** The marker of a comparison folder (`compare.json`), written before its first run. */
export interface CompareStart {
  /** The clip specs compared, normalised (`norm:1`). */
  clips: string[];
  /** The seeds. */
  seeds: number[];
  /** The run folders, relative to the comparison folder, in run order. */
  runs: string[];
  /** When the comparison started (ISO 8601). */
  startedAt: string;
}

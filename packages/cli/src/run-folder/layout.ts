/**
 * The run-folder layout of the app: the library's file names (`RUN_FILES`,
 * from `gradclip/internal`, shared with the writers and the dashboard) and
 * the paths built from them.
 *
 * @module
 */
import { join } from 'node:path';
import { RUN_FILES } from 'gradclip/internal';
import { TRAJECTORY_FILE } from './trajectory-codec.js';

export { RUN_FILES, chartPngFile, isTfEventsFile } from 'gradclip/internal';

/**
 * The app's own file of a run folder: `config.json`, written (atomically)
 * when a run of `gradclip train`/`compare`/`demo` starts, holding its
 * resolved configuration (see `RunStart`), so that a run that never wrote
 * its `summary.json` (killed, crashed) can still be reported with its
 * configuration.
 */
export const RUN_START_FILE = 'config.json';

/** The checkpoint of `gradclip train --checkpoint-every` (see `TrainingState`), replaced atomically at every checkpoint. */
export const CHECKPOINT_FILE = 'checkpoint.json';

export { TRAJECTORY_FILE } from './trajectory-codec.js';

/**
 * The marker of a comparison folder (`gradclip compare`, `demo`): written
 * when the comparison starts, with its methods, seeds and run folders (see
 * `CompareStart`). `--overwrite` empties a folder holding run folders only
 * when it carries this file.
 */
export const COMPARE_FILE = 'compare.json';

/** A key of {@link RUN_FILES} that names one fixed file of a run folder, or `start` ({@link RUN_START_FILE}) or `trajectory` ({@link TRAJECTORY_FILE}). */
export type RunFileKey = 'steps' | 'stepsCsv' | 'summary' | 'evals' | 'report' | 'start' | 'trajectory';

/** Path of one of the fixed files of the run folder `dir`, e.g. `runFile('runs/a', 'summary')` = `runs/a/summary.json`. */
export function runFile(dir: string, key: RunFileKey): string {
  return join(dir, key === 'start' ? RUN_START_FILE : key === 'trajectory' ? TRAJECTORY_FILE : RUN_FILES[key]);
}

/**
 * The lock of a folder being written (`<pid> <hostname> <ISO time>`),
 * created exclusively when a run starts and removed when it ends; see
 * `run-folder/lock.ts`.
 */
export const LOCK_FILE = '.gradclip-lock';

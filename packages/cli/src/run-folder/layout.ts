/**
 * The run-folder layout of the app: the library's file names (`RUN_FILES`,
 * from `gradclip/internal`, shared with the writers and the dashboard) and
 * the paths built from them.
 *
 * @module
 */
import { join } from 'node:path';
import { RUN_FILES } from 'gradclip/internal';

export { RUN_FILES, chartPngFile, isTfEventsFile } from 'gradclip/internal';

/** A key of {@link RUN_FILES} that names one fixed file of a run folder. */
export type RunFileKey = 'steps' | 'stepsCsv' | 'summary' | 'evals' | 'report';

/** Path of one of the fixed files of the run folder `dir`, e.g. `runFile('runs/a', 'summary')` = `runs/a/summary.json`. */
export function runFile(dir: string, key: RunFileKey): string {
  return join(dir, RUN_FILES[key]);
}

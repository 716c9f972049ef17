/**
 * The run folder, in one place for the CLI commands, the report writer and
 * `gradclip serve`: its file names (`RUN_FILES`, shared with the library's
 * writers and the dashboard through `gradclip/internal`), the one run type
 * ({@link RunRecord}), and reading and writing its files.
 *
 * @module
 */
export { RUN_FILES, chartPngFile, isTfEventsFile, runFile, type RunFileKey } from './layout.js';
export type { RunRecord, LoadedRun } from './types.js';
export { loadRun, readRunSteps, type RunSteps } from './load.js';
export { writeRunFile, writeSummary } from './write.js';

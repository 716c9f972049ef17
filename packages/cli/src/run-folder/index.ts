/**
 * The run folder, in one place for the CLI commands, the report writer and
 * `gradclip serve`: its file names (`RUN_FILES`, shared with the library's
 * writers and the dashboard through `gradclip/internal`, plus the app's
 * `config.json` and `compare.json`), the one run type ({@link RunRecord}),
 * reading (a folder without `summary.json` included) and writing its files
 * (atomically), and the `--out` rules (one run per folder, `--overwrite`).
 *
 * @module
 */
export { RUN_FILES, RUN_START_FILE, COMPARE_FILE, TRAJECTORY_FILE, chartPngFile, isTfEventsFile, runFile, type RunFileKey } from './layout.js';
export type { RunRecord, LoadedRun, RunStart, CompareStart } from './types.js';
export { TrajectoryRecorder, cliffTrajectory, decodeTrajectory, encodeTrajectory, readTrajectory, writeTrajectory, type CliffTrajectory, type TrajectoryPoint } from './trajectory.js';
export { loadRun, readRunSteps, readRunStart, rebuildSummary, runDisplayName, stepOrderWarning, UNKNOWN_CONFIG, type RunSteps } from './load.js';
export { writeRunFile, writeSummary, writeRunStart, writeCompareStart } from './write.js';
export { writeFileAtomic, tempFileFor, NODE_FS, TEMP_FILE_PATTERN, type AtomicFs } from './atomic.js';
export { checkOutFolder, prepareOutFolder, rollbackOutFolder, rollbackIfNoSteps, foreignEntry, isRunFolderFile, type OutFolderPlan, type PreparedOutFolder } from './out-folder.js';
export { describeIoError, findErrnoError, isErrnoError } from './io-errors.js';
export { diagnoseFolder, unclippedSibling } from './diagnosis.js';

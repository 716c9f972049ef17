/**
 * The run viewer server of `gradclip serve` (Node-only).
 *
 * @packageDocumentation
 */
export { startServer, type ServerOptions, type RunningServer, type StepsReply } from './server.js';
export { listRuns, readRunInfo, type RunInfo, type ListRunsOptions } from './runs.js';
export { RUN_FILES } from '../run-folder/index.js';
export { readStepsChunk, MAX_CHUNK_BYTES, type StepsChunk, type StepsCursor } from './steps-chunk.js';
export { PathRefusedError, checkRelativePath, decodeRelativePath, resolveInside, resolveFileInside, isInside } from './safe-path.js';
export { DEFAULT_HOST, isLoopbackHost, hostHeaderAllowed, hostHeaderName } from './host-check.js';
export { findDashboardDir, dashboardDirCandidates } from './dashboard-dir.js';
export { contentTypeFor } from './content-types.js';

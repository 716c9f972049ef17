/**
 * The run viewer server of `gradclip serve` (Node-only).
 *
 * @packageDocumentation
 */
export { startServer, type ServerOptions, type RunningServer, type ServerStats, type StepsReply } from './server.js';
export { DEFAULT_LIMITS, resolveLimits, type ServerLimits } from './limits.js';
export { listRuns, readRunInfo, findRunDirs, runInfoFrom, stepsFromSummary, runId, sortRuns, DEFAULT_MAX_DEPTH, DEFAULT_MAX_RUNS, type RunInfo, type ListRunsOptions, type RunFolderFacts } from './runs.js';
export { RunIndex, SUMMARY_CACHE_BYTES, type RunIndexOptions } from './run-index.js';
export { readSummaryState, readSummaryStateSync, summaryStateFromText, summaryKey, type SummaryState, type KeyedSummaryState } from './summary.js';
export { RUN_FILES } from '../run-folder/index.js';
export {
  readStepsChunk,
  StepsChunkReader,
  StepsLineDecoder,
  countNewlines,
  MAX_CHUNK_BYTES,
  READ_PIECE_BYTES,
  MAX_CHUNK_WARNINGS,
  type StepsChunk,
  type StepsCursor,
  type StepsChunkOptions,
  type DecodedBatch,
} from './steps-chunk.js';
export { writeStepsReply, ReplyAbortedError, type StepsReplyHead, type StepsReplyHooks } from './steps-reply.js';
export { openRegularFile, openRegularFileSync, isRegularFile, describeFileType, NotRegularFileError, type OpenedFile } from './regular-file.js';
export {
  PathRefusedError,
  checkRelativePath,
  decodeRelativePath,
  resolveInside,
  resolveFileInside,
  resolveInsideAsync,
  resolveInsideRealRoot,
  resolveFileInsideAsync,
  isInside,
} from './safe-path.js';
export { DEFAULT_HOST, isLoopbackHost, hostHeaderAllowed, hostHeaderName, checkHostHeaders, type HostRefusal } from './host-check.js';
export { findDashboardDir, dashboardDirCandidates } from './dashboard-dir.js';
export { contentTypeFor } from './content-types.js';

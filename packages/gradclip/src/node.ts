/**
 * gradclip's Node-only entry (`gradclip/node`): file writers for run folders
 * (they use `node:fs`; keep them out of browser bundles). It also re-exports
 * the browser-safe writers of the main entry, so Node code needs one import.
 *
 * Every export is listed here by name (test/library/public-api.test.ts
 * checks the list). Names marked `@deprecated` were reachable in 0.1 and
 * leave the entry in the next release.
 *
 * @packageDocumentation
 * @module gradclip/node
 */

// ---- File writers.
export {
  openRunWriters,
  RunWriters,
  STEPS_JSONL_FILE,
  STEPS_CSV_FILE,
  type RunWritersOptions,
  type RunWriterPaths,
} from './monitor/writers/run-writers-node.js';
export type { StepsSummary } from './monitor/writers/run-summary.js';
export { JsonlWriter } from './monitor/writers/jsonl-writer-node.js';
export { CsvWriter, type CsvWriterOptions } from './monitor/writers/csv-writer-node.js';
export { TfEventsWriter, type TfEventsWriterOptions } from './monitor/writers/tf-events-writer-node.js';

// ---- Optimizer state files (saveOptimizerState / loadOptimizerState to a folder).
export { saveOptimizer, loadOptimizer, OPTIMIZER_STATE_FILES } from './optim/optimizer-files-node.js';

// ---- The browser-safe writers (also in the main entry).
export { MemoryWriter, MultiWriter, combineWriters, type StepWriter } from './monitor/writers/types.js';
export { encodeJsonlLine } from './monitor/writers/jsonl.js';
export { csvColumns, encodeCsvHeader, encodeCsvRow } from './monitor/writers/csv.js';
export { TB_TAGS, encodeTfEvent, fileVersionEvent, stepStatsToTfEvent, tfEventsFileName } from './monitor/writers/tf-events.js';
export type { TfEvent, TfSummary, TfSummaryValue } from './monitor/writers/tf-event-proto.js';

// ---- Deprecated (reachable in 0.1, internal from now on; removed from the entry in the next release).
export {
  /** @deprecated Internal to the CSV encoder; use `csvColumns`; will leave the public entry in the next release. */
  CSV_BASE_COLUMNS,
  /** @deprecated Internal to the CSV encoder; use `csvColumns`; will leave the public entry in the next release. */
  CSV_LAYER_PREFIX,
  /** @deprecated Internal to the CSV encoder; will leave the public entry in the next release. */
  quoteCsvCell,
  /** @deprecated Internal CSV test helper; will leave the public entry in the next release. */
  splitCsvLine,
} from './monitor/writers/csv.js';
export {
  /** @deprecated Internal to the TensorBoard encoder (`fileVersionEvent` writes it); will leave the public entry in the next release. */
  TF_EVENTS_FILE_VERSION,
  /** @deprecated Internal to the TensorBoard encoder; use `stepStatsToTfEvent`; will leave the public entry in the next release. */
  stepStatsToSummaryValues,
} from './monitor/writers/tf-events.js';
export {
  /** @deprecated The protobuf part of `encodeTfEvent` (which adds the TFRecord frame); will leave the public entry in the next release. */
  encodeTfEventProto,
  /** @deprecated The protobuf part of `readTfEvents` (which reads the TFRecord frames); will leave the public entry in the next release. */
  decodeTfEventProto,
} from './monitor/writers/tf-event-proto.js';

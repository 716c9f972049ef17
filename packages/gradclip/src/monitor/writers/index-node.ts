/**
 * Node-only writers (they use `node:fs`; keep them out of browser bundles).
 * Re-exports the browser-safe part too, so Node code needs one import.
 *
 * @packageDocumentation
 */
export * from './index.js';
export { JsonlWriter } from './jsonl-writer-node.js';
export { CsvWriter, type CsvWriterOptions } from './csv-writer-node.js';
export { TfEventsWriter, type TfEventsWriterOptions } from './tf-events-writer-node.js';
export {
  openRunWriters,
  RunWriters,
  STEPS_JSONL_FILE,
  STEPS_CSV_FILE,
  type RunWritersOptions,
  type RunWriterPaths,
} from './run-writers-node.js';

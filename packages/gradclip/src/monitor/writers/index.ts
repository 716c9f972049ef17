/**
 * Browser-safe part of the writers: the {@link StepWriter} interface and the
 * pure encoders (no `node:fs`). The file writers are in `./index-node.js`.
 *
 * @packageDocumentation
 */
export { type StepWriter, MultiWriter, MemoryWriter, combineWriters } from './types.js';
export { encodeJsonlLine } from './jsonl.js';
export {
  CSV_BASE_COLUMNS,
  CSV_LAYER_PREFIX,
  csvColumns,
  encodeCsvHeader,
  encodeCsvRow,
  quoteCsvCell,
  splitCsvLine,
} from './csv.js';
export { crc32c, maskCrc32c, unmaskCrc32c, CRC32C_POLYNOMIAL, CRC32C_MASK_DELTA } from './crc32c.js';
export { encodeTfRecord, TFRECORD_OVERHEAD } from './tfrecord.js';
export {
  encodeTfEventProto,
  decodeTfEventProto,
  type TfEvent,
  type TfSummary,
  type TfSummaryValue,
} from './tf-event-proto.js';
export {
  TB_TAGS,
  TF_EVENTS_FILE_VERSION,
  encodeTfEvent,
  fileVersionEvent,
  stepStatsToSummaryValues,
  stepStatsToTfEvent,
  tfEventsFileName,
} from './tf-events.js';

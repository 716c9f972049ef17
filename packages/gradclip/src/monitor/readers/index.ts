/**
 * Readers for the files the writers produce. All pure (no `node:fs`): pass
 * the file contents, so the same code runs in the dashboard.
 *
 * @packageDocumentation
 */
export { readStepsJsonl, type StepsJsonlResult } from './jsonl.js';
export { readTfEvents, tfEventsToStepStats, type TfEventsResult } from './tf-events.js';
export { readTfRecords, type TfRecordsResult } from './tfrecord.js';

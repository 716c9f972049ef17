/**
 * Writing the files of a run folder: `summary.json`, `evals.json`,
 * `config.json` (the start record), a comparison's `compare.json`, and any
 * other file (the report and its charts) through {@link writeRunFile}.
 * Every file is written atomically (see `atomic.ts`): a failed write leaves
 * the old file as it was.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalResult } from '../train/experiment.js';
import type { RunSummary } from '../train/summary.js';
import { writeFileAtomic, type AtomicFs, NODE_FS } from './atomic.js';
import { COMPARE_FILE, RUN_FILES, RUN_START_FILE } from './layout.js';
import type { CompareStart, RunStart } from './types.js';

/**
 * Writes `content` to the file `fileName` of the folder `dir` (created if
 * needed) atomically; returns its path.
 *
 * @param fs - the file-system calls of the atomic write (tests inject failures)
 * @throws the file-system error (ENOSPC, EACCES, ...); the old file, if any, is untouched
 */
export function writeRunFile(dir: string, fileName: string, content: string | Uint8Array, fs: AtomicFs = NODE_FS): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, fileName);
  writeFileAtomic(path, content, fs);
  return path;
}

/** Pretty-printed JSON with a final newline. */
function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** Writes `summary.json` and `evals.json` (pretty-printed JSON) into the run folder `dir` (created if needed). */
export function writeSummary(dir: string, summary: RunSummary, evals: readonly EvalResult[]): void {
  writeRunFile(dir, RUN_FILES.evals, json(evals));
  writeRunFile(dir, RUN_FILES.summary, json(summary));
}

/** Writes the start record `config.json` of a run into `dir`. */
export function writeRunStart(dir: string, start: RunStart): void {
  writeRunFile(dir, RUN_START_FILE, json(start));
}

/** Writes the marker `compare.json` of a comparison into `dir`. */
export function writeCompareStart(dir: string, start: CompareStart): void {
  writeRunFile(dir, COMPARE_FILE, json(start));
}

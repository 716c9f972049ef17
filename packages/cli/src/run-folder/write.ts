/**
 * Writing the files of a run folder: `summary.json`, `evals.json`, and any
 * other file (the report and its charts) through {@link writeRunFile}.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalResult } from '../train/experiment.js';
import type { RunSummary } from '../train/summary.js';
import { RUN_FILES } from './layout.js';

/** Writes `content` to the file `fileName` of the folder `dir` (created if needed); returns its path. */
export function writeRunFile(dir: string, fileName: string, content: string | Uint8Array): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, fileName);
  writeFileSync(path, content);
  return path;
}

/** Writes `summary.json` and `evals.json` (pretty-printed JSON) into the run folder `dir` (created if needed). */
export function writeSummary(dir: string, summary: RunSummary, evals: readonly EvalResult[]): void {
  writeRunFile(dir, RUN_FILES.summary, JSON.stringify(summary, null, 2) + '\n');
  writeRunFile(dir, RUN_FILES.evals, JSON.stringify(evals, null, 2) + '\n');
}

/**
 * Opens the standard set of writers of a run folder (Node-only).
 *
 * @packageDocumentation
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readStepsJsonl } from '../readers/jsonl.js';
import { join } from 'node:path';
import type { StepStats } from '../../core/step-stats.js';
import { CsvWriter } from './csv-writer-node.js';
import { JsonlWriter } from './jsonl-writer-node.js';
import { TfEventsWriter } from './tf-events-writer-node.js';
import { MultiWriter, type StepWriter } from './types.js';
import { GradclipArgumentError } from '../../core/errors.js';
import { RUN_FILES } from './run-layout.js';
import { RunSummaryAccumulator, type StepsSummary } from './run-summary.js';
import { checkOptions } from '../../core/options.js';
import { requireNonEmptyString } from '../../core/errors.js';

/** File name of the JSONL log inside a run folder (**contract**); the same as `RUN_FILES.steps`. */
export const STEPS_JSONL_FILE = RUN_FILES.steps;
/** File name of the CSV log inside a run folder; the same as `RUN_FILES.stepsCsv`. */
export const STEPS_CSV_FILE = RUN_FILES.stepsCsv;

/** Options of {@link openRunWriters}. */
export interface RunWritersOptions {
  /**
   * Write `steps.jsonl`.
   * @default true
   */
  jsonl?: boolean;
  /**
   * Write a TensorBoard event file.
   * @default true
   */
  tensorboard?: boolean;
  /**
   * Write `steps.csv`.
   * @default false
   */
  csv?: boolean;
  /**
   * Host name for the event file name.
   * @default `os.hostname()`
   */
  hostname?: string;
  /**
   * Clock in milliseconds since the epoch for the event file.
   * @default `Date.now`
   */
  now?: () => number;
  /**
   * Receives the CSV writer's warnings (layers added after its header).
   * @default `process.emitWarning`
   */
  onWarning?: (message: string) => void;
  /**
   * Write `summary.json` ({@link StepsSummary} of the records written) when
   * the writers are closed, so that `gradclip serve`, `report` and `diagnose`
   * see a finished run. Written atomically (temporary file, then rename).
   * @default true
   */
  summary?: boolean;
}

/** Paths of the files a {@link RunWriters} writes (absent when disabled). */
export interface RunWriterPaths {
  /** `<dir>/steps.jsonl`. */
  jsonl?: string;
  /** `<dir>/steps.csv`. */
  csv?: string;
  /** `<dir>/events.out.tfevents.<unix seconds>.<hostname>`. */
  tensorboard?: string;
}

/** The writers of one run folder, used as one {@link StepWriter}. */
export class RunWriters implements StepWriter {
  /** The run folder. */
  readonly dir: string;
  /** Files being written. */
  readonly paths: RunWriterPaths;
  private readonly inner: MultiWriter;
  private readonly totals: RunSummaryAccumulator | null;
  private closed = false;

  /**
   * @param dir - the run folder
   * @param writers - the open writers
   * @param paths - their files
   * @param writeSummary - write `summary.json` on close (see {@link RunWritersOptions.summary})
   */
  constructor(dir: string, writers: StepWriter[], paths: RunWriterPaths, writeSummary = false) {
    this.dir = dir;
    this.paths = paths;
    this.inner = new MultiWriter(writers);
    this.totals = writeSummary ? new RunSummaryAccumulator() : null;
    // a resumed run: the summary covers the records already in steps.jsonl too
    if (this.totals && paths.jsonl !== undefined && existsSync(paths.jsonl)) {
      for (const s of readStepsJsonl(readFileSync(paths.jsonl, 'utf8')).steps) this.totals.add(s);
    }
  }

  /** Writes `stats` to every file. */
  write(stats: StepStats): void {
    this.inner.write(stats);
    this.totals?.add(stats);
  }

  /** The summary of the records written so far (what `close()` writes to `summary.json`), or null when disabled. */
  summary(): StepsSummary | null {
    return this.totals?.summary() ?? null;
  }

  /** `fsync`s every file. */
  flush(): void {
    this.inner.flush();
  }

  /** Closes every file, then writes `summary.json` (when enabled); idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inner.close();
    const summary = this.summary();
    if (summary === null) return;
    const file = join(this.dir, RUN_FILES.summary);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(summary, null, 2) + '\n');
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }
}

/**
 * Creates `dir` (recursively) and opens its log files: `steps.jsonl`
 * (appended to when it exists), a new TensorBoard event file, and optionally
 * `steps.csv`. Closing the writers writes `summary.json` (the
 * {@link StepsSummary} of the records written), so that the folder reads as a
 * finished run everywhere.
 *
 * @example
 * ```ts
 * const run = openRunWriters('runs/a', { tensorboard: true, csv: false });
 * for (const s of stepStats) run.write(s);
 * run.close();
 * ```
 * @param dir - the run folder
 * @param options - which files to write; see {@link RunWritersOptions}
 * @returns a writer for all of them
 */
export function openRunWriters(dir: string, options: RunWritersOptions = {}): RunWriters {
  requireNonEmptyString('openRunWriters', 'dir', dir);
  const o = checkOptions<RunWritersOptions>('openRunWriters', options, {
    jsonl: 'boolean',
    tensorboard: 'boolean',
    csv: 'boolean',
    hostname: 'string',
    now: 'function',
    onWarning: 'function',
    summary: 'boolean',
  });
  const { jsonl = true, tensorboard = true, csv = false, summary = true } = o;
  if (!jsonl && !tensorboard && !csv) {
    throw new GradclipArgumentError('openRunWriters: options enable no file; set at least one of jsonl, tensorboard, csv to true');
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new GradclipArgumentError(`openRunWriters: dir ${JSON.stringify(dir)} is a file, not a folder; pass a run folder`);
  }
  mkdirSync(dir, { recursive: true });
  const writers: StepWriter[] = [];
  const paths: RunWriterPaths = {};
  try {
    if (jsonl) {
      const w = new JsonlWriter(join(dir, STEPS_JSONL_FILE));
      writers.push(w);
      paths.jsonl = w.path;
    }
    if (tensorboard) {
      const w = new TfEventsWriter(dir, { hostname: o.hostname, now: o.now });
      writers.push(w);
      paths.tensorboard = w.path;
    }
    if (csv) {
      const w = new CsvWriter(join(dir, STEPS_CSV_FILE), { onWarning: o.onWarning });
      writers.push(w);
      paths.csv = w.path;
    }
  } catch (e) {
    for (const w of writers) w.close();
    throw e;
  }
  return new RunWriters(dir, writers, paths, summary);
}

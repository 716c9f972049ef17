/**
 * `node:fs` helpers: write a report (`report.html`) and its PNG charts into
 * a folder. Every file is written atomically (a temporary file in the same
 * folder, then a rename): a failed write (a full disk) leaves the previous
 * report whole. A run that was interrupted, or whose summary was rebuilt
 * from its steps, is named so in the report (see `runDisplayName`).
 *
 * @module
 */
import { GradclipArgumentError } from 'gradclip';
import { RUN_FILES, runDisplayName, writeRunFile, type AtomicFs } from '../run-folder/index.js';
import { renderComparisonReport, renderRunReport } from './html.js';
import { renderPngCharts } from './png.js';
import type { ComparisonOptions, PngOptions, RunRecord } from './types.js';
import { validateRunRecord, validateRuns } from './validate.js';

/** Options of {@link writeRunReport} / {@link writeComparisonReport}. */
export interface WriteReportOptions extends PngOptions, ComparisonOptions {
  /**
   * Also write the charts as PNG files beside the HTML.
   * @default true
   */
  png?: boolean;
  /**
   * File name of the HTML page inside the folder.
   * @default 'report.html'
   */
  fileName?: string;
  /**
   * The file-system calls of the atomic writes (tests inject failures).
   * @default the real `node:fs` calls
   */
  fs?: AtomicFs;
}

/** Paths written by {@link writeRunReport} / {@link writeComparisonReport}. */
export interface WrittenReport {
  /** Path of the HTML page. */
  html: string;
  /** Paths of the PNG charts (empty with `png: false`). */
  pngs: string[];
}

function checkDir(dir: unknown): asserts dir is string {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new GradclipArgumentError(`dir must be a non-empty folder path (e.g. the run's --out folder), got ${JSON.stringify(dir)}`);
  }
}

function checkFileName(name: string): void {
  if (name.length === 0 || /[\\/]/.test(name)) {
    throw new GradclipArgumentError(`fileName must be a plain file name without folders (e.g. "${RUN_FILES.report}"), got ${JSON.stringify(name)}`);
  }
}

async function writeAll(dir: string, html: string, runs: RunRecord[], opts: WriteReportOptions): Promise<WrittenReport> {
  // Render everything first, then write: a failure while rendering writes nothing.
  const charts = (opts.png ?? true) ? await renderPngCharts(runs, opts) : [];
  const htmlPath = writeRunFile(dir, opts.fileName ?? RUN_FILES.report, html, opts.fs);
  const pngs = charts.map((c) => writeRunFile(dir, c.file, c.png, opts.fs));
  return { html: htmlPath, pngs };
}

/** `run` under the name its report shows (marked when interrupted or incomplete). */
function displayed(run: RunRecord): RunRecord {
  const name = runDisplayName(run);
  return name === run.name ? run : { ...run, name };
}

/**
 * Writes `report.html` for one run into `dir` (created if needed) and, unless
 * `png: false`, its charts as PNG files; returns the paths written.
 */
export async function writeRunReport(dir: string, run: RunRecord, opts: WriteReportOptions = {}): Promise<WrittenReport> {
  checkDir(dir);
  checkFileName(opts.fileName ?? RUN_FILES.report);
  validateRunRecord(run);
  const shown = displayed(run);
  const html = renderRunReport(shown, opts);
  return writeAll(dir, html, [shown], opts);
}

/**
 * Writes the comparison page of `runs` (`report.html`) into `dir` (created
 * if needed) and, unless `png: false`, the overlaid charts as PNG files;
 * returns the paths written.
 */
export async function writeComparisonReport(dir: string, runs: RunRecord[], opts: WriteReportOptions = {}): Promise<WrittenReport> {
  checkDir(dir);
  checkFileName(opts.fileName ?? RUN_FILES.report);
  validateRuns(runs);
  const shown = runs.map(displayed);
  const html = renderComparisonReport(shown, opts);
  return writeAll(dir, html, shown, opts);
}

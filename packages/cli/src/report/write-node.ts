/**
 * `node:fs` helpers: write a report (`report.html`) and its PNG charts into
 * a folder.
 *
 * @module
 */
import { GradclipArgumentError } from 'gradclip';
import { RUN_FILES, writeRunFile } from '../run-folder/index.js';
import { renderComparisonReport, renderRunReport } from './html.js';
import { renderPngCharts } from './png.js';
import type { ComparisonOptions, PngOptions, RunRecord } from './types.js';

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
  const htmlPath = writeRunFile(dir, opts.fileName ?? RUN_FILES.report, html);
  const pngs: string[] = [];
  if (opts.png ?? true) {
    for (const c of await renderPngCharts(runs, opts)) pngs.push(writeRunFile(dir, c.file, c.png));
  }
  return { html: htmlPath, pngs };
}

/**
 * Writes `report.html` for one run into `dir` (created if needed) and, unless
 * `png: false`, its charts as PNG files; returns the paths written.
 */
export async function writeRunReport(dir: string, run: RunRecord, opts: WriteReportOptions = {}): Promise<WrittenReport> {
  checkDir(dir);
  checkFileName(opts.fileName ?? RUN_FILES.report);
  const html = renderRunReport(run, opts);
  return writeAll(dir, html, [run], opts);
}

/**
 * Writes the comparison page of `runs` (`report.html`) into `dir` (created
 * if needed) and, unless `png: false`, the overlaid charts as PNG files;
 * returns the paths written.
 */
export async function writeComparisonReport(dir: string, runs: RunRecord[], opts: WriteReportOptions = {}): Promise<WrittenReport> {
  checkDir(dir);
  checkFileName(opts.fileName ?? RUN_FILES.report);
  const html = renderComparisonReport(runs, opts);
  return writeAll(dir, html, runs, opts);
}

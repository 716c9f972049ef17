/**
 * `node:fs` helpers: write a report (`report.html`) and its PNG charts into
 * a folder.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
    throw new Error(`dir must be a non-empty folder path (e.g. the run's --out folder), got ${JSON.stringify(dir)}`);
  }
}

function checkFileName(name: string): void {
  if (name.length === 0 || /[\\/]/.test(name)) {
    throw new Error(`fileName must be a plain file name without folders (e.g. "report.html"), got ${JSON.stringify(name)}`);
  }
}

async function writeAll(dir: string, html: string, runs: RunRecord[], opts: WriteReportOptions): Promise<WrittenReport> {
  const fileName = opts.fileName ?? 'report.html';
  mkdirSync(dir, { recursive: true });
  const htmlPath = join(dir, fileName);
  writeFileSync(htmlPath, html);
  const pngs: string[] = [];
  if (opts.png ?? true) {
    for (const c of await renderPngCharts(runs, opts)) {
      const p = join(dir, c.file);
      writeFileSync(p, c.png);
      pngs.push(p);
    }
  }
  return { html: htmlPath, pngs };
}

/**
 * Writes `report.html` for one run into `dir` (created if needed) and, unless
 * `png: false`, its charts as PNG files; returns the paths written.
 */
export async function writeRunReport(dir: string, run: RunRecord, opts: WriteReportOptions = {}): Promise<WrittenReport> {
  checkDir(dir);
  checkFileName(opts.fileName ?? 'report.html');
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
  checkFileName(opts.fileName ?? 'report.html');
  const html = renderComparisonReport(runs, opts);
  return writeAll(dir, html, runs, opts);
}

/**
 * The layout of a run folder (DESIGN.md sections 4 and 8, **contract**): the
 * names of the files the library's writers, the CLI, `gradclip serve`, the
 * HTML report and the dashboard read and write, defined once. Browser-safe
 * (no Node imports), so the dashboard can use it too.
 *
 * @packageDocumentation
 */

/** File names inside a run folder (**contract**). */
export const RUN_FILES = Object.freeze({
  /** One StepStats record per line (written by `openRunWriters`). */
  steps: 'steps.jsonl',
  /** The same records as CSV (`openRunWriters(dir, { csv: true })`). */
  stepsCsv: 'steps.csv',
  /** The run summary of `gradclip train` (written when the run stops). */
  summary: 'summary.json',
  /** The evaluations of the run on fresh data. */
  evals: 'evals.json',
  /** The self-contained HTML report. */
  report: 'report.html',
  /** Start of a TensorBoard event file's name: `events.out.tfevents.<unix seconds>.<hostname>`. */
  tfEventsPrefix: 'events.out.tfevents.',
  /** Extension of the report's chart images (`<chart id>.png`). */
  chartExtension: '.png',
} as const);

/**
 * File name of a report chart's PNG image: `<chart id>.png`, i.e.
 * `loss.png`, `grad-norm.png`, `clip-coef.png`, `layer-norms.png`, and
 * `layer-norms-<i>.png` for the i-th run of a comparison.
 *
 * @param chartId - the chart's id in the report
 */
export function chartPngFile(chartId: string): string {
  return `${chartId}${RUN_FILES.chartExtension}`;
}

/** True when `fileName` is a TensorBoard event file written into a run folder. */
export function isTfEventsFile(fileName: string): boolean {
  return fileName.startsWith(RUN_FILES.tfEventsPrefix);
}

import { formatNumber } from 'gradclip/internal';
import { writeComparisonReport, writeRunReport } from '../../report/index.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPARE_FILE, describeIoError, findErrnoError, loadRun, RUN_FILES, runFile, type LoadedRun } from '../../run-folder/index.js';
import { asUsage, UsageError } from '../errors.js';
import { CLI_DIGITS } from '../format.js';

/** Flags of `gradclip report`. */
export interface ReportFlags {
  /** The folder of the comparison report (two or more run folders). */
  out?: string;
}

/** The run folders of the comparison folder `dir` that hold steps (in run order, from its `compare.json`). */
function comparisonRuns(dir: string): string[] {
  const file = join(dir, COMPARE_FILE);
  let runs: unknown;
  try {
    runs = (JSON.parse(readFileSync(file, 'utf8')) as { runs?: unknown }).runs;
  } catch (e) {
    throw new UsageError(`report ${dir}: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(runs) || !runs.every((r) => typeof r === 'string')) throw new UsageError(`report ${dir}: ${file} lists no run folders`);
  const found = (runs as string[]).map((r) => join(dir, r)).filter((d) => existsSync(runFile(d, 'steps')));
  if (found.length === 0) throw new UsageError(`report ${dir}: none of the runs in ${file} has written steps yet (${(runs as string[]).join(', ')})`);
  return found;
}

/** What the text output says about a run that did not finish. */
function state(r: LoadedRun): string {
  if (r.incomplete !== undefined) return `, INCOMPLETE: ${r.incomplete}`;
  if (r.summary.interrupted === true) return `, INTERRUPTED at step ${r.summary.steps} of ${r.summary.config.steps}`;
  return '';
}

async function write(dir: string, f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    throw findErrnoError(e) !== null ? new UsageError(describeIoError(e, 'write the report in', dir)) : e;
  }
}

/**
 * `gradclip report <dir...>`: rebuilds each run's report.html; with several
 * folders also a comparison report. A folder without (a readable)
 * `summary.json` is reported from its `steps.jsonl`, marked incomplete.
 * Reports are written atomically: a failed write (a full disk) keeps the
 * old report.
 *
 * @param given - the flags given on the command line (`givenOptions`)
 */
export async function reportCommand(folders: string[], f: ReportFlags, given: readonly string[] = []): Promise<number> {
  let dirs = folders;
  if (dirs.length === 0) throw new UsageError('report needs at least one run folder');
  const dup = dirs.find((d, i) => dirs.indexOf(d) !== i);
  if (dup !== undefined) throw new UsageError(`report: the run folder ${dup} is given twice`);
  // One comparison folder (compare, demo; finished or interrupted): its runs, and the comparison report back into it.
  let comparisonOut: string | null = null;
  if (dirs.length === 1 && !existsSync(runFile(dirs[0], 'steps')) && existsSync(join(dirs[0], COMPARE_FILE))) {
    comparisonOut = dirs[0];
    dirs = comparisonRuns(dirs[0]);
  }
  if (dirs.length === 1 && comparisonOut === null && given.includes('out')) {
    throw new UsageError('--out has no effect with one run folder: it names the comparison report, written for two or more folders (the run report goes into the run folder)');
  }
  const runs = dirs.map((d) => asUsage(() => loadRun(d)));
  for (const r of runs) {
    for (const w of r.warnings) console.error(`warning: ${r.dir}: ${w}`);
    await write(r.dir, () => writeRunReport(r.dir, r));
    const s = r.summary;
    console.log(`${r.dir}/${RUN_FILES.report} (${r.steps.length} steps${state(r)}${s.diverged ? `, diverged at step ${s.divergedAtStep}` : `, final loss ${formatNumber(s.finalLoss, CLI_DIGITS)}`})`);
  }
  if (runs.length > 1 || comparisonOut !== null) {
    const out = f.out ?? comparisonOut ?? 'runs/comparison';
    await write(out, () => writeComparisonReport(out, runs.map((r) => ({ ...r, name: r.dir })), { title: 'gradclip comparison' }));
    console.log(`${out}/${RUN_FILES.report} (comparison of ${runs.length} runs)`);
  }
  return 0;
}

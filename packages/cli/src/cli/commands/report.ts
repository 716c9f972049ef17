import { formatNumber } from 'gradclip/internal';
import { writeComparisonReport, writeRunReport } from '../../report/index.js';
import { describeIoError, findErrnoError, loadRun, RUN_FILES, type LoadedRun } from '../../run-folder/index.js';
import { asUsage, UsageError } from '../errors.js';
import { CLI_DIGITS } from '../format.js';

/** Flags of `gradclip report`. */
export interface ReportFlags {
  /** The folder of the comparison report (two or more run folders). */
  out?: string;
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
export async function reportCommand(dirs: string[], f: ReportFlags, given: readonly string[] = []): Promise<number> {
  if (dirs.length === 0) throw new UsageError('report needs at least one run folder');
  const dup = dirs.find((d, i) => dirs.indexOf(d) !== i);
  if (dup !== undefined) throw new UsageError(`report: the run folder ${dup} is given twice`);
  if (dirs.length === 1 && given.includes('out')) {
    throw new UsageError('--out has no effect with one run folder: it names the comparison report, written for two or more folders (the run report goes into the run folder)');
  }
  const runs = dirs.map((d) => asUsage(() => loadRun(d)));
  for (const r of runs) {
    for (const w of r.warnings) console.error(`warning: ${r.dir}: ${w}`);
    await write(r.dir, () => writeRunReport(r.dir, r));
    const s = r.summary;
    console.log(`${r.dir}/${RUN_FILES.report} (${r.steps.length} steps${state(r)}${s.diverged ? `, diverged at step ${s.divergedAtStep}` : `, final loss ${formatNumber(s.finalLoss, CLI_DIGITS)}`})`);
  }
  if (runs.length > 1) {
    const out = f.out ?? 'runs/comparison';
    await write(out, () => writeComparisonReport(out, runs.map((r) => ({ ...r, name: r.dir })), { title: 'gradclip comparison' }));
    console.log(`${out}/${RUN_FILES.report} (comparison of ${runs.length} runs)`);
  }
  return 0;
}

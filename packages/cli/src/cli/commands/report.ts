import { writeComparisonReport, writeRunReport } from '../../report/index.js';
import { formatNumber } from 'gradclip/internal';
import { CLI_DIGITS } from '../format.js';
import { loadRun, RUN_FILES } from '../../run-folder/index.js';
import { UsageError } from '../errors.js';

/** `gradclip report <dir...>`: rebuilds each run's report.html; with several folders also a comparison report. */
export async function reportCommand(dirs: string[], f: { out?: string }): Promise<void> {
  if (dirs.length === 0) throw new UsageError('report needs at least one run folder');
  const runs = dirs.map((d) => {
    try {
      return loadRun(d);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
  for (const r of runs) {
    for (const w of r.warnings) console.error(`warning: ${r.dir}/${RUN_FILES.steps} ${w}`);
    await writeRunReport(r.dir, r);
    console.log(`${r.dir}/${RUN_FILES.report} (${r.steps.length} steps${r.summary.diverged ? `, diverged at step ${r.summary.divergedAtStep}` : `, final loss ${formatNumber(r.summary.finalLoss, CLI_DIGITS)}`})`);
  }
  if (runs.length > 1) {
    const out = f.out ?? 'runs/comparison';
    await writeComparisonReport(out, runs.map((r) => ({ ...r, name: r.dir })), { title: 'gradclip comparison' });
    console.log(`${out}/${RUN_FILES.report} (comparison of ${runs.length} runs)`);
  }
}

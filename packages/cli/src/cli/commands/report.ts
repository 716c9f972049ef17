import { writeComparisonReport, writeRunReport } from '../../report/index.js';
import { fmt } from '../format.js';
import { loadRun } from '../run-folder.js';
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
    for (const w of r.warnings) console.error(`warning: ${r.dir}/steps.jsonl ${w}`);
    await writeRunReport(r.dir, r);
    console.log(`${r.dir}/report.html (${r.steps.length} steps${r.summary.diverged ? `, diverged at step ${r.summary.divergedAtStep}` : `, final loss ${fmt(r.summary.finalLoss)}`})`);
  }
  if (runs.length > 1) {
    const out = f.out ?? 'runs/comparison';
    await writeComparisonReport(out, runs.map((r) => ({ ...r, name: r.dir })), { title: 'gradclip comparison' });
    console.log(`${out}/report.html (comparison of ${runs.length} runs)`);
  }
}

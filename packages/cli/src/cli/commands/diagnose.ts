import { loadRun } from '../../run-folder/index.js';
import { asUsage } from '../errors.js';

/**
 * `gradclip diagnose <dir>`: prints the diagnosis of a run (JSON with --json).
 * Needs only `steps.jsonl`, so it also works on a run still being written, a
 * run that was killed (no `summary.json`: the output says it is incomplete)
 * and on logs written by the library (`openRunWriters` + `gradStatsCallback`).
 * With --json the diagnosis gets `incomplete` (why) or `interrupted: true`
 * when the run did not finish.
 */
export async function diagnoseCommand(dir: string, f: { json: boolean }): Promise<number> {
  const run = asUsage(() => loadRun(dir, undefined, `write one with "gradclip train --out ${dir}" or openRunWriters`));
  for (const w of run.warnings) console.error(`warning: ${w}`);
  const d = run.diagnosis;
  const s = run.summary;
  const interrupted = run.incomplete === undefined && s.interrupted === true;
  if (f.json) {
    const extra = run.incomplete !== undefined ? { incomplete: run.incomplete } : interrupted ? { interrupted: true } : {};
    process.stdout.write(JSON.stringify({ ...d, ...extra }) + '\n');
    return 0;
  }
  if (run.incomplete !== undefined) console.log(`run: ${dir} is INCOMPLETE (${run.incomplete}); diagnosing its ${run.steps.length} steps`);
  else if (interrupted) console.log(`run: ${dir} was INTERRUPTED at step ${s.steps} of ${s.config.steps}`);
  console.log(`status: ${d.status}${d.firstEventStep !== null ? ` (from step ${d.firstEventStep})` : ''}${d.flags.length ? ` [${d.flags.join(', ')}]` : ''}`);
  console.log(d.summary);
  if (d.findings.length) {
    console.log('\nfindings:');
    for (const x of d.findings) console.log(`  - ${x.message}`);
  }
  if (d.recommendations.length) {
    console.log('\nrecommendations:');
    for (const r of d.recommendations) console.log(`  - ${r}`);
  }
  return 0;
}

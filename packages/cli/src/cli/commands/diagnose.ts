import { diagnose, GradclipArgumentError } from 'gradclip';
import { readRunSteps, RUN_FILES, type RunSteps } from '../../run-folder/index.js';
import { UsageError } from '../errors.js';

/**
 * `gradclip diagnose <dir>`: prints the diagnosis of a run (JSON with --json).
 * Needs only `steps.jsonl`, so it also works on a run still being written and
 * on logs written by the library (`openRunWriters` + `gradStatsCallback`).
 */
export async function diagnoseCommand(dir: string, f: { json: boolean }): Promise<void> {
  let read: RunSteps;
  try {
    read = readRunSteps(dir, `write one with "gradclip train --out ${dir}" or openRunWriters`);
  } catch (e) {
    throw e instanceof GradclipArgumentError ? new UsageError(e.message) : e;
  }
  const { steps, warnings } = read;
  for (const w of warnings) console.error(`warning: ${RUN_FILES.steps} ${w}`);
  const d = diagnose(steps);
  if (f.json) {
    process.stdout.write(JSON.stringify(d) + '\n');
    return;
  }
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
}

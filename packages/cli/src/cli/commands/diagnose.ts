import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Cause, Diagnosis } from 'gradclip';
import { COMPARE_FILE, loadRun, runFile, type LoadedRun } from '../../run-folder/index.js';
import { asUsage, UsageError } from '../errors.js';

/** The ranked causes in plain text: one numbered block per cause, its evidence and its fixes. */
export function formatCauses(causes: readonly Cause[]): string[] {
  const out: string[] = [];
  causes.forEach((c, i) => {
    out.push(`  ${i + 1}. ${c.cause} (confidence ${c.confidence.toFixed(2)})`);
    for (const e of c.evidence) out.push(`     evidence: ${e}`);
    for (const f of c.fixes) out.push(`     fix: ${f}`);
  });
  return out;
}

function printDiagnosis(dir: string, run: LoadedRun, d: Diagnosis, baseline: string | null): void {
  const s = run.summary;
  const interrupted = run.incomplete === undefined && s.interrupted === true;
  if (run.incomplete !== undefined) console.log(`run: ${dir} is INCOMPLETE (${run.incomplete}); diagnosing its ${run.steps.length} steps`);
  else if (interrupted) console.log(`run: ${dir} was INTERRUPTED at step ${s.steps} of ${s.config.steps}`);
  console.log(`status: ${d.status}${d.firstEventStep !== null ? ` (from step ${d.firstEventStep})` : ''}${d.flags.length ? ` [${d.flags.join(', ')}]` : ''}`);
  console.log(d.summary);
  const causes = d.causes ?? [];
  if (causes.length) {
    console.log(`\ncauses, most likely first${baseline !== null ? ` (unclipped baseline: ${baseline})` : ''}:`);
    for (const line of formatCauses(causes)) console.log(line);
  }
  if (d.findings.length) {
    console.log('\nfindings:');
    for (const x of d.findings) console.log(`  - ${x.message}`);
  }
  if (d.recommendations.length) {
    console.log('\nrecommendations:');
    for (const r of d.recommendations) console.log(`  - ${r}`);
  }
}

/**
 * A clear error for a path that is not a run folder but near one: a file
 * (such as its `steps.jsonl`: give its folder) or a folder that holds run
 * folders without being a comparison (such as `runs/`: give one of them).
 */
export function checkRunFolderArgument(command: string, dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`${command}: ${dir} does not exist; give a run folder (one written by gradclip train, compare or demo, or by openRunWriters)`);
  }
  if (!isDir) throw new UsageError(`${command}: ${dir} is a file; give the run folder that holds it (${dirname(dir)})`);
  if (existsSync(runFile(dir, 'steps')) || existsSync(join(dir, COMPARE_FILE))) return;
  let runs: string[] = [];
  try {
    runs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(runFile(join(dir, e.name), 'steps'))).map((e) => e.name);
  } catch {
    return;
  }
  if (runs.length > 0) {
    const list = runs.slice(0, 5).map((r) => join(dir, r)).join(', ');
    throw new UsageError(`${command}: ${dir} is not a run folder but holds ${runs.length} of them (${list}${runs.length > 5 ? ', ...' : ''}); give one of them`);
  }
}

/** The run folders of a comparison folder (its `compare.json`'s `runs` that exist), or null when `dir` is not one. */
function comparisonRuns(dir: string): string[] | null {
  const marker = join(dir, COMPARE_FILE);
  if (existsSync(runFile(dir, 'steps')) || !existsSync(marker)) return null;
  try {
    const c = JSON.parse(readFileSync(marker, 'utf8')) as { runs?: unknown };
    if (!Array.isArray(c.runs)) return null;
    return c.runs.filter((r): r is string => typeof r === 'string').map((r) => join(dir, r)).filter((r) => existsSync(runFile(r, 'steps')));
  } catch {
    return null;
  }
}

/**
 * `gradclip diagnose <dir>`: prints the diagnosis of a run (JSON with --json):
 * the ranked causes (cause, confidence, evidence, fixes) first, then the
 * findings and recommendations. The diagnosis gets the context of the run's
 * `config.json` (model, layers, optimizer, learning rate, clipping; see
 * `diagnoseContextOf` in train/diagnose-context.ts) and, when an unclipped sibling run of the same
 * configuration exists (a comparison folder, or `gradclip train`'s default
 * folder names), whether it diverged.
 * Needs only `steps.jsonl`, so it also works on a run still being written, a
 * run that was killed (no `summary.json`: the output says it is incomplete)
 * and on logs written by the library (`openRunWriters` + `gradStatsCallback`).
 * With --json the diagnosis gets `incomplete` (why) or `interrupted: true`
 * when the run did not finish. Given a comparison folder (`compare.json`, no
 * `steps.jsonl`), it diagnoses each of its runs (with --json:
 * `{runs: [{dir, ...diagnosis}]}`).
 */
export async function diagnoseCommand(dir: string, f: { json: boolean }): Promise<number> {
  checkRunFolderArgument('diagnose', dir);
  const runs = comparisonRuns(dir);
  const dirs = runs ?? [dir];
  if (runs && runs.length === 0 && !f.json) console.log(`${dir} is a comparison folder with no runs yet`);
  const results: Record<string, unknown>[] = [];
  for (const [i, d] of dirs.entries()) {
    const run = asUsage(() => loadRun(d, undefined, `write one with "gradclip train --out ${d}" or openRunWriters`));
    for (const w of run.warnings) console.error(`warning: ${w}`);
    const { diagnosis } = run;
    const baseline = run.unclippedBaseline ?? null;
    const interrupted = run.incomplete === undefined && run.summary.interrupted === true;
    if (f.json) {
      const extra = run.incomplete !== undefined ? { incomplete: run.incomplete } : interrupted ? { interrupted: true } : {};
      results.push({ ...(runs ? { dir: d } : {}), ...diagnosis, unclippedBaseline: baseline, ...extra });
    } else {
      if (runs) console.log(`${i > 0 ? '\n' : ''}== ${d}`);
      printDiagnosis(d, run, diagnosis, baseline);
    }
  }
  if (f.json) process.stdout.write(JSON.stringify(runs ? { runs: results } : results[0]) + '\n');
  return 0;
}

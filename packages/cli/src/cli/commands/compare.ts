import { join } from 'node:path';
import { formatNumber } from 'gradclip/internal';
import { writeComparisonReport } from '../../report/index.js';
import { setupBackend } from '../backend.js';
import { asUsage, EXIT, UsageError } from '../errors.js';
import { CLI_DIGITS, table } from '../format.js';
import type { RunFlags } from '../options.js';
import { StopController } from '../stop.js';
import { trainToFolder } from '../train-run.js';
import { checkOut, loadText, parseSeeds, planComparison } from '../validate.js';
import { describeIoError, findErrnoError, prepareOutFolder, rollbackIfNoSteps, RUN_FILES, writeCompareStart, COMPARE_FILE, type LoadedRun, type PreparedOutFolder } from '../../run-folder/index.js';

export { parseSeeds } from '../validate.js';

/** Flags of `gradclip compare`. */
export interface CompareFlags extends RunFlags {
  /** The comparison folder. */
  out?: string;
  /** Empty a non-empty comparison folder first. */
  overwrite?: boolean;
  /** `--seeds 1,2,3` or `1-5`. */
  seeds?: string;
  /** Print the JSON object as the last stdout line. */
  json: boolean;
  /** Write the HTML reports and PNG charts. */
  report: boolean;
  /** Show the progress bars. */
  progress: boolean;
}

/** Result of a comparison. */
export interface CompareResult {
  /** The comparison folder. */
  out: string;
  /** The runs done, in run order (fewer than planned when interrupted). */
  runs: LoadedRun[];
  /** A signal stopped the comparison. */
  interrupted: boolean;
  /** The exit code: 0, or 130/143 when interrupted. */
  exitCode: number;
}

/** Options of {@link runComparison}. */
export interface ComparisonOptions {
  /** The flags given on the command line (`givenOptions`). @default [] */
  given?: readonly string[];
  /** Print no table (the demo prints its own). @default false */
  quiet?: boolean;
  /** Called once everything is checked, before the folder is prepared and the first run starts. */
  onStart?: () => void;
}

/**
 * Runs the same model, data and seed under each clipping method (and each
 * seed), and writes one comparison report. Every run is planned and checked
 * before the folder is touched. A signal stops the current run after its
 * step; the runs not started are skipped, and the report and JSON cover the
 * runs done.
 */
export async function runComparison(f: CompareFlags, options: ComparisonOptions = {}): Promise<CompareResult> {
  const given = options.given ?? [];
  if (f.seeds !== undefined && given.includes('seed')) {
    throw new UsageError('--seed has no effect with --seeds: the runs use the seeds of --seeds (drop one of them)');
  }
  const seeds = f.seeds !== undefined ? parseSeeds(f.seeds) : [f.seed];
  const plan = planComparison(f, seeds, given);
  const base = plan[0].config;
  const text = loadText(base);
  const out = f.out ?? `runs/compare-${base.task}-${base.model}`;
  const outPlan = checkOut(out, f.overwrite ?? false);
  options.onStart?.();
  const backend = await setupBackend(f.backend);
  // From here on a signal stops the comparison instead of killing the process.
  const stop = new StopController().install();
  const runs: LoadedRun[] = [];
  let prepared: PreparedOutFolder | null = null;
  try {
    prepared = asUsage(() => prepareOutFolder(outPlan));
    try {
      writeCompareStart(out, { clips: [...new Set(plan.map((p) => p.clip.text))], seeds, runs: plan.map((p) => p.folder), startedAt: new Date().toISOString() });
    } catch (e) {
      throw findErrnoError(e) !== null ? new UsageError(describeIoError(e, 'write', join(out, COMPARE_FILE))) : e;
    }
    for (const p of plan) {
      if (stop.requested) break;
      const run = await trainToFolder(p.config, join(out, p.folder), { progress: f.progress, report: f.report, label: p.label, stop, text, backend });
      run.name = p.label;
      runs.push(run);
    }
    if (f.report && runs.length > 0) {
      const desc = `${base.task}, ${base.model}${base.init ? ` (init ${base.init})` : ''}${base.text ? ` (text ${base.text})` : ''}, T=${base.length}, batch ${base.batch}, ${base.optimizer} lr ${base.lr}, ${base.steps} steps, seeds ${seeds.join(',')}${stop.requested ? ` (interrupted: ${runs.length} of ${plan.length} runs)` : ''}`;
      try {
        await writeComparisonReport(out, runs, { title: `gradclip compare: ${base.task} / ${base.model}`, description: desc });
      } catch (e) {
        throw findErrnoError(e) !== null ? new UsageError(describeIoError(e, 'write the comparison report in', out)) : e;
      }
    }
  } catch (e) {
    if (prepared !== null) rollbackIfNoSteps(prepared);
    throw e;
  } finally {
    stop.uninstall();
  }
  const interrupted = stop.requested && (runs.length < plan.length || runs.some((r) => r.summary.interrupted));
  if (interrupted && runs.length < plan.length) {
    process.stderr.write(`gradclip: ${stop.signal}: ${runs.length} of ${plan.length} runs done; the others were not started\n`);
  }
  if (f.json) {
    process.stdout.write(JSON.stringify({ out, interrupted, runs: runs.map((r) => ({ name: r.name, dir: r.dir, ...r.summary })) }) + '\n');
  } else if (!options.quiet) {
    printComparison(runs);
    if (f.report && runs.length > 0) console.log(`\nreport: ${join(out, RUN_FILES.report)}`);
  }
  return { out, runs, interrupted, exitCode: interrupted ? (stop.exitCode ?? EXIT.sigint) : EXIT.ok };
}

/** Prints one row per run. */
export function printComparison(runs: readonly LoadedRun[]): void {
  // a column of rollbacks when the runs used --recover
  const recover = runs.some((r) => r.summary.config.recover === true);
  const rows = runs.map((r) => {
    const s = r.summary;
    const row = [
      s.interrupted ? `${r.name} (interrupted at ${s.steps})` : r.name,
      s.diverged ? `yes (step ${s.divergedAtStep})` : 'no',
      formatNumber(s.finalLoss, CLI_DIGITS),
      s.errorRate === null ? formatNumber(null) : `${formatNumber(s.errorRate * 100, 3)}%`,
      formatNumber(s.medianPreClipNorm, CLI_DIGITS),
      formatNumber(s.maxPreClipNorm, CLI_DIGITS),
      `${formatNumber(s.clipRate * 100, 3)}%`,
    ];
    if (recover) row.push(`${s.recoveries} (${s.lostSteps} steps lost)`);
    return row;
  });
  const head = ['run', 'diverged', 'final loss', 'error rate', 'median norm', 'max norm', 'clip rate'];
  console.log(table(recover ? [...head, 'recoveries'] : head, rows));
}

/**
 * `gradclip compare`; returns the exit code.
 *
 * @param given - the flags given on the command line (`givenOptions`)
 */
export async function compareCommand(f: CompareFlags, given: readonly string[] = []): Promise<number> {
  return (await runComparison(f, { given })).exitCode;
}

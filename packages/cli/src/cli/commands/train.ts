import { formatNumber } from 'gradclip/internal';
import { setupBackend } from '../backend.js';
import { EXIT } from '../errors.js';
import { CLI_DIGITS, slug } from '../format.js';
import type { RunFlags } from '../options.js';
import { StopController } from '../stop.js';
import { trainToFolder } from '../train-run.js';
import { checkOut, loadText, resolveFlags } from '../validate.js';
import { asUsage } from '../errors.js';
import { prepareOutFolder, rollbackIfNoSteps, RUN_FILES } from '../../run-folder/index.js';

/** Flags of `gradclip train`. */
export interface TrainFlags extends RunFlags {
  /** The run folder. */
  out?: string;
  /** Empty a non-empty run folder first. */
  overwrite: boolean;
  /** Print the summary as the last stdout line. */
  json: boolean;
  /** Write the HTML report and PNG charts. */
  report: boolean;
  /** Show the progress bar. */
  progress: boolean;
}

/**
 * `gradclip train`: one run → run folder (+ JSON summary on stdout with
 * --json). Everything is checked before the folder is touched; returns the
 * exit code (0, or 130/143 when a signal stopped the run).
 *
 * @param given - the flags given on the command line (`givenOptions`)
 */
export async function trainCommand(f: TrainFlags, given: readonly string[] = []): Promise<number> {
  const config = resolveFlags(f, given);
  const text = loadText(config);
  const out = f.out ?? `runs/${config.task}-${config.model}-${slug(config.clip)}-seed${config.seed}`;
  const plan = checkOut(out, f.overwrite);
  const backend = await setupBackend(f.backend);
  // From here on a signal stops the run instead of killing the process (a run stopped before its first step has 0 steps).
  const stop = new StopController().install();
  let run;
  try {
    const prepared = asUsage(() => prepareOutFolder(plan));
    try {
      run = await trainToFolder(config, out, { progress: f.progress, report: f.report, label: config.clip, stop, text, backend });
    } catch (e) {
      rollbackIfNoSteps(prepared);
      throw e;
    }
  } finally {
    stop.uninstall();
  }
  const s = run.summary;
  const code = s.interrupted ? (stop.exitCode ?? EXIT.sigint) : EXIT.ok;
  if (f.json) {
    process.stdout.write(JSON.stringify(s) + '\n');
    return code;
  }
  console.log(`run folder: ${out}`);
  if (s.interrupted) console.log(`INTERRUPTED by ${stop.signal} after ${s.steps} of ${config.steps} steps`);
  console.log(
    s.diverged
      ? `DIVERGED at step ${s.divergedAtStep} (${config.recover ? `non-finite again after ${s.recoveries} rollbacks, the most --recover allows` : 'non-finite loss or weights'})`
      : `${s.interrupted ? 'ran' : 'finished'} ${s.steps} steps: final loss ${formatNumber(s.finalLoss, CLI_DIGITS)}${s.errorRate !== null ? `, error rate ${formatNumber(s.errorRate * 100, 3)}% on ${config.evalSize} fresh sequences` : ''}${s.evalLoss !== null ? `, eval loss ${formatNumber(s.evalLoss, CLI_DIGITS)}` : ''}`,
  );
  console.log(`pre-clip norm: median ${formatNumber(s.medianPreClipNorm, CLI_DIGITS)}, max ${formatNumber(s.maxPreClipNorm, CLI_DIGITS)}; clip rate ${formatNumber(s.clipRate * 100, 3)}%`);
  if (config.recover) console.log(`recover: ${s.recoveries} rollback${s.recoveries === 1 ? '' : 's'} to the last good snapshot, ${s.lostSteps} step${s.lostSteps === 1 ? '' : 's'} lost`);
  console.log(`diagnosis: ${run.diagnosis.summary}`);
  if (f.report) console.log(`report: ${out}/${RUN_FILES.report}`);
  return code;
}

import { formatNumber } from 'gradclip/internal';
import { setupBackend } from '../backend.js';
import { EXIT } from '../errors.js';
import { CLI_DIGITS, slug } from '../format.js';
import type { RunFlags } from '../options.js';
import { StopController } from '../stop.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainToFolder, type TrainToFolderOptions } from '../train-run.js';
import { UsageError } from '../errors.js';
import { flagName, resolveRunConfig, type RunConfig } from '../../train/config.js';
import type { TrainingState } from '../../train/experiment.js';
import { CHECKPOINT_FILE, RUN_START_FILE } from '../../run-folder/layout.js';
import { readRunStart, readRunSteps } from '../../run-folder/load.js';
import type { LoadedRun } from '../../run-folder/index.js';
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
  /** Write checkpoint.json every this many steps (0: never). */
  checkpointEvery?: number;
  /** Continue the run of this folder from its checkpoint. */
  resume?: string;
}

/** The flags `--resume` may be combined with (the rest of the configuration comes from the folder's config.json). */
const RESUME_FLAGS = new Set(['resume', 'steps', 'checkpointEvery', 'backend', 'json', 'report', 'progress']);

/** Reads the run folder of `--resume` and its checkpoint, as a UsageError on failure. */
function loadResume(dir: string, f: TrainFlags, given: readonly string[]): { config: RunConfig; resume: NonNullable<TrainToFolderOptions['resume']> } {
  const other = given.find((k) => !RESUME_FLAGS.has(k));
  if (other !== undefined) throw new UsageError(`--resume ${dir}: ${flagName(other)} cannot be combined with --resume (the run's configuration comes from ${join(dir, RUN_START_FILE)}; only --steps, --checkpoint-every, --backend, --json, --no-report and --no-progress may be given)`);
  const ck = join(dir, CHECKPOINT_FILE);
  if (!existsSync(ck)) throw new UsageError(`--resume ${dir}: ${ck} is missing (train with --checkpoint-every <n> to write one)`);
  const start = readRunStart(dir);
  if (start === null) throw new UsageError(`--resume ${dir}: ${join(dir, RUN_START_FILE)} is missing or unreadable`);
  let state: TrainingState;
  try {
    state = JSON.parse(readFileSync(ck, 'utf8')) as TrainingState;
  } catch (e) {
    throw new UsageError(`--resume ${dir}: cannot read ${ck}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (given.includes('backend') && f.backend !== start.backend) throw new UsageError(`--resume ${dir}: the run used --backend ${start.backend}; resuming on ${f.backend} would not continue it bit-identically`);
  const partial: Partial<RunConfig> = { ...start.config };
  if (given.includes('steps')) partial.steps = f.steps;
  const config = asUsage(() => resolveRunConfig(partial));
  if (config.steps <= state.step) throw new UsageError(`--resume ${dir}: the checkpoint is at step ${state.step} and the run has --steps ${config.steps}: give a larger --steps to extend it`);
  const stats = asUsage(() => readRunSteps(dir)).steps.filter((s) => s.step <= state.step);
  return { config, resume: { state, stats, start } };
}

/**
 * `gradclip train`: one run → run folder (+ JSON summary on stdout with
 * --json). Everything is checked before the folder is touched; returns the
 * exit code (0, or 130/143 when a signal stopped the run).
 *
 * @param given - the flags given on the command line (`givenOptions`)
 */
export async function trainCommand(f: TrainFlags, given: readonly string[] = []): Promise<number> {
  const every = f.checkpointEvery ?? 0;
  if (!Number.isInteger(every) || every < 0) throw new UsageError(`--checkpoint-every must be an integer >= 0, got ${String(every)}`);
  const resumed = f.resume !== undefined ? loadResume(f.resume, f, given) : null;
  const config = resumed?.config ?? resolveFlags(f, given.filter((k) => k !== 'checkpointEvery'));
  if (given.includes('checkpointEvery') && every > config.steps) throw new UsageError(`--checkpoint-every ${every} has no effect: no checkpoint falls within --steps ${config.steps}`);
  const text = loadText(config);
  const out = f.resume ?? f.out ?? `runs/${config.task}-${config.model}-${slug(config.clip)}-seed${config.seed}`;
  const backend = await setupBackend(resumed?.resume.start.backend ?? f.backend);
  if (resumed !== null) {
    const stop = new StopController().install();
    let run;
    try {
      run = await trainToFolder(config, out, { progress: f.progress, report: f.report, label: config.clip, stop, text, backend, checkpointEvery: every, resume: resumed.resume });
    } finally {
      stop.uninstall();
    }
    return report(run, config, out, f, stop);
  }
  const plan = checkOut(out, f.overwrite);
  // From here on a signal stops the run instead of killing the process (a run stopped before its first step has 0 steps).
  const stop = new StopController().install();
  let run;
  try {
    const prepared = asUsage(() => prepareOutFolder(plan));
    try {
      run = await trainToFolder(config, out, { progress: f.progress, report: f.report, label: config.clip, stop, text, backend, checkpointEvery: every });
    } catch (e) {
      rollbackIfNoSteps(prepared);
      throw e;
    }
  } finally {
    stop.uninstall();
  }
  return report(run, config, out, f, stop);
}

/** Prints the end of a run (or its JSON summary) and returns the exit code. */
function report(run: LoadedRun, config: RunConfig, out: string, f: TrainFlags, stop: StopController): number {
  const s = run.summary;
  const code = s.interrupted ? (stop.exitCode ?? EXIT.sigint) : EXIT.ok;
  if (f.json) {
    process.stdout.write(JSON.stringify(s) + '\n');
    return code;
  }
  console.log(`run folder: ${out}`);
  if (s.interrupted) {
    const every = f.checkpointEvery ?? 0;
    const resume = every > 0 && !s.diverged ? `; checkpointed: continue with gradclip train --resume ${out}` : '';
    console.log(`INTERRUPTED by ${stop.signal} after ${s.steps} of ${config.steps} steps${resume}`);
  }
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

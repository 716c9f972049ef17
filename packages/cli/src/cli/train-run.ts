/**
 * Runs one experiment with a progress bar and writes its run folder: the
 * start record `config.json`, the step logs as the steps come, then
 * `evals.json`, `summary.json` and the report. A first SIGINT/SIGTERM
 * (see `StopController`) stops it after the current step, and the files are
 * written as for a finished run, with `"interrupted": true` in the summary.
 * File-system failures (a full disk, a folder made read-only) become one
 * line naming the path (a {@link UsageError}, exit 2).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { GradclipArgumentError } from 'gradclip';
import { diagnoseFolder } from '../run-folder/diagnosis.js';
import { openRunWriters, type RunWriters } from 'gradclip/node';
import { ClipRateWindow, formatNumber } from 'gradclip/internal';
import { encodeJsonlLine, type StepStats } from 'gradclip';
import { Experiment, type TrainingState } from '../train/experiment.js';
import { CHECKPOINT_FILE } from '../run-folder/layout.js';
import { writeRunFile } from '../run-folder/write.js';
import { acquireRunLock } from '../run-folder/lock.js';
import type { RunConfig } from '../train/config.js';
import { summarizeRun, type RunSummary } from '../train/summary.js';
import { writeRunReport } from '../report/index.js';
import { describeIoError, findErrnoError, isTfEventsFile, RUN_FILES, runFile, writeRunStart, writeSummary, type LoadedRun } from '../run-folder/index.js';
import type { RunStart } from '../run-folder/types.js';
import { readTrajectory, TrajectoryRecorder, writeTrajectory } from '../run-folder/trajectory.js';
import { CLI_DIGITS } from './format.js';
import { UsageError } from './errors.js';
import type { StopController } from './stop.js';
import type { LoadedText } from './validate.js';

/** Options of {@link trainToFolder}. */
export interface TrainToFolderOptions {
  /** Show a progress bar on stderr. */
  progress: boolean;
  /** Write the HTML report and the PNG charts. */
  report: boolean;
  /** Label shown in front of the progress bar. */
  label?: string;
  /** Stops the run after the current step once a signal arrived. */
  stop?: StopController;
  /** charlm: the `--text` file of `config.text`, read and checked. */
  text?: LoadedText | null;
  /** The TF.js backend in use (recorded in `config.json` and the summary). */
  backend: string;
  /** Write `checkpoint.json` (atomically) after every this many steps (0 or absent: never). */
  checkpointEvery?: number;
  /** Continue the run of `dir` from this checkpoint; `stats` are its step records up to the checkpoint's step. */
  resume?: { state: TrainingState; stats: StepStats[]; start: RunStart };
}

/** A file-system error as a UsageError `cannot <verb> <path>: ...`; any other error as it is. */
function ioFailure(e: unknown, verb: string, path: string): unknown {
  return findErrnoError(e) !== null ? new UsageError(describeIoError(e, verb, path)) : e;
}

/** Runs `f`, turning a file-system error into a UsageError (see {@link ioFailure}). */
function io<T>(verb: string, path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw ioFailure(e, verb, path);
  }
}

/** Lets the event loop run (the progress bar's timer, signal handlers). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Trains one run into the (prepared, empty) folder `dir`, streaming StepStats
 * to its logs; returns the run as loaded from the folder would be
 * (`summary.interrupted` says whether a signal cut it short).
 *
 * @throws UsageError when a file cannot be written (the message names the path)
 */
export async function trainToFolder(config: RunConfig, dir: string, opts: TrainToFolderOptions): Promise<LoadedRun> {
  const text = opts.text ?? null;
  const lock = io('lock', dir, () => {
    try {
      return acquireRunLock(dir);
    } catch (e) {
      throw e instanceof GradclipArgumentError ? new UsageError(e.message) : e;
    }
  });
  let exp: Experiment;
  try {
    exp = new Experiment(config, text ? { text: { text: text.file.text, source: text.source.path } } : {});
  } catch (e) {
    lock.release();
    throw e;
  }
  let writers: RunWriters | null = null;
  let bar: cliProgress.SingleBar | null = null;
  try {
    const resume = opts.resume;
    if (resume) {
      try {
        exp.restoreState(resume.state, resume.stats);
      } catch (e) {
        if (!(e instanceof GradclipArgumentError)) throw e;
        throw new UsageError(`--resume ${dir}: ${join(dir, CHECKPOINT_FILE)} does not fit this run (${e.message}); train the run again with --checkpoint-every <n>`);
      }
      // Keep the start record (with the extended --steps) and drop the step records written after the checkpoint.
      io('write', runFile(dir, 'start'), () => writeRunStart(dir, { ...resume.start, config: exp.config, checkpointEvery: opts.checkpointEvery ?? 0 }));
      io('write', runFile(dir, 'steps'), () => writeRunFile(dir, RUN_FILES.steps, resume.stats.map((s) => encodeJsonlLine(s) + '\n').join('')));
      // TensorBoard reads every event file of the folder: replace them by one holding the kept records, so no step appears twice.
      io('rewrite the TensorBoard events in', dir, () => {
        for (const f of readdirSync(dir)) if (isTfEventsFile(f)) rmSync(join(dir, f));
        const tb = openRunWriters(dir, { jsonl: false, tensorboard: true, summary: false });
        for (const s of resume.stats) tb.write(s);
        tb.close();
      });
    } else {
      io('write', runFile(dir, 'start'), () => writeRunStart(dir, { config: exp.config, text: text?.source ?? null, backend: opts.backend, startedAt: new Date().toISOString(), checkpointEvery: opts.checkpointEvery ?? 0 }));
    }
    const every = opts.checkpointEvery ?? 0;
    // The cliff: its (w, b) path, kept whole across --resume (trajectory.json, see run-folder/trajectory.ts).
    const start = exp.cliffParams();
    const prev = resume && start ? readTrajectory(dir) : null;
    const path = start ? new TrajectoryRecorder(start, exp.stepsDone, prev && 'trajectory' in prev ? prev.trajectory : null) : null;
    const savePath = (): void => {
      if (path) io('write', runFile(dir, 'trajectory'), () => writeTrajectory(dir, path.trajectory));
    };
    let checkpointStep = resume?.state.step ?? -1;
    const saveCheckpoint = (w: RunWriters): void => {
      savePath();
      io('write', join(dir, CHECKPOINT_FILE), () => {
        w.flush();
        writeRunFile(dir, CHECKPOINT_FILE, JSON.stringify(exp.saveState()) + '\n');
      });
      checkpointStep = exp.stepsDone;
    };
    writers = io('open the step logs in', dir, () => openRunWriters(dir, { jsonl: true, tensorboard: true, summary: false }));
    bar = opts.progress
      ? new cliProgress.SingleBar(
          {
            format: `${opts.label ? opts.label.padEnd(14) + ' ' : ''}{bar} {value}/{total} | loss {loss} | norm {norm} | clip rate (last 100) {rate}{status}`,
            barsize: 24,
            hideCursor: true,
            stream: process.stderr,
            noTTYOutput: true,
            notTTYSchedule: 5000,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    const none = formatNumber(null);
    bar?.start(exp.config.steps, exp.stepsDone, { loss: none, norm: none, rate: none, status: '' });
    const clipRate = new ClipRateWindow(100);
    while (!exp.done && !opts.stop?.requested) {
      const s = exp.step();
      try {
        writers.write(s);
      } catch (e) {
        throw new UsageError(`${describeIoError(e, 'write the step logs in', dir)}; the run stopped at step ${s.step} (gradclip report and diagnose read the steps written so far)`);
      }
      clipRate.push(s);
      const pos = path ? exp.cliffParams() : null;
      if (path && pos) path.push(s.step, pos);
      if (every > 0 && s.step % every === 0) saveCheckpoint(writers);
      const status = exp.divergedAtStep !== null ? ` | DIVERGED at step ${exp.divergedAtStep}` : '';
      bar?.update(s.step, { loss: formatNumber(s.loss, CLI_DIGITS), norm: formatNumber(s.preClipNorm, CLI_DIGITS), rate: formatNumber(clipRate.rate, 2), status });
      // Let the progress bar and the signal handlers through after every step.
      await yieldToEventLoop();
    }
    bar?.stop();
    const interrupted = !exp.done;
    // A signal: checkpoint the step it stopped after, so --resume loses nothing.
    if (interrupted && every > 0 && checkpointStep !== exp.stepsDone && exp.divergedAtStep === null) saveCheckpoint(writers);
    if (interrupted) {
      const sig = opts.stop?.signal ?? 'a signal';
      process.stderr.write(
        `gradclip: ${sig} received: stopped after step ${exp.stepsDone} of ${exp.config.steps}${opts.label ? ` (${opts.label})` : ''}; writing ${RUN_FILES.summary}${opts.report ? ' and the report' : ''} (${sig} again exits at once)\n`,
      );
    }
    const last = exp.evals[exp.evals.length - 1] ?? null;
    const finalEval = exp.divergedAtStep === null && !interrupted ? exp.evaluate() : last;
    const summary: RunSummary = summarizeRun({
      config: exp.config,
      stats: exp.stats,
      divergedAtStep: exp.divergedAtStep,
      finalEval,
      entropyBaseline: exp.entropyBaseline,
      wallSeconds: exp.wallSeconds,
      backend: opts.backend,
      interrupted,
      text: text?.source ?? null,
    });
    const w = writers;
    writers = null;
    io('finish the step logs in', dir, () => w.close());
    savePath();
    io('write', runFile(dir, 'summary'), () => writeSummary(dir, summary, exp.evals));
    const diagnosed = diagnoseFolder(dir, exp.stats, exp.config);
    const run: LoadedRun = {
      name: exp.config.clip,
      dir,
      summary,
      steps: exp.stats,
      evals: exp.evals,
      diagnosis: diagnosed.diagnosis,
      unclippedBaseline: diagnosed.baseline,
      warnings: [],
    };
    if (path) run.trajectory = path.trajectory;
    if (opts.report) {
      try {
        await writeRunReport(dir, run);
      } catch (e) {
        throw ioFailure(e, 'write the report in', dir);
      }
    }
    return run;
  } finally {
    bar?.stop();
    try {
      writers?.close();
    } catch {
      // already failing: the first error is the one to report
    }
    exp.dispose();
    lock.release();
  }
}

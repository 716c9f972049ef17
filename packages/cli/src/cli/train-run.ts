/**
 * Runs one experiment with a progress bar and writes its run folder.
 */
import cliProgress from 'cli-progress';
import * as tf from '@tensorflow/tfjs';
import { diagnose } from 'gradclip';
import { openRunWriters } from 'gradclip/node';
import { ClipRateWindow, formatNumber } from 'gradclip/internal';
import { Experiment } from '../train/experiment.js';
import type { RunConfig } from '../train/config.js';
import { summarizeRun, type RunSummary } from '../train/summary.js';
import { writeRunReport } from '../report/index.js';
import { writeSummary, type LoadedRun } from '../run-folder/index.js';
import { CLI_DIGITS } from './format.js';

/** Options of {@link trainToFolder}. */
export interface TrainToFolderOptions {
  /** Show a progress bar on stderr. */
  progress: boolean;
  /** Write the HTML report and the PNG charts. */
  report: boolean;
  /** Label shown in front of the progress bar. */
  label?: string;
}

/** Trains one run, streaming StepStats to the folder's logs; returns the loaded run. */
export async function trainToFolder(config: Partial<RunConfig>, dir: string, opts: TrainToFolderOptions): Promise<LoadedRun> {
  const exp = new Experiment(config);
  const writers = openRunWriters(dir, { jsonl: true, tensorboard: true });
  const bar = opts.progress
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
  bar?.start(exp.config.steps, 0, { loss: none, norm: none, rate: none, status: '' });
  const clipRate = new ClipRateWindow(100);
  let lastYield = Date.now();
  try {
    while (!exp.done) {
      const s = exp.step();
      writers.write(s);
      clipRate.push(s);
      const status = exp.divergedAtStep !== null ? ` | DIVERGED at step ${exp.divergedAtStep}` : '';
      bar?.update(s.step, { loss: formatNumber(s.loss, CLI_DIGITS), norm: formatNumber(s.preClipNorm, CLI_DIGITS), rate: formatNumber(clipRate.rate, 2), status });
      if (Date.now() - lastYield > 200) {
        // Let the progress bar and signals through.
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
    bar?.stop();
    const finalEval = exp.divergedAtStep === null ? exp.evaluate() : exp.evals[exp.evals.length - 1] ?? null;
    const summary: RunSummary = summarizeRun({
      config: exp.config,
      stats: exp.stats,
      divergedAtStep: exp.divergedAtStep,
      finalEval,
      entropyBaseline: exp.entropyBaseline,
      wallSeconds: exp.wallSeconds,
      backend: tf.getBackend(),
    });
    writers.close();
    writeSummary(dir, summary, exp.evals);
    const run: LoadedRun = {
      name: exp.config.clip,
      dir,
      summary,
      steps: exp.stats,
      evals: exp.evals,
      diagnosis: diagnose(exp.stats),
      warnings: [],
    };
    if (opts.report) await writeRunReport(dir, run);
    return run;
  } finally {
    bar?.stop();
    writers.close();
    exp.dispose();
  }
}

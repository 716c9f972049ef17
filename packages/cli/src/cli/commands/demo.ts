import { DEFAULT_RUN_CONFIG } from '../../train/config.js';
import { formatNumber } from 'gradclip/internal';
import { RUN_FILES } from '../../run-folder/index.js';
import { CLI_DIGITS } from '../format.js';
import { printComparison, runComparison, type CompareFlags } from './compare.js';

/**
 * The demo configuration: Pascanu et al. 2013's addition task with a vanilla
 * tanh RNN whose recurrent weights start large (N(0, 0.2²), spectral radius
 * about 1.4), trained with plain SGD. Same model, data and seed for both runs.
 */
export const DEMO_FLAGS: Omit<CompareFlags, 'json' | 'report' | 'progress' | 'out' | 'overwrite' | 'backend'> = {
  ...DEFAULT_RUN_CONFIG,
  task: 'addition',
  model: 'rnn',
  init: 'normal:0.2',
  length: 20,
  batch: 20,
  steps: 3000,
  optimizer: 'sgd',
  lr: 0.1,
  clip: 'none,norm:1',
  seed: 1,
};

/** Flags of `gradclip demo`. */
export interface DemoFlags {
  /** The output folder. @default 'runs/demo' */
  out?: string;
  /** Empty a non-empty output folder first. */
  overwrite?: boolean;
  /** The TF.js backend. */
  backend: string;
  /** Steps per run. @default 3000 */
  steps?: number;
  /** Both runs with `withRecovery` (as `train --recover`). @default false */
  recover?: boolean;
  /** Both runs measure the gradient flow every this many steps (as `train --flow-every`). @default 0 */
  flowEvery?: number;
}

/** `gradclip demo`: the seed claim, live — the unclipped run diverges, the clipped one learns. Returns the exit code. */
export async function demoCommand(f: DemoFlags): Promise<number> {
  const flags: CompareFlags = { ...DEMO_FLAGS, steps: f.steps ?? DEMO_FLAGS.steps, recover: f.recover ?? false, flowEvery: f.flowEvery ?? 0, out: f.out ?? 'runs/demo', overwrite: f.overwrite ?? false, backend: f.backend, json: false, report: true, progress: true };
  const banner = (): void =>
    console.log(
      `gradclip demo: Pascanu et al. 2013 addition task (T=${flags.length}), tanh RNN with ${flags.hidden} units, init ${flags.init}, SGD lr ${flags.lr}, batch ${flags.batch}, ${flags.steps} steps, seed ${flags.seed}.\n` +
        `Two runs with the same model, data and seed: no clipping, and clipping the global gradient norm at 1.0${flags.recover ? '; both roll back to the last good snapshot on a non-finite step (--recover, at most 5 times)' : ''}.\n`,
    );
  const { out, runs, interrupted, exitCode } = await runComparison(flags, { quiet: true, onStart: banner });
  console.log('');
  printComparison(runs);
  const [none, clipped] = runs;
  console.log('');
  if (interrupted) {
    console.log(`Interrupted after ${runs.length} of 2 runs; run gradclip demo --overwrite for the whole demo.`);
    if (runs.length > 0) console.log(`\nReport: ${out}/${RUN_FILES.report}`);
    return exitCode;
  }
  if (none.summary.diverged) {
    const rolled = flags.recover ? ` (after ${none.summary.recoveries} rollbacks that lost ${none.summary.lostSteps} steps)` : '';
    console.log(`Without clipping the gradient norm reached ${formatNumber(none.summary.maxPreClipNorm, CLI_DIGITS)} and training went non-finite at step ${none.summary.divergedAtStep}${rolled}.`);
  } else if (flags.recover && none.summary.recoveries > 0) {
    console.log(`Without clipping the run went non-finite ${none.summary.recoveries} times and rolled back each time (${none.summary.lostSteps} steps lost); error rate ${formatNumber((none.summary.errorRate ?? NaN) * 100, 3)}%.`);
  } else {
    console.log(`Without clipping the run did not go non-finite this time (max gradient norm ${formatNumber(none.summary.maxPreClipNorm, CLI_DIGITS)}).`);
  }
  if (!clipped.summary.diverged) {
    console.log(
      `With clipping at 1.0 it trained all ${clipped.summary.steps} steps: final loss ${formatNumber(clipped.summary.finalLoss, CLI_DIGITS)}, error rate ${formatNumber((clipped.summary.errorRate ?? NaN) * 100, 3)}% (clipped on ${formatNumber(clipped.summary.clipRate * 100, 3)}% of steps).`,
    );
  }
  console.log(`\nReport: ${out}/${RUN_FILES.report}  (charts also as PNG in ${out}/)`);
  return exitCode;
}

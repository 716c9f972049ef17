import { GradclipArgumentError } from 'gradclip';
import { formatNumber, minOf } from 'gradclip/internal';
import { Experiment } from '../../train/experiment.js';
import { setupBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import { CLI_DIGITS } from '../format.js';
import type { RunFlags } from '../options.js';
import { loadText, resolveFlags } from '../validate.js';

/** Flags of `gradclip calibrate`. */
export interface CalibrateFlags extends RunFlags {
  /** Print the result as JSON. */
  json: boolean;
}

/**
 * `gradclip calibrate`: unclipped steps on the run's model and data →
 * recommended threshold and norm percentiles. It writes no files. The flags
 * calibration does not use (`--clip`, `--skip-non-finite`, `--eval-size`,
 * `--eval-every`, `--warmup`, `--no-stop-on-divergence`) are errors when given.
 *
 * @param given - the flags given on the command line (`givenOptions`)
 */
export async function calibrateCommand(f: CalibrateFlags, given: readonly string[] = []): Promise<number> {
  const config = resolveFlags({ ...f, clip: 'none' }, given, 'calibrate', 'none');
  const text = loadText(config);
  await setupBackend(f.backend);
  const exp = new Experiment(config, text ? { text: { text: text.file.text, source: text.source.path } } : {});
  try {
    let r;
    try {
      r = await exp.calibrate(config.steps);
    } catch (e) {
      if (!(e instanceof GradclipArgumentError)) throw e;
      throw new UsageError(`calibrate could not recommend a threshold: ${e.message.replace(/;.*$/, '')} (the unclipped run went non-finite: try a lower --lr, or more --steps)`);
    }
    if (f.json) {
      const { norms, losses, ...rest } = r;
      process.stdout.write(JSON.stringify({ ...rest, steps: norms.length }) + '\n');
      return 0;
    }
    const p = r.percentiles;
    console.log(`calibration: ${r.count} unclipped steps of ${config.task} / ${config.model} (${config.optimizer}, lr ${config.lr}), ${r.nonFinite} non-finite norms ignored`);
    console.log(`pre-clip global norm percentiles: p50 ${formatNumber(p.p50, CLI_DIGITS)}  p90 ${formatNumber(p.p90, CLI_DIGITS)}  p95 ${formatNumber(p.p95, CLI_DIGITS)}  p99 ${formatNumber(p.p99, CLI_DIGITS)}  max ${formatNumber(p.max, CLI_DIGITS)}`);
    console.log(`spikes: ${r.spikes.length}${r.spikes.length ? ` (smallest ${formatNumber(minOf(r.spikes.map((s) => s.norm)), CLI_DIGITS)})` : ''}`);
    console.log(`recommended threshold: ${formatNumber(r.threshold, CLI_DIGITS)}   →  --clip norm:${r.threshold}`);
    console.log(r.rationale);
    return 0;
  } finally {
    exp.dispose();
  }
}

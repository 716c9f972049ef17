import { resolveRunConfig } from '../../train/config.js';
import { Experiment } from '../../train/experiment.js';
import { setupBackend } from '../backend.js';
import { CLI_DIGITS } from '../format.js';
import { flagsToConfig, type RunFlags } from '../options.js';
import { UsageError } from '../errors.js';
import { formatNumber, minOf } from 'gradclip/internal';

/** Flags of `gradclip calibrate`. */
export interface CalibrateFlags extends RunFlags {
  json: boolean;
}

/** `gradclip calibrate`: unclipped steps on the run's model and data → recommended threshold and norm percentiles. */
export async function calibrateCommand(f: CalibrateFlags): Promise<void> {
  let config;
  try {
    config = resolveRunConfig({ ...flagsToConfig(f), clip: 'none' });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  await setupBackend(f.backend);
  const exp = new Experiment(config);
  try {
    const r = await exp.calibrate(config.steps);
    if (f.json) {
      const { norms, losses, ...rest } = r;
      process.stdout.write(JSON.stringify({ ...rest, steps: norms.length }) + '\n');
      return;
    }
    const p = r.percentiles;
    console.log(`calibration: ${r.count} unclipped steps of ${config.task} / ${config.model} (${config.optimizer}, lr ${config.lr}), ${r.nonFinite} non-finite norms ignored`);
    console.log(`pre-clip global norm percentiles: p50 ${formatNumber(p.p50, CLI_DIGITS)}  p90 ${formatNumber(p.p90, CLI_DIGITS)}  p95 ${formatNumber(p.p95, CLI_DIGITS)}  p99 ${formatNumber(p.p99, CLI_DIGITS)}  max ${formatNumber(p.max, CLI_DIGITS)}`);
    console.log(`spikes: ${r.spikes.length}${r.spikes.length ? ` (smallest ${formatNumber(minOf(r.spikes.map((s) => s.norm)), CLI_DIGITS)})` : ''}`);
    console.log(`recommended threshold: ${formatNumber(r.threshold, CLI_DIGITS)}   →  --clip norm:${r.threshold}`);
    console.log(r.rationale);
  } finally {
    exp.dispose();
  }
}

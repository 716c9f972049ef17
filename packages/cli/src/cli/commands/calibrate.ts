import { resolveRunConfig } from '../../train/config.js';
import { Experiment } from '../../train/experiment.js';
import { setupBackend } from '../backend.js';
import { fmt } from '../format.js';
import { flagsToConfig, type RunFlags } from '../options.js';
import { UsageError } from '../errors.js';
import { minOf } from 'gradclip/internal';

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
    console.log(`pre-clip global norm percentiles: p50 ${fmt(p.p50)}  p90 ${fmt(p.p90)}  p95 ${fmt(p.p95)}  p99 ${fmt(p.p99)}  max ${fmt(p.max)}`);
    console.log(`spikes: ${r.spikes.length}${r.spikes.length ? ` (smallest ${fmt(minOf(r.spikes.map((s) => s.norm)))})` : ''}`);
    console.log(`recommended threshold: ${fmt(r.threshold)}   →  --clip norm:${r.threshold}`);
    console.log(r.rationale);
  } finally {
    exp.dispose();
  }
}

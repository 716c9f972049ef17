import { resolveRunConfig } from '../../train/config.js';
import { setupBackend } from '../backend.js';
import { formatNumber } from 'gradclip/internal';
import { RUN_FILES } from '../../run-folder/index.js';
import { CLI_DIGITS, slug } from '../format.js';
import { flagsToConfig, type RunFlags } from '../options.js';
import { UsageError } from '../errors.js';
import { trainToFolder } from '../train-run.js';

/** Flags of `gradclip train`. */
export interface TrainFlags extends RunFlags {
  out?: string;
  json: boolean;
  report: boolean;
  progress: boolean;
}

/** `gradclip train`: one run → run folder (+ JSON summary on stdout with --json). */
export async function trainCommand(f: TrainFlags): Promise<void> {
  let config;
  try {
    config = resolveRunConfig(flagsToConfig(f));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const out = f.out ?? `runs/${config.task}-${config.model}-${slug(config.clip)}-seed${config.seed}`;
  await setupBackend(f.backend);
  const run = await trainToFolder(config, out, { progress: f.progress, report: f.report, label: config.clip });
  const s = run.summary;
  if (f.json) {
    process.stdout.write(JSON.stringify(s) + '\n');
    return;
  }
  console.log(`run folder: ${out}`);
  console.log(
    s.diverged
      ? `DIVERGED at step ${s.divergedAtStep} (non-finite loss or weights)`
      : `finished ${s.steps} steps: final loss ${formatNumber(s.finalLoss, CLI_DIGITS)}${s.errorRate !== null ? `, error rate ${formatNumber(s.errorRate * 100, 3)}% on ${config.evalSize} fresh sequences` : ''}${s.evalLoss !== null ? `, eval loss ${formatNumber(s.evalLoss, CLI_DIGITS)}` : ''}`,
  );
  console.log(`pre-clip norm: median ${formatNumber(s.medianPreClipNorm, CLI_DIGITS)}, max ${formatNumber(s.maxPreClipNorm, CLI_DIGITS)}; clip rate ${formatNumber(s.clipRate * 100, 3)}%`);
  console.log(`diagnosis: ${run.diagnosis.summary}`);
  if (f.report) console.log(`report: ${out}/${RUN_FILES.report}`);
}

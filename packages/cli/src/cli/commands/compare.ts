import { join } from 'node:path';
import { formatNumber } from 'gradclip/internal';
import { writeComparisonReport } from '../../report/index.js';
import { parseClipList } from '../../train/clip-spec.js';
import { resolveRunConfig } from '../../train/config.js';
import { setupBackend } from '../backend.js';
import { CLI_DIGITS, slug, table } from '../format.js';
import { flagsToConfig, type RunFlags } from '../options.js';
import { UsageError } from '../errors.js';
import { RUN_FILES, type LoadedRun } from '../../run-folder/index.js';
import { trainToFolder } from '../train-run.js';

/** Flags of `gradclip compare`. */
export interface CompareFlags extends RunFlags {
  out?: string;
  seeds?: string;
  json: boolean;
  report: boolean;
  progress: boolean;
}

/** Parses `--seeds 1,2,3` (or `1-5`). */
export function parseSeeds(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  const seeds = range
    ? Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i)
    : text.split(',').map((s) => Number(s.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new UsageError(`--seeds must be a comma-separated list of integers >= 0 or a range like 1-5, got "${text}"`);
  }
  return seeds;
}

/** Result of a comparison. */
export interface CompareResult {
  out: string;
  runs: LoadedRun[];
}

/** Runs the same model, data and seed under each clipping method (and each seed), and writes one comparison report. */
export async function runComparison(f: CompareFlags, quiet = false): Promise<CompareResult> {
  let clips;
  let seeds;
  try {
    clips = parseClipList(f.clip);
    seeds = f.seeds ? parseSeeds(f.seeds) : [f.seed];
    for (const c of clips) for (const s of seeds) resolveRunConfig(flagsToConfig(f, c.text, s));
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
  const base = resolveRunConfig(flagsToConfig(f, clips[0].text, seeds[0]));
  const out = f.out ?? `runs/compare-${base.task}-${base.model}`;
  await setupBackend(f.backend);
  const runs: LoadedRun[] = [];
  for (const seed of seeds) {
    for (const c of clips) {
      const dir = seeds.length > 1 ? join(out, `seed${seed}`, slug(c.text)) : join(out, slug(c.text));
      const label = seeds.length > 1 ? `${c.text} s${seed}` : c.text;
      const run = await trainToFolder(flagsToConfig(f, c.text, seed), dir, { progress: f.progress, report: f.report, label });
      run.name = label;
      runs.push(run);
    }
  }
  if (f.report) {
    const desc = `${base.task}, ${base.model}${base.init ? ` (init ${base.init})` : ''}, T=${base.length}, batch ${base.batch}, ${base.optimizer} lr ${base.lr}, ${base.steps} steps, seeds ${seeds.join(',')}`;
    await writeComparisonReport(out, runs, { title: `gradclip compare: ${base.task} / ${base.model}`, description: desc });
  }
  if (f.json) {
    process.stdout.write(JSON.stringify({ out, runs: runs.map((r) => ({ name: r.name, dir: r.dir, ...r.summary })) }) + '\n');
  } else if (!quiet) {
    printComparison(runs);
    if (f.report) console.log(`\nreport: ${join(out, RUN_FILES.report)}`);
  }
  return { out, runs };
}

/** Prints one row per run. */
export function printComparison(runs: readonly LoadedRun[]): void {
  const rows = runs.map((r) => {
    const s = r.summary;
    return [
      r.name,
      s.diverged ? `yes (step ${s.divergedAtStep})` : 'no',
      formatNumber(s.finalLoss, CLI_DIGITS),
      s.errorRate === null ? formatNumber(null) : `${formatNumber(s.errorRate * 100, 3)}%`,
      formatNumber(s.medianPreClipNorm, CLI_DIGITS),
      formatNumber(s.maxPreClipNorm, CLI_DIGITS),
      `${formatNumber(s.clipRate * 100, 3)}%`,
    ];
  });
  console.log(table(['run', 'diverged', 'final loss', 'error rate', 'median norm', 'max norm', 'clip rate'], rows));
}

/** `gradclip compare`. */
export async function compareCommand(f: CompareFlags): Promise<void> {
  await runComparison(f);
}

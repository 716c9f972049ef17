/**
 * The checks of the run commands that go beyond one run's configuration
 * (which `resolveRunConfig` checks): `--seeds`, the runs a comparison would
 * start, their folder names, the `--text` file, and the `--out` folder. All
 * of them run before anything is created or trained; each failure is a
 * {@link UsageError} (exit 2) naming the flag.
 *
 * @module
 */
import { join } from 'node:path';
import { checkActivations, resolveRunConfig, type RunConfig, type RunPurpose } from '../train/config.js';
import { parseClipList, type ClipSpec } from '../train/clip-spec.js';
import { RUN_LIMITS, withCommas } from '../train/limits.js';
import type { TextSource } from '../train/summary.js';
import { checkTextLength } from '../tasks/data/charlm/text-file.js';
import { readTextFile, type TextFile } from '../tasks/data/charlm/text-file-node.js';
import { checkOutFolder, type OutFolderPlan } from '../run-folder/index.js';
import { asUsage, UsageError } from './errors.js';
import { slug } from './format.js';
import { flagsToConfig, type RunFlags } from './options.js';

/**
 * Parses `--seeds 1,2,3` (or a range `1-5`): integers in [0, 2^31 - 1],
 * no empty entry, no seed twice, at most {@link RUN_LIMITS}.compareRuns.
 *
 * @throws UsageError naming `--seeds` and the valid forms
 */
export function parseSeeds(text: string): number[] {
  const t = String(text).trim();
  const forms = 'give a comma-separated list of integers >= 0 (1,2,3) or a range (1-5)';
  const range = /^(\d+)-(\d+)$/.exec(t);
  let seeds: number[];
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a) throw new UsageError(`--seeds ${t}: the range must go up (e.g. ${b}-${a}); ${forms}`);
    const count = b - a + 1;
    if (count > RUN_LIMITS.compareRuns) {
      throw new UsageError(`--seeds ${t} would run ${withCommas(count)} seeds; compare starts at most ${RUN_LIMITS.compareRuns} runs (seeds × clip methods)`);
    }
    seeds = Array.from({ length: count }, (_, i) => a + i);
  } else {
    const parts = t.split(',').map((s) => s.trim());
    const bad = parts.find((s) => !/^\d+$/.test(s));
    if (bad !== undefined) throw new UsageError(`--seeds "${text}": ${bad === '' ? 'an empty entry' : `"${bad}" is not an integer >= 0`}; ${forms}`);
    seeds = parts.map(Number);
    const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
    if (dup !== undefined) throw new UsageError(`--seeds "${text}" lists seed ${dup} twice: each seed runs once`);
  }
  const big = seeds.find((s) => s > RUN_LIMITS.seed);
  if (big !== undefined) throw new UsageError(`--seeds: seed ${big} is above ${withCommas(RUN_LIMITS.seed)}, the largest seed`);
  return seeds;
}

/**
 * Resolves one run's configuration from the flags (see `resolveRunConfig`),
 * as a UsageError on failure.
 *
 * @param given - the flags given on the command line (`givenOptions`)
 */
export function resolveFlags(f: RunFlags, given: readonly string[], purpose: RunPurpose = 'train', clip = f.clip, seed = f.seed): RunConfig {
  return asUsage(() => resolveRunConfig(flagsToConfig(f, clip, seed), { given, purpose }));
}

/** The text file of a charlm run, read and checked against the run, as a UsageError on failure. */
export interface LoadedText {
  /** The file read (path, text, sizes). */
  file: TextFile;
  /** What the summary records about it. */
  source: TextSource;
}

/**
 * Reads and checks the `--text` file of `config` (null without `--text`):
 * readable UTF-8 text, long enough for `--length` in both splits, and a
 * vocabulary within the memory bound.
 */
export function loadText(config: RunConfig): LoadedText | null {
  if (config.text === undefined) return null;
  const path = config.text;
  return asUsage(() => {
    const file = readTextFile(path, RUN_LIMITS.textBytes);
    checkTextLength(file.characters, config.length, path);
    checkActivations(config, file.vocabulary);
    return { file, source: { path, bytes: file.bytes, characters: file.characters, vocabulary: file.vocabulary } };
  });
}

/** The `--out` folder of a run command, checked (nothing written), as a UsageError on failure. */
export function checkOut(dir: string, overwrite: boolean): OutFolderPlan {
  return asUsage(() => checkOutFolder(dir, overwrite));
}

/** One run of a comparison. */
export interface PlannedRun {
  /** The clip method. */
  clip: ClipSpec;
  /** The seed. */
  seed: number;
  /** Its resolved configuration. */
  config: RunConfig;
  /** Its folder, relative to the comparison folder. */
  folder: string;
  /** Its label (`norm:1`, or `norm:1 s2` with several seeds). */
  label: string;
}

/**
 * The runs of `gradclip compare`: every clip method for every seed, each
 * configuration resolved, at most {@link RUN_LIMITS}.compareRuns runs, and
 * one folder per run (two specs that would share a folder are an error).
 *
 * @param seeds - the seeds (from `--seeds`, or `[--seed]`)
 * @param given - the flags given on the command line
 */
export function planComparison(f: RunFlags, seeds: readonly number[], given: readonly string[]): PlannedRun[] {
  const clips = asUsage(() => parseClipList(f.clip));
  const total = clips.length * seeds.length;
  if (total > RUN_LIMITS.compareRuns) {
    throw new UsageError(`compare would start ${withCommas(total)} runs (${seeds.length} seeds × ${clips.length} clip methods); it starts at most ${RUN_LIMITS.compareRuns}: give fewer --seeds or --clip methods`);
  }
  const runs: PlannedRun[] = [];
  const folders = new Map<string, string>();
  for (const seed of seeds) {
    for (const clip of clips) {
      const config = resolveFlags(f, given, 'train', clip.text, seed);
      const folder = seeds.length > 1 ? join(`seed${seed}`, slug(clip.text)) : slug(clip.text);
      const other = folders.get(folder);
      if (other !== undefined) throw new UsageError(`--clip ${other} and ${clip.text} would share the run folder ${folder}: give distinct methods`);
      folders.set(folder, clip.text);
      runs.push({ clip, seed, config, folder, label: seeds.length > 1 ? `${clip.text} s${seed}` : clip.text });
    }
  }
  return runs;
}

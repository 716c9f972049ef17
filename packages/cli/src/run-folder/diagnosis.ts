/**
 * The diagnosis of a run folder with its context: the configuration of its
 * `config.json` ({@link diagnoseContextOf}) and, when an unclipped sibling
 * run of the same configuration exists, whether that one diverged (so no fix
 * suggests the clipping that keeps this run alive should go).
 *
 * @module
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { diagnose, type DiagnoseContext, type Diagnosis, type StepStats } from 'gradclip';
import { diagnoseContextOf } from '../train/diagnose-context.js';
import type { RunConfig } from '../train/config.js';
import { runFile } from './layout.js';
import { readRunStart, readRunSteps } from './load.js';

/** Whether a run folder's run diverged: its `summary.json`'s `diverged`, else a non-finite loss in its `steps.jsonl`; null when unreadable. */
function runDiverged(dir: string): boolean | null {
  try {
    const summaryPath = runFile(dir, 'summary');
    if (existsSync(summaryPath)) {
      const s = JSON.parse(readFileSync(summaryPath, 'utf8')) as { diverged?: unknown };
      if (typeof s.diverged === 'boolean') return s.diverged;
    }
    if (!existsSync(runFile(dir, 'steps'))) return null;
    return readRunSteps(dir).steps.some((s) => typeof s.loss === 'number' && !Number.isFinite(s.loss));
  } catch {
    return null;
  }
}

/**
 * Configuration fields that do not make another run: the clip (what differs),
 * the measurements (`flowEvery`, the evaluations) and the length (an
 * unclipped run that diverged at step 26 of 300 is the baseline of a clipped
 * run of 3000 steps too).
 */
const IGNORED_KEYS: readonly string[] = ['clip', 'flowEvery', 'evalEvery', 'evalSize', 'steps'];

/** At most this many sibling folders are looked at for the unclipped baseline. */
const MAX_SIBLINGS = 200;

/**
 * The unclipped baseline of the run in `dir`: a sibling folder (in the same
 * comparison folder, or next to it as `gradclip train`'s default
 * `runs/<task>-<model>-<clip>-seed<seed>` names put them) whose
 * `config.json` is the same configuration with `clip: 'none'`. Returns its
 * folder and whether it diverged, or null when there is none.
 */
export function unclippedSibling(dir: string, config: RunConfig): { dir: string; diverged: boolean } | null {
  if (config.clip === 'none') return null;
  const self = resolve(dir);
  const parent = dirname(self);
  let names: string[];
  try {
    names = readdirSync(parent).slice(0, MAX_SIBLINGS);
  } catch {
    return null;
  }
  const same = (a: RunConfig): boolean => {
    const keys = new Set([...Object.keys(a), ...Object.keys(config)]);
    // what the run is: everything but the clip and what only observes it or decides its length
    for (const k of IGNORED_KEYS) keys.delete(k);
    for (const k of keys) if (JSON.stringify((a as unknown as Record<string, unknown>)[k]) !== JSON.stringify((config as unknown as Record<string, unknown>)[k])) return false;
    return true;
  };
  for (const name of names.sort()) {
    const d = join(parent, name);
    if (d === self) continue;
    try {
      if (!statSync(d).isDirectory()) continue;
    } catch {
      continue;
    }
    const start = readRunStart(d);
    if (start === null || start.config.clip !== 'none' || !same(start.config)) continue;
    const diverged = runDiverged(d);
    if (diverged !== null) return { dir: relative(process.cwd(), d) || '.', diverged };
  }
  return null;
}

/**
 * The diagnosis of the steps of the run folder `dir` (configuration `config`,
 * when known) with its context and unclipped baseline.
 */
export function diagnoseFolder(dir: string, steps: readonly StepStats[], config: RunConfig | undefined): { diagnosis: Diagnosis; context: DiagnoseContext; baseline: string | null } {
  const context = diagnoseContextOf(config);
  const sibling = config ? unclippedSibling(dir, config) : null;
  if (sibling) context.unclippedDiverged = sibling.diverged;
  return { diagnosis: diagnose(steps as StepStats[], {}, context), context, baseline: sibling?.dir ?? null };
}

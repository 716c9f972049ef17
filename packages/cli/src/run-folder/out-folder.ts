/**
 * The `--out` folder of `gradclip train`, `compare` and `demo` (DESIGN.md
 * section 8, **contract**: one run per folder). {@link checkOutFolder}
 * decides, without writing anything, whether the folder can take the new
 * run: a missing or empty folder can; a non-empty one only with
 * `--overwrite`, and only when everything in it is something gradclip
 * writes (so `--overwrite` never empties a folder of other files).
 * {@link prepareOutFolder} then empties and creates it and checks that it is
 * writable; {@link rollbackOutFolder} removes what it created when the
 * command fails before the run starts.
 *
 * @module
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { GradclipArgumentError } from 'gradclip';
import { CHECKPOINT_FILE, COMPARE_FILE, isTfEventsFile, LOCK_FILE, RUN_FILES, RUN_START_FILE, TRAJECTORY_FILE } from './layout.js';
import { refuseIfLocked } from './lock.js';
import { TEMP_FILE_PATTERN, tempFileFor } from './atomic.js';
import { describeIoError } from './io-errors.js';

/** The fixed file names of a run or comparison folder. */
const FIXED_FILES = new Set<string>([RUN_FILES.steps, RUN_FILES.stepsCsv, RUN_FILES.summary, RUN_FILES.evals, RUN_FILES.report, RUN_START_FILE, COMPARE_FILE, CHECKPOINT_FILE, LOCK_FILE, TRAJECTORY_FILE]);

/**
 * True when `name` is a file gradclip writes into a run or comparison
 * folder: the fixed files, TensorBoard event files, chart PNGs, and the
 * temporary files of atomic writes.
 */
export function isRunFolderFile(name: string): boolean {
  return FIXED_FILES.has(name) || isTfEventsFile(name) || /^[A-Za-z0-9._-]+\.png$/.test(name) || TEMP_FILE_PATTERN.test(name);
}

/**
 * The first entry of the folder `rel` (relative to `dir`) that is not a
 * run-folder file, as a path relative to `dir`, or null; `onFolder` decides
 * about a sub-folder (null: accepted).
 */
function firstForeign(dir: string, rel: string, onFolder: (rel: string) => string | null): string | null {
  for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = join(rel, d.name);
    if (d.isFile() && isRunFolderFile(d.name)) continue;
    if (d.isDirectory()) {
      const inner = onFolder(r);
      if (inner === null) continue;
      return inner;
    }
    return r;
  }
  return null;
}

/**
 * The first entry under `dir` that gradclip does not write (a path relative
 * to `dir`, with a note for a folder), or null when `dir` is a run folder
 * (run-folder files only) or a comparison folder: one holding
 * `compare.json` ({@link COMPARE_FILE}), report files, and run folders,
 * directly or in `seed<n>/` folders. A folder of several runs (such as
 * `runs/`) is neither, so `--overwrite` never empties it. A symbolic link
 * inside is never gradclip's (the `--out` folder itself may be one).
 */
export function foreignEntry(dir: string): string | null {
  const isCompare = readdirSync(dir).includes(COMPARE_FILE);
  const runFolder = (rel: string): string | null => firstForeign(dir, rel, (sub) => `${sub}/ (a folder inside a run folder)`);
  return firstForeign(dir, '', (rel) => {
    if (!isCompare) return `${rel}/ (a folder, and no ${COMPARE_FILE}: not a gradclip run or comparison folder)`;
    if (/^seed\d+$/.test(rel)) return firstForeign(dir, rel, runFolder);
    return runFolder(rel);
  });
}

/** What {@link checkOutFolder} found. */
export interface OutFolderPlan {
  /** The folder. */
  dir: string;
  /** The folder exists. */
  exists: boolean;
  /** Entries to remove before the run (non-empty only with `--overwrite`). */
  remove: string[];
}

/**
 * Checks that `dir` can take a new run, writing nothing.
 *
 * @param dir - the `--out` folder
 * @param overwrite - `--overwrite` was given
 * @throws GradclipArgumentError naming `--out` (and `--overwrite`) when
 *   `dir` is a file, is not empty (without `--overwrite`), holds anything
 *   gradclip does not write (with `--overwrite`), or cannot be read
 */
export function checkOutFolder(dir: string, overwrite: boolean): OutFolderPlan {
  if (dir.trim() === '') throw new GradclipArgumentError('--out needs a folder path, e.g. --out runs/a');
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { dir, exists: false, remove: [] };
    if (code === 'ENOTDIR') throw new GradclipArgumentError(`--out ${dir}: a part of the path is a file, not a folder`);
    throw new GradclipArgumentError(`--out: ${describeIoError(e, 'read', dir)}`);
  }
  if (!isDir) throw new GradclipArgumentError(`--out ${dir} is a file, not a folder: choose a folder path for the run`);
  refuseIfLocked(dir);
  let entries: string[];
  let foreign: string | null;
  try {
    entries = readdirSync(dir);
    foreign = entries.length === 0 ? null : foreignEntry(dir);
  } catch (e) {
    throw new GradclipArgumentError(`--out: ${describeIoError(e, 'read', dir)}`);
  }
  if (entries.length === 0) return { dir, exists: true, remove: [] };
  if (!overwrite) {
    const what = foreign === null ? `it holds earlier gradclip output` : `it holds ${foreign}, which gradclip does not write`;
    const resume = foreign === null && entries.includes(CHECKPOINT_FILE) ? `; it holds a checkpoint: continue that run with gradclip train --resume ${dir}` : '';
    throw new GradclipArgumentError(
      `--out ${dir} is not empty (${what}): one run per folder; choose a new --out${foreign === null ? ', or add --overwrite to replace that run' : ' (--overwrite only empties folders that hold nothing but gradclip runs)'}${resume}`,
    );
  }
  if (foreign !== null) {
    throw new GradclipArgumentError(`--overwrite refuses to empty --out ${dir}: it holds ${foreign}, which gradclip does not write; choose another --out or remove it yourself`);
  }
  return { dir, exists: true, remove: entries };
}

/** What {@link prepareOutFolder} did (for {@link rollbackOutFolder}). */
export interface PreparedOutFolder {
  /** The folder. */
  dir: string;
  /** The topmost folder it created (`dir` or one above it), or null when `dir` existed. */
  created: string | null;
}

/**
 * Empties (with `--overwrite`) and creates the folder of `plan`, then checks
 * that a file can be created in it.
 *
 * @throws GradclipArgumentError naming `--out` and the path when removing,
 *   creating or writing fails (read-only, permission, a file in the path,
 *   disk full)
 */
export function prepareOutFolder(plan: OutFolderPlan): PreparedOutFolder {
  const { dir } = plan;
  for (const name of plan.remove) {
    const p = join(dir, name);
    try {
      rmSync(p, { recursive: true, force: true });
    } catch (e) {
      throw new GradclipArgumentError(`--overwrite: ${describeIoError(e, 'remove', p)}`);
    }
  }
  let created: string | null = null;
  if (!plan.exists) {
    try {
      // A plain mkdir first: it reports EROFS/EACCES where the recursive one can say ENOENT.
      try {
        mkdirSync(dir);
        created = dir;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        created = mkdirSync(dir, { recursive: true }) ?? null;
      }
    } catch (e) {
      throw new GradclipArgumentError(`--out: ${describeIoError(e, 'create the folder', dir)}`);
    }
  }
  const probe = tempFileFor(join(dir, 'write-check'));
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    rollbackOutFolder({ dir, created });
    throw new GradclipArgumentError(`--out: ${describeIoError(e, 'write into', dir)}`);
  }
  return { dir, created };
}

/** Removes the folders {@link prepareOutFolder} created (nothing when the folder existed before). */
export function rollbackOutFolder(prepared: PreparedOutFolder): void {
  if (prepared.created === null) return;
  try {
    rmSync(prepared.created, { recursive: true, force: true });
  } catch {
    // best effort: the command is failing already
  }
}

/** True when a `steps.jsonl` with at least one byte lies in `dir` or in a folder up to two levels below it. */
function holdsSteps(dir: string, depth = 0): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const d of entries) {
    const p = join(dir, d.name);
    if (d.isFile() && d.name === RUN_FILES.steps && statSync(p).size > 0) return true;
    if (d.isDirectory() && depth < 2 && holdsSteps(p, depth + 1)) return true;
  }
  return false;
}

/**
 * After a command failed: removes the folders {@link prepareOutFolder}
 * created when no step was written into them (nothing of a run is lost);
 * keeps them otherwise (the steps can be reported). Returns whether it removed them.
 */
export function rollbackIfNoSteps(prepared: PreparedOutFolder): boolean {
  if (prepared.created === null || holdsSteps(prepared.dir)) return false;
  rollbackOutFolder(prepared);
  return true;
}

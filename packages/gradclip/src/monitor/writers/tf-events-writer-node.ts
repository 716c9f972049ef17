/**
 * TensorBoard event file writer (Node-only: uses `node:fs` and `node:os`).
 *
 * @packageDocumentation
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { StepStats } from '../../core/step-stats.js';
import { AppendFile } from './append-file-node.js';
import { encodeTfEvent, fileVersionEvent, stepStatsToTfEvent, tfEventsFileName } from './tf-events.js';
import type { StepWriter } from './types.js';
import { checkOptions } from '../../core/options.js';
import { GradclipArgumentError, requireNonEmptyString } from '../../core/errors.js';

/** Options of {@link TfEventsWriter}. */
export interface TfEventsWriterOptions {
  /**
   * Host name used in the file name (`/` and `\` are replaced by `_`).
   * @default `os.hostname()`
   */
  hostname?: string;
  /**
   * Clock in milliseconds since the epoch, for the file name, the first
   * event and steps whose record has no `time`.
   * @default `Date.now`
   */
  now?: () => number;
}

/**
 * Writes step records to a new TensorBoard event file in `dir`, named
 * `events.out.tfevents.<unix seconds>.<hostname>` (with `.1`, `.2`, ...
 * appended if that name is taken, so two writers never share a file).
 *
 * The first record is `Event{wall_time, file_version: "brain.Event:2"}`,
 * written when the writer is created; each {@link TfEventsWriter.write} adds
 * `Event{wall_time, step, summary}` with the tags of `TB_TAGS` (see
 * `stepStatsToSummaryValues`). Each framed event goes to disk in one
 * `fs.writeSync`, so after a crash every complete step can be read
 * (TensorBoard and `readTfEvents` stop at a truncated tail).
 *
 * `wall_time` is `stats.time / 1000` when the record has a time, else now.
 *
 * @example
 * ```ts
 * const tb = new TfEventsWriter('runs/a');
 * tb.write({ step: 1, loss: 0.7, preClipNorm: 3.2, postClipNorm: 1, clipCoef: 0.31, clipped: true, skipped: false });
 * tb.close(); // then: tensorboard --logdir runs
 * ```
 */
export class TfEventsWriter implements StepWriter {
  /** Full path of the event file. */
  readonly path: string;
  private readonly file: AppendFile;
  private readonly now: () => number;

  /**
   * Creates `dir` if needed and starts a new event file there.
   *
   * @param dir - the run folder (TensorBoard's `--logdir` or a child of it)
   * @param options - see {@link TfEventsWriterOptions}
   */
  constructor(dir: string, options: TfEventsWriterOptions = {}) {
    requireNonEmptyString('TfEventsWriter', 'dir', dir);
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new GradclipArgumentError(`TfEventsWriter: dir ${JSON.stringify(dir)} is a file, not a folder; pass a run folder`);
    }
    const o = checkOptions<TfEventsWriterOptions>('TfEventsWriter', options, { hostname: 'string', now: 'function' });
    this.now = o.now ?? Date.now;
    const host = (o.hostname ?? osHostname()).replace(/[\\/]/g, '_') || 'localhost';
    const t0 = this.now();
    mkdirSync(dir, { recursive: true });
    const base = join(dir, tfEventsFileName(Math.floor(t0 / 1000), host));
    let path = base;
    for (let i = 1; existsSync(path); i++) path = `${base}.${i}`;
    this.path = path;
    this.file = new AppendFile(path, 'TfEventsWriter');
    this.file.append(encodeTfEvent(fileVersionEvent(t0 / 1000)), 'open');
  }

  /** Appends one `Event{wall_time, step, summary}` for `stats`. */
  write(stats: StepStats): void {
    const wallTime = stats.time !== undefined ? stats.time / 1000 : this.now() / 1000;
    this.file.append(encodeTfEvent(stepStatsToTfEvent(stats, wallTime)));
  }

  /** `fsync`s the file. */
  flush(): void {
    this.file.flush();
  }

  /** Flushes and closes the file; idempotent. */
  close(): void {
    this.file.close();
  }
}

/**
 * The writer interface shared by every StepStats sink (JSONL, CSV, TensorBoard
 * event files, in-memory), and a helper that fans one stream out to several.
 *
 * @packageDocumentation
 */
import type { StepStats } from '../../core/step-stats.js';
import { GradclipArgumentError, requireArray } from '../../core/errors.js';

/**
 * A sink for step records.
 *
 * Contract for implementations:
 * - `write` persists one record synchronously and whole: file writers hand the
 *   OS the complete encoded record in a single write, so a crash leaves every
 *   earlier record intact and at most one truncated record at the end (which
 *   the readers ignore).
 * - `flush` pushes buffered data to durable storage (`fsync` for files).
 * - `close` flushes and releases the sink; it is idempotent. `write` and
 *   `flush` after `close` throw.
 */
export interface StepWriter {
  /** Appends one record. */
  write(stats: StepStats): void;
  /** Makes everything written so far durable. */
  flush(): void;
  /** Flushes and releases the sink; calling it again does nothing. */
  close(): void;
}

function runAll(writers: readonly StepWriter[], what: string, f: (w: StepWriter) => void): void {
  const errors: unknown[] = [];
  for (const w of writers) {
    try {
      f(w);
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const msgs = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
    throw new AggregateError(errors, `MultiWriter.${what}: ${errors.length} writers failed: ${msgs}`);
  }
}

/**
 * A {@link StepWriter} that forwards every call to each of its writers in
 * order. Every writer gets the call even when an earlier one throws; the
 * error (or an `AggregateError` of all of them) is rethrown afterwards, so one
 * failing sink cannot silently starve the others.
 */
export class MultiWriter implements StepWriter {
  /** The writers, in call order. */
  readonly writers: readonly StepWriter[];
  private closed = false;

  /** @param writers - the sinks to fan out to (may be empty) */
  constructor(writers: readonly StepWriter[]) {
    requireArray<StepWriter>('MultiWriter', 'writers', writers, 'StepWriters').forEach((w, i) => {
      if (typeof w !== 'object' || w === null || typeof w.write !== 'function' || typeof w.flush !== 'function' || typeof w.close !== 'function') {
        throw new GradclipArgumentError(`MultiWriter: writers[${i}] is not a StepWriter {write, flush, close}`);
      }
    });
    this.writers = [...writers];
  }

  /** Writes `stats` to every writer. */
  write(stats: StepStats): void {
    if (this.closed) throw new GradclipArgumentError('MultiWriter.write: the writer is closed; open a new one');
    runAll(this.writers, 'write', (w) => w.write(stats));
  }

  /** Flushes every writer. */
  flush(): void {
    if (this.closed) throw new GradclipArgumentError('MultiWriter.flush: the writer is closed; open a new one');
    runAll(this.writers, 'flush', (w) => w.flush());
  }

  /** Closes every writer (once). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    runAll(this.writers, 'close', (w) => w.close());
  }
}

/**
 * Combines writers into one (see {@link MultiWriter}).
 *
 * @example
 * ```ts
 * const out = combineWriters(new JsonlWriter('steps.jsonl'), new CsvWriter('steps.csv')); // both from gradclip/node
 * out.write(stats);
 * out.close();
 * ```
 * @param writers - the sinks
 * @returns a writer forwarding to all of them
 */
export function combineWriters(...writers: StepWriter[]): MultiWriter {
  return new MultiWriter(writers);
}

/**
 * A {@link StepWriter} that keeps the records in memory (tests, the
 * dashboard's live view, the CLI's end-of-run summary).
 */
export class MemoryWriter implements StepWriter {
  /** Records written so far, in order (the objects as given, not copies). */
  readonly steps: StepStats[] = [];
  private closed = false;

  /** Appends `stats` to {@link MemoryWriter.steps}. */
  write(stats: StepStats): void {
    if (this.closed) throw new GradclipArgumentError('MemoryWriter.write: the writer is closed; open a new one');
    this.steps.push(stats);
  }

  /** Nothing to flush. */
  flush(): void {
    if (this.closed) throw new GradclipArgumentError('MemoryWriter.flush: the writer is closed; open a new one');
  }

  /** Marks the writer closed. */
  close(): void {
    this.closed = true;
  }
}

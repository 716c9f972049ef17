/**
 * `steps.jsonl` writer (Node-only: uses `node:fs`).
 *
 * @packageDocumentation
 */
import type { StepStats } from '../../core/step-stats.js';
import { AppendFile, terminateTruncatedLine } from './append-file-node.js';
import { encodeJsonlLine } from './jsonl.js';
import type { StepWriter } from './types.js';

/**
 * Appends one {@link encodeJsonlLine} line per record to a file, each line
 * (with its `\n`) in one `fs.writeSync`.
 *
 * Opening an existing file appends to it (resuming a run). If that file ends
 * in a line cut short by a crash, a `\n` is added first so that the cut line
 * stays isolated: `readStepsJsonl` reports it and reads everything else.
 */
export class JsonlWriter implements StepWriter {
  /** Path of the file. */
  readonly path: string;
  private readonly file: AppendFile;

  /** @param path - the `.jsonl` file (created if missing, appended to otherwise) */
  constructor(path: string) {
    this.path = path;
    this.file = new AppendFile(path, 'JsonlWriter');
    terminateTruncatedLine(this.file);
  }

  /** Appends `stats` as one line. */
  write(stats: StepStats): void {
    this.file.append(encodeJsonlLine(stats) + '\n');
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

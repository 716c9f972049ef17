/**
 * Incremental reading of a `steps.jsonl` that may still be growing: the
 * client asks for everything after a byte offset and gets the complete
 * lines written since, decoded with the library's `readStepsJsonl`
 * (malformed lines skipped with a warning naming their line). A trailing
 * line without its newline is held back while the run is still writing (it
 * is probably half-written) and reported as incomplete once it has finished.
 *
 * @packageDocumentation
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { readStepsJsonl, encodeStepStats, type EncodedStepStats } from 'gradclip';

/** Position in a `steps.jsonl`: byte offset and the number of lines before it. */
export interface StepsCursor {
  /** Byte offset of the first unread byte. */
  offset: number;
  /** Number of lines (newlines) before `offset`, so warnings keep the file's line numbers. */
  line: number;
}

/** Reply of `GET /api/steps` (the steps part). */
export interface StepsChunk {
  /** New step records, JSON-safe (NaN/Inf as strings; decode with `decodeStepStats`). */
  steps: EncodedStepStats[];
  /** One message per skipped line, `line <n>: ...` with the file's line numbers. */
  warnings: string[];
  /** Where to continue. */
  next: StepsCursor;
  /** File size when it was read. */
  size: number;
  /** Bytes after `next.offset` not returned yet (a line still being written, or the rest of a large file). */
  pendingBytes: number;
  /** True when the request's offset was past the end (the file was replaced): reading restarted at 0. */
  reset: boolean;
  /** True when the chunk limit cut the reply: ask again at once. */
  more: boolean;
}

/** Largest number of bytes returned in one chunk. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

function renumber(warnings: string[], base: number): string[] {
  return warnings.map((w) => w.replace(/^line (\d+):/, (_m, n: string) => `line ${Number(n) + base}:`));
}

/**
 * Reads the complete lines of `file` after `cursor`.
 *
 * @param file - path of the `steps.jsonl`
 * @param cursor - where the previous chunk ended (`{offset: 0, line: 0}` at first)
 * @param finished - the run has finished writing (its `summary.json` exists):
 *   a trailing line without a newline is then read (and reported if cut)
 *   instead of being held back
 * @param maxBytes - chunk limit
 */
export function readStepsChunk(file: string, cursor: StepsCursor, finished: boolean, maxBytes = MAX_CHUNK_BYTES): StepsChunk {
  if (!Number.isInteger(cursor.offset) || cursor.offset < 0) {
    throw new Error(`offset must be an integer >= 0, got ${cursor.offset}`);
  }
  if (!Number.isInteger(cursor.line) || cursor.line < 0) {
    throw new Error(`line must be an integer >= 0, got ${cursor.line}`);
  }
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let { offset, line } = cursor;
    let reset = false;
    if (offset > size) {
      offset = 0;
      line = 0;
      reset = true;
    }
    const want = Math.min(size - offset, maxBytes);
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, got, want - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    const bytes = buf.subarray(0, got);
    const atEnd = offset + got >= size;
    const lastNl = bytes.lastIndexOf(10);
    let take: number;
    if (atEnd && finished) take = got;
    else if (lastNl >= 0) take = lastNl + 1;
    else if (!atEnd && got > 0) take = got; // a single line longer than the chunk: give it up as unreadable
    else take = 0;
    const text = bytes.subarray(0, take).toString('utf8');
    const { steps, warnings } = take > 0 ? readStepsJsonl(text) : { steps: [], warnings: [] };
    let newlines = 0;
    for (let i = 0; i < take; i++) if (bytes[i] === 10) newlines++;
    const next = { offset: offset + take, line: line + newlines };
    return {
      steps: steps.map(encodeStepStats),
      warnings: renumber(warnings, line),
      next,
      size,
      pendingBytes: size - next.offset,
      reset,
      more: !atEnd,
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * Incremental reading of a `steps.jsonl` that may still be growing: the
 * client asks for everything after a byte offset and gets the complete
 * lines written since, decoded with the library's `readStepsJsonl`
 * (malformed lines skipped with a warning naming their line). A trailing
 * line without its newline is held back while the run is still writing (it
 * is probably half-written) and reported as incomplete once it has finished.
 *
 * The file is read in small pieces ({@link StepsLineDecoder} keeps only the
 * unfinished line between pieces), so memory does not grow with the size of
 * the chunk: {@link StepsChunkReader} hands the decoded steps over batch by
 * batch as the caller asks for them (the server writes each batch to the
 * response and asks for the next once the response has drained), and
 * {@link readStepsChunk} collects them for synchronous callers.
 *
 * @packageDocumentation
 */
import { closeSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { readStepsJsonl, encodeStepStats, type EncodedStepStats } from 'gradclip';
import { openRegularFile, openRegularFileSync } from './regular-file.js';

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

/** Largest number of bytes of the log one chunk covers (the server's default `stepsChunkBytes`). */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/** Default size of one read from the log. */
export const READ_PIECE_BYTES = 64 * 1024;

/** Default cap on the warnings of one chunk. */
export const MAX_CHUNK_WARNINGS = 1000;

/** Options of {@link readStepsChunk} and {@link StepsChunkReader.open}. */
export interface StepsChunkOptions {
  /** Largest span of the log covered. @default MAX_CHUNK_BYTES */
  maxBytes?: number;
  /** Size of one read. @default READ_PIECE_BYTES */
  readBytes?: number;
  /** The chunk stops (with `more`) once it holds this many warnings. @default MAX_CHUNK_WARNINGS */
  maxWarnings?: number;
}

/** The steps and warnings decoded from some complete lines. */
export interface DecodedBatch {
  /** Records, JSON-safe. */
  steps: EncodedStepStats[];
  /** Messages for the skipped lines, with the file's line numbers. */
  warnings: string[];
}

function renumber(warnings: string[], base: number): string[] {
  if (base === 0) return warnings;
  return warnings.map((w) => w.replace(/^line (\d+):/, (_m, n: string) => `line ${Number(n) + base}:`));
}

/** Number of `\n` bytes in `buf`. */
export function countNewlines(buf: Uint8Array): number {
  let n = 0;
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Splits a stream of log bytes into lines and decodes the complete ones.
 * Between pieces it keeps only the bytes of the unfinished last line (a
 * newline byte never occurs inside a UTF-8 sequence, so cutting at one is
 * safe).
 */
export class StepsLineDecoder {
  /** Bytes of the complete lines decoded so far (plus a flushed last line). */
  consumedBytes = 0;
  /** Newlines decoded so far. */
  consumedLines = 0;
  /** Warnings produced so far. */
  warningCount = 0;
  private carry: Buffer | null = null;
  private readonly baseLine: number;

  /** @param baseLine - lines of the file before the first byte fed (numbers the warnings) */
  constructor(baseLine: number) {
    this.baseLine = baseLine;
  }

  /** Bytes of the unfinished line held. */
  get pendingBytes(): number {
    return this.carry?.length ?? 0;
  }

  private decode(text: string): DecodedBatch {
    const { steps, warnings } = readStepsJsonl(text);
    const out = { steps: steps.map(encodeStepStats), warnings: renumber(warnings, this.baseLine + this.consumedLines) };
    this.warningCount += out.warnings.length;
    return out;
  }

  /**
   * Feeds the next bytes of the file and decodes the lines they complete,
   * at most `maxLines` of them (the rest of the piece is then dropped and
   * {@link StepsLineDecoder.push} returns `cut: true`: stop feeding).
   * `piece` may be reused by the caller afterwards.
   *
   * @param piece - the next bytes
   * @param maxLines - most lines to decode from this piece
   */
  push(piece: Uint8Array, maxLines = Number.POSITIVE_INFINITY): { batch: DecodedBatch | null; cut: boolean } {
    const data = this.carry === null ? Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength) : Buffer.concat([this.carry, piece]);
    let end = data.lastIndexOf(10);
    if (end < 0) {
      this.carry = Buffer.from(data); // copy: `piece` may be reused
      return { batch: null, cut: false };
    }
    let cut = false;
    if (maxLines < data.length) {
      // (a piece of n bytes has at most n lines: no search needed otherwise)
      // find the end of line `maxLines` (or keep `end` when the piece has fewer)
      let seen = 0;
      for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) {
        if (++seen === Math.max(1, maxLines)) {
          cut = i < end;
          end = i;
          break;
        }
      }
    }
    const complete = data.subarray(0, end + 1);
    const batch = this.decode(complete.toString('utf8'));
    this.consumedLines += countNewlines(complete);
    this.consumedBytes += end + 1;
    this.carry = cut || end + 1 === data.length ? null : Buffer.from(data.subarray(end + 1));
    return { batch, cut };
  }

  /**
   * Decodes the unfinished line held as the file's last line (no newline):
   * accepted when it is a complete record, else reported as incomplete.
   */
  flush(): DecodedBatch | null {
    if (this.carry === null) return null;
    const text = this.carry.toString('utf8');
    this.consumedBytes += this.carry.length;
    this.carry = null;
    return this.decode(text);
  }
}

function checkCursor(cursor: StepsCursor): void {
  if (!Number.isInteger(cursor.offset) || cursor.offset < 0) {
    throw new Error(`offset must be an integer >= 0, got ${cursor.offset}`);
  }
  if (!Number.isInteger(cursor.line) || cursor.line < 0) {
    throw new Error(`line must be an integer >= 0, got ${cursor.line}`);
  }
}

/** Where reading starts and stops, from the file size and the request. */
interface ChunkPlan {
  offset: number;
  line: number;
  reset: boolean;
  /** First byte not read. */
  limit: number;
  /** `limit` is the end of the file. */
  atEnd: boolean;
}

function plan(size: number, cursor: StepsCursor, maxBytes: number): ChunkPlan {
  let { offset, line } = cursor;
  let reset = false;
  if (offset > size) {
    offset = 0;
    line = 0;
    reset = true;
  }
  const limit = Math.min(size, offset + maxBytes);
  return { offset, line, reset, limit, atEnd: limit >= size };
}

/**
 * The end of a chunk: the last line is flushed when the run has finished
 * and the file has been read to its end, or when it is a single line longer
 * than the chunk (given up as unreadable so that reading moves on).
 */
function finish(d: StepsLineDecoder, p: ChunkPlan, size: number, finished: boolean, cut: boolean): { batch: DecodedBatch | null; rest: Omit<StepsChunk, 'steps' | 'warnings'> } {
  let batch: DecodedBatch | null = null;
  if (!cut && d.pendingBytes > 0 && ((p.atEnd && finished) || (!p.atEnd && d.consumedBytes === 0))) batch = d.flush();
  const next = { offset: p.offset + d.consumedBytes, line: p.line + d.consumedLines };
  return { batch, rest: { next, size, pendingBytes: size - next.offset, reset: p.reset, more: cut || !p.atEnd } };
}

function options(o: StepsChunkOptions): Required<StepsChunkOptions> {
  return { maxBytes: o.maxBytes ?? MAX_CHUNK_BYTES, readBytes: o.readBytes ?? READ_PIECE_BYTES, maxWarnings: o.maxWarnings ?? MAX_CHUNK_WARNINGS };
}

/**
 * Reads one chunk of a log progressively: {@link StepsChunkReader.open}
 * opens the file (regular files only) and fixes its size; each call of the
 * {@link StepsChunkReader.batches} iterator reads one piece; the cursor to
 * continue from is known once the iterator is done
 * ({@link StepsChunkReader.result}). Lines appended after `open` are left
 * for the next chunk.
 */
export class StepsChunkReader {
  /** Size of the file when it was opened. */
  readonly size: number;
  /** The request's offset was past the end: reading restarted at 0. */
  readonly reset: boolean;
  /** Bytes read from the file so far. */
  bytesRead = 0;
  private readonly handle: FileHandle;
  private readonly plan: ChunkPlan;
  private readonly finished: boolean;
  private readonly opts: Required<StepsChunkOptions>;
  private readonly decoder: StepsLineDecoder;
  private done: Omit<StepsChunk, 'steps' | 'warnings'> | null = null;
  private closed = false;

  private constructor(handle: FileHandle, size: number, cursor: StepsCursor, finished: boolean, opts: Required<StepsChunkOptions>) {
    this.handle = handle;
    this.size = size;
    this.plan = plan(size, cursor, opts.maxBytes);
    this.reset = this.plan.reset;
    this.finished = finished;
    this.opts = opts;
    this.decoder = new StepsLineDecoder(this.plan.line);
  }

  /**
   * Opens `file` (a regular file, else `NotRegularFileError`) for one chunk.
   *
   * @param file - path of the `steps.jsonl`
   * @param cursor - where the previous chunk ended (`{offset: 0, line: 0}` at first)
   * @param finished - the run has finished writing (see {@link readStepsChunk})
   * @param opts - chunk limits
   */
  static async open(file: string, cursor: StepsCursor, finished: boolean, opts: StepsChunkOptions = {}): Promise<StepsChunkReader> {
    checkCursor(cursor);
    const { handle, stat } = await openRegularFile(file);
    return new StepsChunkReader(handle, stat.size, cursor, finished, options(opts));
  }

  /**
   * The decoded steps and warnings, one batch per piece read (pieces with
   * no complete line give none). Reads nothing until asked for the next
   * batch. Closes the file when done or when the iteration is abandoned.
   */
  async *batches(): AsyncGenerator<DecodedBatch, void, undefined> {
    const { limit } = this.plan;
    const buf = Buffer.allocUnsafe(Math.min(this.opts.readBytes, Math.max(1, limit - this.plan.offset)));
    let pos = this.plan.offset;
    let cut = false;
    try {
      while (pos < limit && !cut) {
        const want = Math.min(buf.length, limit - pos);
        const { bytesRead } = await this.handle.read(buf, 0, want, pos);
        if (bytesRead === 0) break; // truncated meanwhile
        pos += bytesRead;
        this.bytesRead += bytesRead;
        const budget = this.opts.maxWarnings - this.decoder.warningCount;
        const r = this.decoder.push(buf.subarray(0, bytesRead), budget);
        cut = r.cut || (this.decoder.warningCount >= this.opts.maxWarnings && pos < limit);
        if (r.batch !== null && (r.batch.steps.length > 0 || r.batch.warnings.length > 0)) yield r.batch;
      }
      const end = finish(this.decoder, this.plan, this.size, this.finished, cut);
      this.done = end.rest;
      if (end.batch !== null && (end.batch.steps.length > 0 || end.batch.warnings.length > 0)) yield end.batch;
    } finally {
      await this.close();
    }
  }

  /** The cursor and sizes of the chunk; throws before {@link StepsChunkReader.batches} is done. */
  result(): Omit<StepsChunk, 'steps' | 'warnings'> {
    if (this.done === null) throw new Error('StepsChunkReader.result: the batches have not all been read');
    return this.done;
  }

  /** Closes the file (also done by {@link StepsChunkReader.batches}); safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/**
 * Reads the complete lines of `file` after `cursor`, synchronously, in
 * pieces (the server uses {@link StepsChunkReader}; this is for scripts
 * and tests).
 *
 * @param file - path of the `steps.jsonl` (a regular file, else `NotRegularFileError`)
 * @param cursor - where the previous chunk ended (`{offset: 0, line: 0}` at first)
 * @param finished - the run has finished writing (its `summary.json` exists):
 *   a trailing line without a newline is then read (and reported if cut)
 *   instead of being held back
 * @param maxBytes - chunk limit
 * @param opts - read size and warning cap
 */
export function readStepsChunk(file: string, cursor: StepsCursor, finished: boolean, maxBytes = MAX_CHUNK_BYTES, opts: Omit<StepsChunkOptions, 'maxBytes'> = {}): StepsChunk {
  checkCursor(cursor);
  const o = options({ ...opts, maxBytes });
  const { fd, stat } = openRegularFileSync(file);
  try {
    const p = plan(stat.size, cursor, o.maxBytes);
    const d = new StepsLineDecoder(p.line);
    const steps: EncodedStepStats[] = [];
    const warnings: string[] = [];
    const add = (b: DecodedBatch | null): void => {
      if (b === null) return;
      for (const s of b.steps) steps.push(s);
      for (const w of b.warnings) warnings.push(w);
    };
    const buf = Buffer.allocUnsafe(Math.min(o.readBytes, Math.max(1, p.limit - p.offset)));
    let pos = p.offset;
    let cut = false;
    while (pos < p.limit && !cut) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, p.limit - pos), pos);
      if (n === 0) break;
      pos += n;
      const r = d.push(buf.subarray(0, n), o.maxWarnings - d.warningCount);
      add(r.batch);
      cut = r.cut || (d.warningCount >= o.maxWarnings && pos < p.limit);
    }
    const end = finish(d, p, stat.size, finished, cut);
    add(end.batch);
    return { steps, warnings, ...end.rest };
  } finally {
    closeSync(fd);
  }
}

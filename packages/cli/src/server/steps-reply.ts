/**
 * Writing the JSON reply of `GET /api/steps` progressively: the head
 * (run, finished, summary, size, reset), then the step records batch by
 * batch as {@link StepsChunkReader} decodes them, then the warnings and
 * the cursor. A batch is read from the file only after the previous one
 * has been taken by the connection (`write` returned true, or `drain`
 * came), so a client that reads slowly, or not at all, holds at most one
 * read piece and the response's high-water mark in the server's memory.
 *
 * The reply is the same JSON object as a {@link StepsReply} built in
 * memory; only the order of its keys differs.
 *
 * @packageDocumentation
 */
import type { Writable } from 'node:stream';
import type { StepsChunk, StepsChunkReader } from './steps-chunk.js';

/** Reply of `GET /api/steps`. */
export interface StepsReply extends StepsChunk {
  /** The run id asked for. */
  run: string;
  /** True once `summary.json` exists (the run stopped writing), also when it is invalid (then `summaryWarning` says why). */
  finished: boolean;
  /** The parsed `summary.json` (a RunSummary), or null (none yet, or not readable). */
  summary: unknown;
  /** Problem reading `summary.json`, if any. */
  summaryWarning?: string;
}

/** The parts of a {@link StepsReply} known before the log is read. */
export type StepsReplyHead = Pick<StepsReply, 'run' | 'finished' | 'summary' | 'summaryWarning'>;

/** Callbacks of {@link writeStepsReply}, for the server's counters. */
export interface StepsReplyHooks {
  /** The reply waits for the client to read (the connection's buffer is full). */
  onStall?(): void;
  /** The client has read: the reply goes on (or the connection closed). */
  onResume?(): void;
}

/** The connection closed before the reply was complete. */
export class ReplyAbortedError extends Error {
  /** Makes the error; its message says the connection closed. */
  constructor() {
    super('the connection closed before the reply was complete');
    this.name = 'ReplyAbortedError';
  }
}

/** Resolves on `drain`; rejects when `sink` closes or fails first. */
function drained(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      sink.off('drain', onDrain);
      sink.off('close', onClose);
      sink.off('error', onError);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new ReplyAbortedError());
    const onError = (e: Error): void => done(e);
    sink.on('drain', onDrain);
    sink.on('close', onClose);
    sink.on('error', onError);
  });
}

/**
 * Writes the reply for one chunk to `sink` (a `ServerResponse` whose head
 * has been sent, or any writable) and ends it. Rejects with
 * {@link ReplyAbortedError} when the connection closes first; the file is
 * closed in every case.
 *
 * @param sink - where the JSON goes
 * @param head - the fields known before reading
 * @param reader - the chunk, opened and not yet read
 * @param hooks - stall notifications
 */
export async function writeStepsReply(sink: Writable, head: StepsReplyHead, reader: StepsChunkReader, hooks: StepsReplyHooks = {}): Promise<void> {
  const write = async (text: string): Promise<void> => {
    if (sink.destroyed || sink.writableEnded) throw new ReplyAbortedError();
    if (sink.write(text)) return;
    hooks.onStall?.();
    try {
      await drained(sink);
    } finally {
      hooks.onResume?.();
    }
  };
  try {
    let text = `{"run":${JSON.stringify(head.run)},"finished":${head.finished},"summary":${JSON.stringify(head.summary ?? null)},`;
    if (head.summaryWarning !== undefined) text += `"summaryWarning":${JSON.stringify(head.summaryWarning)},`;
    text += `"size":${reader.size},"reset":${reader.reset},"steps":[`;
    await write(text);
    let first = true;
    const warnings: string[] = [];
    for await (const batch of reader.batches()) {
      for (const w of batch.warnings) warnings.push(w);
      if (batch.steps.length === 0) continue;
      let part = first ? '' : ',';
      first = false;
      for (let i = 0; i < batch.steps.length; i++) part += (i === 0 ? '' : ',') + JSON.stringify(batch.steps[i]);
      await write(part);
    }
    const r = reader.result();
    await write(`],"warnings":${JSON.stringify(warnings)},"next":${JSON.stringify(r.next)},"pendingBytes":${r.pendingBytes},"more":${r.more}}`);
    sink.end();
  } finally {
    await reader.close();
  }
}

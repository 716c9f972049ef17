/**
 * `/api/steps` streamed from small reads: the same records as a whole-file
 * read, every line exactly once while the file grows, and a client that
 * stops reading holds back the server's reads (backpressure).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { readStepsJsonl, encodeStepStats } from 'gradclip';
import { startServer } from '../../packages/cli/src/server/server.js';
import { readStepsChunk, StepsChunkReader, type StepsCursor } from '../../packages/cli/src/server/steps-chunk.js';
import { writeStepsReply, type StepsReply } from '../../packages/cli/src/server/steps-reply.js';
import { getJson, stepLine, stepLines, waitFor } from './helpers.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gradclip-stream-'));
}

test('reading in pieces of any size gives the records and warnings of a whole-file read', () => {
  const dir = tempDir();
  try {
    const f = join(dir, 'steps.jsonl');
    const text = stepLines(1, 5) + 'garbage\n' + '\n' + stepLine(6).replace('\n', '\r\n') + '{"step": 7, "loss": oops}\n' + stepLines(8, 12) + stepLine(13).slice(0, 25);
    writeFileSync(f, text);
    const whole = readStepsJsonl(text);
    for (const readBytes of [1, 2, 3, 7, 64, 1000, 1 << 20]) {
      const held = readStepsChunk(f, { offset: 0, line: 0 }, false, 1 << 20, { readBytes });
      assert.deepEqual(held.steps, whole.steps.map(encodeStepStats), `readBytes ${readBytes}`);
      // the cut last line is held back while the run writes; reported once it has finished
      assert.deepEqual(held.warnings, whole.warnings.slice(0, -1), `readBytes ${readBytes}`);
      assert.equal(held.pendingBytes, 25);
      const fin = readStepsChunk(f, held.next, true, 1 << 20, { readBytes });
      assert.deepEqual(fin.warnings, whole.warnings.slice(-1));
      assert.match(fin.warnings[0], /^line 15: incomplete last line/);
      assert.equal(fin.pendingBytes, 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a chunk stops after maxWarnings warnings; following next reads every line once with the right numbers', () => {
  const dir = tempDir();
  try {
    const f = join(dir, 'steps.jsonl');
    let text = '';
    for (let i = 1; i <= 50; i++) text += i % 2 === 0 ? 'bad\n' : stepLine(i);
    writeFileSync(f, text);
    let cursor: StepsCursor = { offset: 0, line: 0 };
    const steps: number[] = [];
    const warnings: string[] = [];
    let chunks = 0;
    for (;;) {
      const c = readStepsChunk(f, cursor, true, 1 << 20, { readBytes: 100, maxWarnings: 4 });
      chunks++;
      assert.ok(c.warnings.length <= 4, `chunk ${chunks} has ${c.warnings.length} warnings`);
      steps.push(...c.steps.map((s) => s.step));
      warnings.push(...c.warnings);
      cursor = c.next;
      if (!c.more) break;
    }
    assert.ok(chunks >= 7);
    assert.deepEqual(steps, Array.from({ length: 25 }, (_, i) => 2 * i + 1));
    assert.deepEqual(warnings.map((w) => Number(/^line (\d+):/.exec(w)?.[1])), Array.from({ length: 25 }, (_, i) => 2 * i + 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent readers of a growing file get every line exactly once, in order', async () => {
  const root = tempDir();
  const run = join(root, 'live');
  mkdirSync(run);
  const file = join(run, 'steps.jsonl');
  writeFileSync(file, '');
  // small chunks and reads, so that replies end mid-file and lines straddle reads
  const server = await startServer({ runsDir: root, port: 0, limits: { stepsChunkBytes: 700, readBufferBytes: 97 } });
  const TOTAL = 400;
  try {
    const writer = async (): Promise<void> => {
      let step = 1;
      while (step <= TOTAL) {
        const n = 1 + (step % 7);
        let text = '';
        for (let i = 0; i < n && step <= TOTAL; i++) text += stepLine(step++);
        // write the last line in two halves: the first half must be held back
        const cut = text.length - 20;
        appendFileSync(file, text.slice(0, cut));
        await new Promise((r) => setImmediate(r));
        appendFileSync(file, text.slice(cut));
        await new Promise((r) => setTimeout(r, 1));
      }
      writeFileSync(join(run, 'summary.json'), JSON.stringify({ steps: TOTAL, config: { clip: 'none' } }));
    };
    const reader = async (): Promise<number[]> => {
      const seen: number[] = [];
      let cursor = { offset: 0, line: 0 };
      for (;;) {
        const r = await getJson<StepsReply>(server.port, `/api/steps?run=live&offset=${cursor.offset}&line=${cursor.line}`);
        assert.deepEqual(r.warnings, [], 'no line is ever cut');
        assert.equal(r.reset, false);
        seen.push(...r.steps.map((s) => s.step));
        cursor = r.next;
        if (r.finished && !r.more) return seen;
        if (!r.more) await new Promise((w) => setTimeout(w, 1));
      }
    };
    const [, ...results] = await Promise.all([writer(), ...Array.from({ length: 6 }, reader)]);
    const want = Array.from({ length: TOTAL }, (_, i) => i + 1);
    for (const seen of results) assert.deepEqual(seen, want);
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});

/** A writable that takes nothing until released: `write` returns false once `highWaterMark` bytes wait. */
class HeldSink extends Writable {
  readonly parts: string[] = [];
  private held: Array<() => void> = [];
  private released = false;

  constructor(highWaterMark: number) {
    super({ highWaterMark, decodeStrings: false });
  }

  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.parts.push(String(chunk));
    if (this.released) cb();
    else this.held.push(() => cb());
  }

  release(): void {
    this.released = true;
    for (const cb of this.held.splice(0)) cb();
  }
}

test('a paused reader: the reply waits for the client, reading at most one piece ahead', async () => {
  const dir = tempDir();
  try {
    const f = join(dir, 'steps.jsonl');
    const N = 20_000; // ~2.6 MB
    writeFileSync(f, stepLines(1, N));
    const readBytes = 16 * 1024;
    const reader = await StepsChunkReader.open(f, { offset: 0, line: 0 }, true, { maxBytes: 64 << 20, readBytes });
    const sink = new HeldSink(1024);
    const done = writeStepsReply(sink, { run: 'r', finished: true, summary: null }, reader);
    // the writer is blocked on 'drain' once the sink is full
    await waitFor(() => sink.listenerCount('drain') > 0, 'the reply to wait for drain');
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(reader.bytesRead <= 2 * readBytes, `read ${reader.bytesRead} bytes of ${reader.size} while the client read nothing`);
    assert.ok(sink.writableLength <= 1024 + 2 * readBytes, `buffered ${sink.writableLength} bytes`);
    sink.release();
    await done;
    const reply = JSON.parse(sink.parts.join('')) as StepsReply;
    assert.equal(reader.bytesRead, reader.size);
    assert.deepEqual(reply.steps.map((s) => s.step), Array.from({ length: N }, (_, i) => i + 1));
    assert.deepEqual(reply.next, { offset: reader.size, line: N });
    assert.equal(reply.more, false);
    assert.equal(reply.finished, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('over HTTP, a client that stops reading stalls its reply: the server stops reading the log', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'big'));
  const file = join(root, 'big', 'steps.jsonl');
  const N = 160_000; // ~21 MB
  writeFileSync(file, stepLines(1, N));
  const size = N * stepLine(1).length;
  const server = await startServer({ runsDir: root, port: 0, limits: { stepsChunkBytes: 64 << 20 } });
  const socket = connect(server.port, '127.0.0.1');
  try {
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.pause(); // read nothing
    socket.write(`GET /api/steps?run=big HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    await waitFor(() => server.stats().stalledStepsReplies === 1, 'the reply to stall');
    const read = server.stats().stepsBytesRead;
    assert.ok(read < size / 2, `the server read ${read} of ${size} bytes for a client that read nothing`);
    assert.equal(server.stats().activeStepsReplies, 1);
    // the client goes away: the reply is dropped and the file closed
    socket.destroy();
    await waitFor(() => server.stats().activeStepsReplies === 0, 'the reply to end');
  } finally {
    socket.destroy();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});

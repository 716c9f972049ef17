/**
 * `gradclip serve` against hostile or odd run folders and clients: FIFOs
 * named like run files, duplicate Host headers, one answer for "finished",
 * the connection cap and the timeouts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../packages/cli/src/server/server.js';
import { DEFAULT_LIMITS, resolveLimits } from '../../packages/cli/src/server/limits.js';
import { listRuns, type RunInfo } from '../../packages/cli/src/server/runs.js';
import { checkHostHeaders } from '../../packages/cli/src/server/host-check.js';
import { readStepsChunk } from '../../packages/cli/src/server/steps-chunk.js';
import type { StepsReply } from '../../packages/cli/src/server/steps-reply.js';
import { getJson, httpGet, makeFifo, rawExchange, stepLines, waitFor } from './helpers.js';

let root: string;
let server: RunningServer;
let fifoSkip: string | null = null;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gradclip-harden-'));
  const run = (name: string, steps: string): string => {
    const d = join(root, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'steps.jsonl'), steps);
    return d;
  };
  run('ok', stepLines(1, 3));
  writeFileSync(join(root, 'ok', 'summary.json'), JSON.stringify({ steps: 3, diverged: false, config: { task: 'addition', model: 'rnn', clip: 'none' } }));
  writeFileSync(join(run('bad-json', stepLines(1, 4)), 'summary.json'), '{"steps": 4, "config": ');
  writeFileSync(join(run('not-object', stepLines(1, 2)), 'summary.json'), '[1, 2]');
  writeFileSync(join(run('empty-summary', stepLines(1, 2)), 'summary.json'), '');
  run('live', stepLines(1, 5) + '{"step": 6, "lo');
  run('fifo-summary', stepLines(1, 2));
  mkdirSync(join(root, 'fifo-steps'));
  fifoSkip = makeFifo(join(root, 'fifo-summary', 'summary.json')) ?? makeFifo(join(root, 'fifo-steps', 'steps.jsonl'));
  mkdirSync(join(root, 'files'));
  if (fifoSkip === null) fifoSkip = makeFifo(join(root, 'files', 'pipe.txt'));
  server = await startServer({ runsDir: root, port: 0 });
});

after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

/** True when no process has the FIFO open for reading (a non-blocking open for writing fails with ENXIO). */
function noReaderOn(fifo: string): boolean {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENXIO';
  }
}

test('a FIFO named summary.json or steps.jsonl never blocks a request and is never opened', { timeout: 20_000 }, async (t) => {
  if (fifoSkip !== null) {
    t.skip(fifoSkip);
    return;
  }
  // more requests at once than libuv has threads (4): a blocking open would freeze them all
  const replies = await Promise.all([
    ...Array.from({ length: 8 }, () => httpGet(server.port, '/api/steps?run=fifo-summary')),
    ...Array.from({ length: 4 }, () => httpGet(server.port, '/files/fifo-summary/summary.json')),
    ...Array.from({ length: 4 }, () => httpGet(server.port, '/api/steps?run=fifo-steps')),
    httpGet(server.port, '/files/files/pipe.txt'),
    httpGet(server.port, '/api/runs'),
  ]);
  for (const r of replies.slice(0, 8)) {
    assert.equal(r.status, 200);
    const body = JSON.parse(r.body) as StepsReply;
    assert.equal(body.finished, true);
    assert.equal(body.summary, null);
    assert.match(String(body.summaryWarning), /summary\.json is a FIFO, not a regular file: not read/);
    assert.deepEqual(body.steps.map((s) => s.step), [1, 2]);
  }
  for (const r of replies.slice(8, 17)) assert.equal(r.status, 404, r.body);
  const list = (JSON.parse(replies[17].body) as { runs: RunInfo[] }).runs;
  assert.ok(!list.some((r) => r.id === 'fifo-steps'), 'a FIFO steps.jsonl does not make a run');
  const fs = list.find((r) => r.id === 'fifo-summary');
  assert.equal(fs?.finished, true);
  assert.equal(fs?.steps, 2);
  assert.match(String(fs?.warning), /FIFO/);
  // the other endpoints still answer, and nothing holds the FIFOs open
  assert.equal((await httpGet(server.port, '/api/steps?run=ok')).status, 200);
  assert.ok(noReaderOn(join(root, 'fifo-summary', 'summary.json')));
  assert.ok(noReaderOn(join(root, 'fifo-steps', 'steps.jsonl')));
  assert.ok(noReaderOn(join(root, 'files', 'pipe.txt')));
  // the synchronous helpers refuse them too
  assert.equal(listRuns(root).find((r) => r.id === 'fifo-summary')?.finished, true);
  assert.throws(() => readStepsChunk(join(root, 'fifo-steps', 'steps.jsonl'), { offset: 0, line: 0 }, false), /is a FIFO, not a regular file/);
});

test('an invalid summary.json: both endpoints (and listRuns) say finished: true, with a warning', async () => {
  const { runs } = await getJson<{ runs: RunInfo[] }>(server.port, '/api/runs');
  const sync = listRuns(root);
  for (const [id, warning, steps] of [
    ['bad-json', /summary\.json is not valid JSON/, 4],
    ['not-object', /not a JSON object/, 2],
    ['empty-summary', /summary\.json is not valid JSON/, 2],
  ] as const) {
    const listed = runs.find((r) => r.id === id);
    const reply = await getJson<StepsReply>(server.port, `/api/steps?run=${id}`);
    assert.equal(listed?.finished, true, `${id} in /api/runs`);
    assert.equal(reply.finished, true, `${id} in /api/steps`);
    assert.equal(sync.find((r) => r.id === id)?.finished, true, `${id} in listRuns`);
    assert.match(String(listed?.warning), warning);
    assert.match(String(reply.summaryWarning), warning);
    assert.equal(reply.summary, null);
    // steps come from the log; the facts are unknown
    assert.equal(listed?.steps, steps);
    assert.equal(listed?.diverged, null);
    assert.equal(listed?.task, null);
    assert.equal(reply.steps.length, steps);
  }
  // RunningServer.runs() is the same list
  assert.deepEqual(await server.runs(), runs);
  // a valid one and a missing one agree as well
  assert.equal(runs.find((r) => r.id === 'ok')?.finished, true);
  assert.equal((await getJson<StepsReply>(server.port, '/api/steps?run=ok')).finished, true);
  assert.equal(runs.find((r) => r.id === 'live')?.finished, false);
  const live = await getJson<StepsReply>(server.port, '/api/steps?run=live');
  assert.equal(live.finished, false);
  assert.equal(live.summaryWarning, undefined);
  assert.equal(live.steps.length, 5);
});

test('two Host headers are 400, in either order; one loopback Host is answered', async () => {
  for (const hosts of [
    ['localhost', 'evil.example'],
    ['evil.example', 'localhost'],
    ['localhost', 'localhost'],
  ]) {
    const reply = await rawExchange(server.port, `GET /api/runs HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}`).join('\r\n')}`);
    assert.match(reply, /^HTTP\/1\.1 400 /, hosts.join(', '));
    assert.match(reply, /exactly one Host header, got 2/);
  }
  assert.match(await rawExchange(server.port, 'GET /api/runs HTTP/1.1\r\nHost: localhost'), /^HTTP\/1\.1 200 /);
  assert.match(await rawExchange(server.port, 'GET /api/runs HTTP/1.1\r\nHost: evil.example'), /^HTTP\/1\.1 403 /);
  assert.deepEqual(checkHostHeaders(['localhost', 'evil.example'], false)?.status, 400);
  assert.equal(checkHostHeaders(['evil.example'], false), null);
  assert.equal(checkHostHeaders(['evil.example'], true)?.status, 403);
  assert.equal(checkHostHeaders(undefined, true)?.status, 403);
  assert.equal(checkHostHeaders(['127.0.0.1:80'], true), null);
});

test('the limits are set on the http server: connections, header, request, keep-alive and idle timeouts', async () => {
  const h = server.httpServer;
  assert.equal(h.maxConnections, DEFAULT_LIMITS.maxConnections);
  assert.equal(h.headersTimeout, DEFAULT_LIMITS.headersTimeoutMs);
  assert.equal(h.requestTimeout, DEFAULT_LIMITS.requestTimeoutMs);
  assert.equal(h.keepAliveTimeout, DEFAULT_LIMITS.keepAliveTimeoutMs);
  assert.equal(h.timeout, DEFAULT_LIMITS.idleTimeoutMs);
  assert.deepEqual(server.limits, DEFAULT_LIMITS);
  const custom = await startServer({ runsDir: root, port: 0, limits: { maxConnections: 7, idleTimeoutMs: 1234, headersTimeoutMs: 500, requestTimeoutMs: 900 } });
  try {
    assert.equal(custom.httpServer.maxConnections, 7);
    assert.equal(custom.httpServer.timeout, 1234);
    assert.equal(custom.httpServer.headersTimeout, 500);
    assert.equal(custom.httpServer.requestTimeout, 900);
  } finally {
    await custom.close();
  }
  assert.throws(() => resolveLimits({ maxConnections: 0 }), /maxConnections must be a positive integer, got 0/);
  assert.throws(() => resolveLimits({ headersTimeoutMs: 5000, requestTimeoutMs: 100 }), /requestTimeoutMs \(100\) must be >= headersTimeoutMs \(5000\)/);
  assert.throws(() => resolveLimits({ nope: 1 } as never), /unknown server limit "nope"/);
});

test('connections beyond maxConnections are closed at once; the open ones keep working', async () => {
  const s = await startServer({ runsDir: root, port: 0, limits: { maxConnections: 2 } });
  const sockets: Socket[] = [];
  let accepted = 0;
  s.httpServer.on('connection', () => accepted++);
  try {
    for (let i = 0; i < 2; i++) {
      const sock = connect(s.port, '127.0.0.1');
      sockets.push(sock);
      await new Promise<void>((r) => sock.once('connect', () => r()));
    }
    await waitFor(() => accepted === 2, 'the server to accept two connections');
    const third = await rawExchange(s.port, 'GET /api/runs HTTP/1.1\r\nHost: localhost').catch((e: NodeJS.ErrnoException) => `error ${e.code ?? ''}`);
    assert.doesNotMatch(third, /^HTTP\//, 'the third connection got no answer');
    assert.equal(s.stats().droppedConnections, 1);
    // an open connection is still served
    const first = sockets[0];
    let got = '';
    first.setEncoding('utf8');
    first.on('data', (c: string) => (got += c));
    first.write('GET /api/runs HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await new Promise<void>((r) => first.once('end', () => r()));
    assert.match(got, /^HTTP\/1\.1 200 /);
  } finally {
    for (const sock of sockets) sock.destroy();
    await s.close();
  }
});

test('a client that never finishes its headers is answered 408 and disconnected (headersTimeout)', { timeout: 20_000 }, async () => {
  const s = await startServer({ runsDir: root, port: 0, limits: { headersTimeoutMs: 200, requestTimeoutMs: 200 } });
  try {
    const got = await new Promise<string>((resolve, reject) => {
      const sock = connect(s.port, '127.0.0.1', () => sock.write('GET /api/runs HTTP/1.1\r\nHost: localhost\r\n')); // no blank line
      let text = '';
      sock.setEncoding('utf8');
      sock.on('data', (c: string) => (text += c));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
    });
    assert.match(got, /^HTTP\/1\.1 408 /);
  } finally {
    await s.close();
  }
});

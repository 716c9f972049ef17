/**
 * Shared helpers of the server tests: writing step lines, raw HTTP
 * requests (no normalisation, any headers, duplicate ones included), and
 * making FIFOs.
 */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';

/** One steps.jsonl line written by hand (the contract's JSON shape). */
export function stepLine(step: number, loss: number | string = 0.5, pre: number | string = 1): string {
  return JSON.stringify({ step, loss, preClipNorm: pre, postClipNorm: pre, clipCoef: 1, clipped: false, skipped: false, layerNorms: { w: pre } }) + '\n';
}

/** The lines of steps `from`..`to` (inclusive). */
export function stepLines(from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += stepLine(i);
  return s;
}

/** A reply: status, headers and body. */
export interface RawReply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A GET through node:http with the path as given. */
export function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** GETs JSON and checks the status is 200. */
export async function getJson<T>(port: number, path: string): Promise<T> {
  const r = await httpGet(port, path);
  if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}: ${r.body}`);
  return JSON.parse(r.body) as T;
}

/**
 * Sends `head` (the request line and header lines, without the blank line
 * that ends them) on a fresh TCP connection and resolves with everything the
 * server sent until it closed the connection.
 */
export function rawExchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\nConnection: close\r\n\r\n`));
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (got += c));
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
  });
}

/** Makes a FIFO at `path` with the system's `mkfifo`; returns a reason when that is not possible (then skip). */
export function makeFifo(path: string): string | null {
  const r = spawnSync('mkfifo', [path], { encoding: 'utf8' });
  if (r.error !== undefined) return `mkfifo is not available (${r.error.message}): FIFO tests skipped`;
  if (r.status !== 0) return `mkfifo failed (${r.stderr.trim() || `exit ${String(r.status)}`}): FIFO tests skipped`;
  return null;
}

/** Waits (yielding to the event loop) until `cond` holds; fails with `what` after `maxMs`. */
export async function waitFor(cond: () => boolean, what: string, maxMs = 10_000): Promise<void> {
  const until = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

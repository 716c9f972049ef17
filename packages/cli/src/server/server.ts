/**
 * The HTTP server behind `gradclip serve` (plain `node:http`): the built
 * dashboard, a JSON API over a runs folder, and the raw files of the run
 * folders — nothing outside those two folders.
 *
 * | route | answer |
 * |---|---|
 * | `GET /api/runs` | `{ runs: RunInfo[] }`, every folder with a `steps.jsonl` |
 * | `GET /api/steps?run=<id>&offset=<bytes>&line=<n>` | {@link StepsReply}: the step records after the byte offset, the warnings for skipped lines, the cursor to ask with next, and `summary.json` once it exists |
 * | `GET /files/<id>/<file>` | a file of a run folder (report.html, PNG charts, ...) |
 * | `GET /...` | the dashboard (`index.html` for `/`) |
 *
 * Only `GET` and `HEAD` are accepted. Paths are resolved with
 * `safe-path.ts` (403 for traversal, 404 for missing files). When listening
 * on loopback, requests whose `Host` header is not a loopback name are
 * refused (DNS-rebinding guard).
 *
 * @packageDocumentation
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { contentTypeFor } from './content-types.js';
import { DEFAULT_HOST, hostHeaderAllowed, isLoopbackHost } from './host-check.js';
import { RUN_FILES, runFile } from '../run-folder/index.js';
import { listRuns } from './runs.js';
import { checkRelativePath, decodeRelativePath, PathRefusedError, resolveFileInside, resolveInside } from './safe-path.js';
import { readStepsChunk, type StepsChunk } from './steps-chunk.js';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Folder whose run folders are served. Must exist. */
  runsDir: string;
  /** Port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Address to listen on; anything but loopback exposes the runs to the network. @default '127.0.0.1' */
  host?: string;
  /** Folder of the built dashboard (`dist/dashboard`); null serves a page explaining how to build it. @default null */
  dashboardDir?: string | null;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** The address listened on. */
  host: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Reply of `GET /api/steps`. */
export interface StepsReply extends StepsChunk {
  /** The run id asked for. */
  run: string;
  /** True once `summary.json` exists (the run stopped writing). */
  finished: boolean;
  /** The parsed `summary.json` (a RunSummary), or null. */
  summary: unknown;
  /** Problem reading `summary.json`, if any. */
  summaryWarning?: string;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

// No 'unsafe-eval': nothing in the page generates code (the TensorBoard codec is
// hand-written); 'wasm-unsafe-eval' lets TF.js and gradclip compile WebAssembly.
const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

function sendFile(res: ServerResponse, file: string, extra: Record<string, string> = {}): void {
  const size = statSync(file).size;
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentTypeFor(file), 'Content-Length': size, 'Cache-Control': 'no-cache', ...extra });
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>gradclip serve</title></head>
<body><h1>gradclip serve</h1><p>The dashboard has not been built. Run <code>npm run build:dashboard</code> (it writes <code>dist/dashboard/</code>), then restart <code>gradclip serve</code>.</p>
<p>The JSON API works meanwhile: <a href="/api/runs">/api/runs</a>.</p></body></html>`;

function intParam(url: URL, name: string): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new PathRefusedError(400, `${name} must be an integer >= 0, got "${raw}"`);
  return n;
}

function handleSteps(url: URL, res: ServerResponse, runsDir: string): void {
  const id = url.searchParams.get('run');
  if (id === null) {
    sendError(res, 400, 'missing query parameter "run" (a run id from /api/runs)');
    return;
  }
  const rel = id === '.' ? '' : checkRelativePath(id);
  const dir = resolveInside(runsDir, rel);
  const stepsFile = resolveFileInside(dir, RUN_FILES.steps);
  // summary.json: the run is finished; read it before the steps so that no line written before it is held back.
  const summaryPath = runFile(dir, 'summary');
  const finished = existsSync(summaryPath);
  let summary: unknown = null;
  let summaryWarning: string | undefined;
  if (finished) {
    try {
      summary = JSON.parse(readFileSync(resolveFileInside(runsDir, rel === '' ? RUN_FILES.summary : `${rel}/${RUN_FILES.summary}`), 'utf8'));
    } catch (e) {
      summaryWarning = `${RUN_FILES.summary}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const chunk = readStepsChunk(stepsFile, { offset: intParam(url, 'offset'), line: intParam(url, 'line') }, finished);
  const reply: StepsReply = { run: id, finished, summary, ...chunk };
  if (summaryWarning !== undefined) reply.summaryWarning = summaryWarning;
  sendJson(res, 200, reply);
}

function handleStatic(pathname: string, res: ServerResponse, dashboardDir: string | null): void {
  if (dashboardDir === null) {
    if (pathname === '/' || pathname === '/index.html') send(res, 200, NOT_BUILT_PAGE, 'text/html; charset=utf-8');
    else sendError(res, 404, 'not found');
    return;
  }
  const rel = decodeRelativePath(pathname.slice(1));
  const file = resolveFileInside(dashboardDir, rel === '' ? 'index.html' : rel);
  const headers: Record<string, string> = { 'Content-Security-Policy': DASHBOARD_CSP, 'X-Frame-Options': 'DENY' };
  // Hashed asset names never change content: let the browser keep them.
  if (rel.startsWith('assets/')) headers['Cache-Control'] = 'public, max-age=31536000, immutable';
  sendFile(res, file, headers);
}

function handle(req: IncomingMessage, res: ServerResponse, o: { runsDir: string; dashboardDir: string | null; loopback: boolean }): void {
  if (o.loopback && !hostHeaderAllowed(req.headers.host)) {
    sendError(res, 403, 'this server only answers requests addressed to a loopback host (localhost, 127.0.0.1, [::1])');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, 405, `method ${req.method ?? ''} not allowed: only GET and HEAD`);
    return;
  }
  const rawPath = (req.url ?? '/').split('?')[0];
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    sendError(res, 400, 'bad request URL');
    return;
  }
  try {
    // Route on the raw path: URL parsing would already have removed "..".
    if (rawPath === '/api/runs') sendJson(res, 200, { runs: listRuns(o.runsDir) });
    else if (rawPath === '/api/steps') handleSteps(url, res, o.runsDir);
    else if (rawPath.startsWith('/api/')) sendError(res, 404, `unknown API route ${rawPath}`);
    else if (rawPath.startsWith('/files/')) sendFile(res, resolveFileInside(o.runsDir, decodeRelativePath(rawPath.slice('/files/'.length))), { 'Content-Security-Policy': 'sandbox allow-scripts' });
    else handleStatic(rawPath, res, o.dashboardDir);
  } catch (e) {
    if (e instanceof PathRefusedError) sendError(res, e.status, e.message);
    else if ((e as NodeJS.ErrnoException).code === 'ENOENT') sendError(res, 404, 'not found');
    else sendError(res, 500, e instanceof Error ? e.message : String(e));
  }
}

/**
 * Starts the run viewer server.
 *
 * @example
 * ```ts
 * const s = await startServer({ runsDir: 'runs', port: 0 });
 * console.log(s.url); // http://127.0.0.1:54321/
 * await s.close();
 * ```
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { runsDir } = options;
  const port = options.port ?? 8080;
  const host = options.host ?? DEFAULT_HOST;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be an integer in [0, 65535], got ${port}`);
  if (typeof host !== 'string' || host.trim() === '') throw new Error('host must be a non-empty address such as 127.0.0.1');
  if (!existsSync(runsDir) || !statSync(runsDir).isDirectory()) {
    throw new Error(`runs folder "${runsDir}" does not exist or is not a folder: pass the folder that holds your run folders (e.g. gradclip serve runs)`);
  }
  let dashboardDir = options.dashboardDir ?? null;
  if (dashboardDir !== null && !existsSync(join(dashboardDir, 'index.html'))) dashboardDir = null;
  const ctx = { runsDir, dashboardDir, loopback: isLoopbackHost(host) };
  const server = createServer((req, res) => handle(req, res, ctx));
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`,
    port: addr.port,
    host: addr.address,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

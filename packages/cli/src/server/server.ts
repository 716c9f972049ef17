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
 * refused (DNS-rebinding guard); a request with several `Host` headers is
 * 400 on any address.
 *
 * Everything is asynchronous and bounded (docs/server.md): the run list
 * comes from a {@link RunIndex} (line counts extended incrementally,
 * summaries cached by mtime and size), `/api/steps` replies are streamed
 * from small reads with backpressure ({@link writeStepsReply}), only
 * regular files are ever opened (`regular-file.ts`), and connections,
 * header and idle times are capped ({@link ServerLimits}).
 *
 * @packageDocumentation
 */
import { existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { contentTypeFor } from './content-types.js';
import { checkHostHeaders, DEFAULT_HOST, isLoopbackHost } from './host-check.js';
import { resolveLimits, type ServerLimits } from './limits.js';
import { RUN_FILES } from '../run-folder/index.js';
import { NotRegularFileError, openRegularFile } from './regular-file.js';
import { RunIndex } from './run-index.js';
import type { RunInfo } from './runs.js';
import { checkRelativePath, decodeRelativePath, PathRefusedError, resolveFileInsideAsync, resolveInsideRealRoot } from './safe-path.js';
import { StepsChunkReader } from './steps-chunk.js';
import { ReplyAbortedError, writeStepsReply } from './steps-reply.js';

export type { StepsReply } from './steps-reply.js';

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
  /** Resource limits; each one given replaces its default (`DEFAULT_LIMITS`). */
  limits?: Partial<ServerLimits>;
}

/** Counters of a running server (for tests, the benchmark and docs/server.md). */
export interface ServerStats {
  /** Bytes read from `steps.jsonl` files for `/api/steps` replies. */
  stepsBytesRead: number;
  /** Bytes read from logs to count their lines for `/api/runs`. */
  indexBytesRead: number;
  /** `/api/steps` replies being written now. */
  activeStepsReplies: number;
  /** Of those, the replies waiting for their client to read. */
  stalledStepsReplies: number;
  /** Connections closed at once because `maxConnections` were open. */
  droppedConnections: number;
  /** Runs held in the index. */
  cachedRuns: number;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** The address listened on. */
  host: string;
  /** The limits in force. */
  limits: Readonly<ServerLimits>;
  /** The underlying `node:http` server (its `maxConnections`, `headersTimeout`, ... are set from {@link RunningServer.limits}). */
  httpServer: Server;
  /** The run list as `/api/runs` gives it now (from the server's index; also warms it). */
  runs(): Promise<RunInfo[]>;
  /** The counters now. */
  stats(): ServerStats;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const JSON_TYPE = 'application/json; charset=utf-8';

// No 'unsafe-eval': nothing in the page generates code (the TensorBoard codec is
// hand-written); 'wasm-unsafe-eval' lets TF.js and gradclip compile WebAssembly.
const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), JSON_TYPE);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

/** Streams a regular file (special files are refused before being opened); the length is fixed when it is opened. */
async function sendFile(res: ServerResponse, file: string, readBytes: number, extra: Record<string, string> = {}): Promise<void> {
  const { handle, stat } = await openRegularFile(file);
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentTypeFor(file), 'Content-Length': stat.size, 'Cache-Control': 'no-cache', ...extra });
  if (res.req.method === 'HEAD' || stat.size === 0) {
    await handle.close();
    res.end();
    return;
  }
  // `end` bounds the read to the length announced, also when the file grows meanwhile.
  const stream = handle.createReadStream({ start: 0, end: stat.size - 1, highWaterMark: readBytes });
  pipeline(stream, res, (err) => {
    if (err) res.destroy();
  });
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

/** What every request handler needs. */
interface Context {
  runsDir: string;
  dashboardDir: string | null;
  loopback: boolean;
  limits: ServerLimits;
  index: RunIndex;
  /** Counters; `stepsBytesRead` counts the replies done (the active ones are added by `stats()`). */
  stats: ServerStats;
  /** The `/api/steps` replies being written. */
  activeReaders: Set<StepsChunkReader>;
}

async function handleSteps(url: URL, res: ServerResponse, ctx: Context): Promise<void> {
  const id = url.searchParams.get('run');
  if (id === null) {
    sendError(res, 400, 'missing query parameter "run" (a run id from /api/runs)');
    return;
  }
  const rel = id === '.' ? '' : checkRelativePath(id);
  const cursor = { offset: intParam(url, 'offset'), line: intParam(url, 'line') };
  const dir = await resolveInsideRealRoot(ctx.index.root, rel);
  // inside the run folder; a FIFO, device or socket is refused by StepsChunkReader.open before it is opened (404)
  const stepsFile = await resolveInsideRealRoot(dir, RUN_FILES.steps);
  // summary.json: the run is finished; read it before the steps so that no line written before it is held back.
  const state = await ctx.index.summary(dir);
  const reader = await StepsChunkReader.open(stepsFile, cursor, state.finished, {
    maxBytes: ctx.limits.stepsChunkBytes,
    readBytes: ctx.limits.readBufferBytes,
    maxWarnings: ctx.limits.maxChunkWarnings,
  });
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' });
  if (res.req.method === 'HEAD') {
    await reader.close();
    res.end();
    return;
  }
  const { stats } = ctx;
  ctx.activeReaders.add(reader);
  try {
    const head = { run: id, finished: state.finished, summary: state.summary, ...(state.warning !== undefined ? { summaryWarning: state.warning } : {}) };
    await writeStepsReply(res, head, reader, { onStall: () => stats.stalledStepsReplies++, onResume: () => stats.stalledStepsReplies-- });
  } finally {
    ctx.activeReaders.delete(reader);
    stats.stepsBytesRead += reader.bytesRead;
  }
}

async function handleStatic(pathname: string, res: ServerResponse, ctx: Context): Promise<void> {
  const { dashboardDir } = ctx;
  if (dashboardDir === null) {
    if (pathname === '/' || pathname === '/index.html') send(res, 200, NOT_BUILT_PAGE, 'text/html; charset=utf-8');
    else sendError(res, 404, 'not found');
    return;
  }
  const rel = decodeRelativePath(pathname.slice(1));
  const file = await resolveFileInsideAsync(dashboardDir, rel === '' ? 'index.html' : rel);
  const headers: Record<string, string> = { 'Content-Security-Policy': DASHBOARD_CSP, 'X-Frame-Options': 'DENY' };
  // Hashed asset names never change content: let the browser keep them.
  if (rel.startsWith('assets/')) headers['Cache-Control'] = 'public, max-age=31536000, immutable';
  await sendFile(res, file, ctx.limits.readBufferBytes, headers);
}

async function route(rawPath: string, url: URL, res: ServerResponse, ctx: Context): Promise<void> {
  // Route on the raw path: URL parsing would already have removed "..".
  if (rawPath === '/api/runs') sendJson(res, 200, { runs: await ctx.index.list() });
  else if (rawPath === '/api/steps') await handleSteps(url, res, ctx);
  else if (rawPath.startsWith('/api/')) sendError(res, 404, `unknown API route ${rawPath}`);
  else if (rawPath.startsWith('/files/')) {
    const file = await resolveFileInsideAsync(ctx.runsDir, decodeRelativePath(rawPath.slice('/files/'.length)));
    await sendFile(res, file, ctx.limits.readBufferBytes, { 'Content-Security-Policy': 'sandbox allow-scripts' });
  } else await handleStatic(rawPath, res, ctx);
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const refusal = checkHostHeaders(req.headersDistinct.host, ctx.loopback);
  if (refusal !== null) {
    sendError(res, refusal.status, refusal.message);
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
    await route(rawPath, url, res, ctx);
  } catch (e) {
    if (res.headersSent) {
      // part of a streamed reply is out: the client must see a cut reply, not a valid one
      if (!(e instanceof ReplyAbortedError)) res.destroy();
      return;
    }
    if (e instanceof PathRefusedError) sendError(res, e.status, e.message);
    else if (e instanceof NotRegularFileError) sendError(res, 404, 'not a regular file');
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
  const limits = resolveLimits(options.limits);
  let dashboardDir = options.dashboardDir ?? null;
  if (dashboardDir !== null && !existsSync(join(dashboardDir, 'index.html'))) dashboardDir = null;
  const index = new RunIndex(runsDir, { maxCachedRuns: limits.maxCachedRuns, maxSummaryBytes: limits.maxSummaryBytes, maxConcurrentScans: limits.maxConcurrentScans });
  const stats: ServerStats = { stepsBytesRead: 0, indexBytesRead: 0, activeStepsReplies: 0, stalledStepsReplies: 0, droppedConnections: 0, cachedRuns: 0 };
  const ctx: Context = { runsDir, dashboardDir, loopback: isLoopbackHost(host), limits, index, stats, activeReaders: new Set() };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // how often the header and request timeouts are checked (Node's default is 30 s)
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      handle(req, res, ctx).catch(() => res.destroy());
    },
  );
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // a socket with no traffic for this long is destroyed (no 'timeout' listener on the server)
  server.setTimeout(limits.idleTimeoutMs);
  server.on('drop', () => stats.droppedConnections++);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  index.warm();
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`,
    port: addr.port,
    host: addr.address,
    limits,
    httpServer: server,
    runs: () => index.list(),
    stats: () => {
      let reading = 0;
      for (const r of ctx.activeReaders) reading += r.bytesRead;
      return { ...stats, stepsBytesRead: stats.stepsBytesRead + reading, activeStepsReplies: ctx.activeReaders.size, indexBytesRead: index.scannedBytes, cachedRuns: index.cachedRuns };
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

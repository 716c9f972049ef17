/**
 * The resource limits of `gradclip serve`: connections, timeouts, and the
 * sizes that bound the memory one request can hold. The defaults and the
 * reasons for them are in docs/server.md.
 *
 * @packageDocumentation
 */

/** Limits of the server; every field has a default ({@link DEFAULT_LIMITS}). */
export interface ServerLimits {
  /** Open connections at most; further connections are closed at once (`server.maxConnections`). */
  maxConnections: number;
  /** Time to receive a request's headers before the server answers 408 and closes (`server.headersTimeout`), ms. */
  headersTimeoutMs: number;
  /** Time to receive a whole request (`server.requestTimeout`), ms; at least {@link ServerLimits.headersTimeoutMs}. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept (`server.keepAliveTimeout`), ms. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic in either direction for this long is closed, e.g. a client that stopped reading a reply (`server.timeout`), ms. */
  idleTimeoutMs: number;
  /** Largest span of `steps.jsonl` one `/api/steps` reply covers, bytes (the reply says `more` when it stopped there). */
  stepsChunkBytes: number;
  /** Size of one read from a log file, bytes: the reply is decoded and written piece by piece of this size. */
  readBufferBytes: number;
  /** A `/api/steps` reply stops (with `more`) once it holds this many warnings, so a log of garbage lines cannot fill memory. */
  maxChunkWarnings: number;
  /** A `summary.json` larger than this is not read (a warning says so), bytes. */
  maxSummaryBytes: number;
  /** Runs whose index (line count, parsed summary) is kept in memory; the least recently used are dropped beyond it. */
  maxCachedRuns: number;
  /** Log files scanned (for the run list's line counts) at the same time. */
  maxConcurrentScans: number;
}

/** The default limits (see docs/server.md for why each value). */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  stepsChunkBytes: 1024 * 1024,
  readBufferBytes: 64 * 1024,
  maxChunkWarnings: 1000,
  maxSummaryBytes: 1024 * 1024,
  maxCachedRuns: 2048,
  maxConcurrentScans: 2,
});

/**
 * The defaults overridden by `partial`; throws when a value is not a
 * positive integer or the timeouts are inconsistent.
 *
 * @param partial - the limits to change
 */
export function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const out: ServerLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(partial) as Array<[keyof ServerLimits, unknown]>) {
    if (!(key in DEFAULT_LIMITS)) throw new Error(`unknown server limit "${key}": known limits are ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new Error(`server limit ${key} must be a positive integer, got ${String(value)}`);
    out[key] = value;
  }
  if (out.requestTimeoutMs < out.headersTimeoutMs) {
    throw new Error(`server limit requestTimeoutMs (${out.requestTimeoutMs}) must be >= headersTimeoutMs (${out.headersTimeoutMs})`);
  }
  return out;
}

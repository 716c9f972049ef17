/**
 * `gradclip serve [runs] --port <n> --host <address>`: serves the dashboard
 * and the run viewer for a runs folder until Ctrl+C. Listens on loopback
 * (127.0.0.1) unless `--host` names another address.
 */
import { UsageError } from '../errors.js';
import { DEFAULT_HOST, isLoopbackHost } from '../../server/host-check.js';
import { findDashboardDir } from '../../server/dashboard-dir.js';
import { startServer } from '../../server/server.js';

/** Parses `--port`: an integer in [0, 65535] (0 picks a free port). */
export function parsePort(text: string): number {
  const t = String(text).trim();
  const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isInteger(n) || n > 65535) throw new UsageError(`--port must be an integer in [0, 65535], got "${text}"`);
  return n;
}

/** Starts the server and resolves when it has been stopped by SIGINT/SIGTERM. */
export async function serveCommand(dir: string, opts: { port: string; host?: string }): Promise<void> {
  const port = parsePort(opts.port);
  const host = opts.host ?? DEFAULT_HOST;
  if (host.trim() === '') throw new UsageError('--host needs an address, e.g. --host 0.0.0.0 (or leave it out for 127.0.0.1)');
  let server;
  try {
    server = await startServer({ runsDir: dir, port, host, dashboardDir: findDashboardDir() });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use: pick another with --port <n> (0 picks a free one)`);
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new UsageError(`--host ${host}: no such local address`);
    throw new UsageError(err.message);
  }
  const dashboard = findDashboardDir();
  const runs = (await server.runs()).length;
  console.log(`gradclip serve: ${server.url}  (runs folder: ${dir}, ${runs} run${runs === 1 ? '' : 's'})`);
  if (dashboard === null) console.log('  the dashboard is not built yet: run "npm run build:dashboard"; the JSON API works meanwhile');
  if (!isLoopbackHost(host)) console.log(`  warning: listening on ${host}: anyone who can reach this machine can read the runs folder`);
  console.log('  press Ctrl+C to stop');
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolveStop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

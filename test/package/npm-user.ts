/**
 * Helpers for test/package/install.test.ts: run npm and other commands the
 * way a user's shell would (outside the workspace, without the test
 * runner's npm and node settings), with a time limit each.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a finished command left. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Flags every npm call gets. */
export const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

/**
 * The environment of a user's shell: the variables npm sets for a running
 * script (`npm_package_*`, `npm_lifecycle_*`, the workspace's prefix) and the
 * test runner's node options (`--conditions=gradclip-source`, tsx) are
 * dropped; the npm cache, registry and npmrc locations are kept.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const drop = /^npm_(package_|lifecycle_|command$|config_(local_prefix|prefix|workspaces?|include_workspace_root|global|yes)$)/i;
  for (const [k, v] of Object.entries(process.env)) {
    if (drop.test(k) || k === 'INIT_CWD' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  const nodeOptions = (process.env.NODE_OPTIONS ?? '')
    .split(/\s+/)
    .filter((t) => t !== '' && !/gradclip-source|tsx/.test(t) && t !== '--import' && t !== '--conditions' && t !== '-C');
  if (nodeOptions.length > 0) env.NODE_OPTIONS = nodeOptions.join(' ');
  return { ...env, NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false', ...extra };
}

/**
 * Runs `cmd args` in `cwd`; resolves when it exits, rejects after
 * `timeoutMs` (the whole process group is killed first).
 */
export function runCommand(cmd: string, args: string[], opts: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? userEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      killGroup(child.pid, 'SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) did not finish in ${opts.timeoutMs / 1000} s\nstdout: ${tail(stdout)}\nstderr: ${tail(stderr)}`));
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - start });
    });
  });
}

/** Sends `signal` to the process group led by `pid` (started with `detached`). */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** The last `n` characters of a command's output, for error messages. */
export function tail(s: string, n = 2000): string {
  return s.length > n ? `...${s.slice(-n)}` : s;
}

/** `npm <args> --no-audit --no-fund --loglevel=error` in `cwd`; throws with the output when npm fails. */
export async function npm(cwd: string, args: string[], timeoutMs: number, what = `npm ${args.join(' ')}`): Promise<CommandResult> {
  const r = await runCommand('npm', [...args, ...NPM_QUIET], { cwd, timeoutMs });
  if (r.code !== 0) {
    const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET|network request|certificate|E5\d\d/.test(r.stderr);
    throw new Error(
      `${what} failed in ${cwd} (exit ${r.code}${r.signal ? `, ${r.signal}` : ''})` +
        (offline ? ': the npm registry could not be reached; this test installs @tensorflow/tfjs and the CLI dependencies from it (CI has the registry)' : '') +
        `\nstderr: ${tail(r.stderr)}\nstdout: ${tail(r.stdout)}`,
    );
  }
  return r;
}

/** The installed packages of a project: its lockfile's `node_modules/...` entries (links excluded). */
export function installedPackages(dir: string): string[] {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { link?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, meta]) => path !== '' && !meta.link)
    .map(([path]) => path)
    .sort();
}

/** The last non-empty line of `stdout`, parsed as JSON. */
export function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n').filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1];
  try {
    return JSON.parse(last ?? '') as Record<string, unknown>;
  } catch {
    throw new Error(`the last stdout line is not JSON: ${JSON.stringify(last)}\nstdout: ${tail(stdout)}`);
  }
}

/** Running the built `gradclip` command from tests (`packages/cli/dist/cli.js`, so `npm run build` first). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The built command. */
export const CLI = join(process.cwd(), 'packages', 'cli', 'dist', 'cli.js');

/** What one command line returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `gradclip <args>` to its end (at most `timeoutMs`). */
export function runCli(args: readonly string[], timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The last line of stdout parsed as JSON (the `--json` summary or diagnosis). */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

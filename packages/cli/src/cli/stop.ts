/**
 * Ctrl-C and SIGTERM during a run (DESIGN.md section 8, **contract**): the
 * first signal asks the training loop to stop after the current step; the
 * command then writes `summary.json` with `"interrupted": true`, the report
 * and the JSON line, and exits 130 (SIGINT) or 143 (SIGTERM). The first
 * signal also removes the listeners, so a second one gets Node's default
 * handling: the process ends at once, even in the middle of synchronous
 * work such as rendering the report (it dies by the signal: a shell reports
 * 130 or 143). The files already in place stay whole (every file is
 * replaced atomically); at most the temporary file of the write in progress
 * is left behind (`.<name>.tmp-<pid>-<n>`, which `--overwrite` recognises).
 *
 * @module
 */
import { EXIT } from './errors.js';

/** The signals that stop a run. */
export type StopSignalName = 'SIGINT' | 'SIGTERM';

/** The exit code of a run stopped by each signal (128 + the signal number). */
export const SIGNAL_EXIT_CODES: Readonly<Record<StopSignalName, number>> = Object.freeze({ SIGINT: EXIT.sigint, SIGTERM: EXIT.sigterm });

const SIGNALS: readonly StopSignalName[] = ['SIGINT', 'SIGTERM'];

/**
 * Listens for the first SIGINT or SIGTERM while a command runs. Install it
 * before the first step and uninstall it when the command is done (while
 * installed it replaces Node's default of exiting at once).
 */
export class StopController {
  /** The first signal received, or null. */
  signal: StopSignalName | null = null;
  private readonly handlers = new Map<StopSignalName, () => void>();

  /** Starts listening; returns this. */
  install(): this {
    for (const sig of SIGNALS) {
      if (this.handlers.has(sig)) continue;
      const handler = (): void => this.receive(sig);
      this.handlers.set(sig, handler);
      process.on(sig, handler);
    }
    return this;
  }

  /** Stops listening (Node's default handling is back). Idempotent. */
  uninstall(): void {
    for (const [sig, handler] of this.handlers) process.off(sig, handler);
    this.handlers.clear();
  }

  /** True once a signal asked the run to stop. */
  get requested(): boolean {
    return this.signal !== null;
  }

  /** The exit code for the signal received (130 or 143), or null when none was. */
  get exitCode(): number | null {
    return this.signal === null ? null : SIGNAL_EXIT_CODES[this.signal];
  }

  /** Handles the first signal: records it and gives the next one back to Node (which ends the process at once). */
  private receive(sig: StopSignalName): void {
    if (this.signal === null) this.signal = sig;
    this.uninstall();
  }
}

/**
 * The `gradclip` command: train, compare, calibrate, report, diagnose, demo
 * (and serve, for the dashboard). Exit codes (DESIGN.md section 8,
 * **contract**): 0 done (a run that diverges is a result, not a crash);
 * 2 bad input, printed as one line on stderr starting `gradclip:` that names
 * the flag (or the path of a file operation that failed), never a stack
 * trace; 130/143 when SIGINT/SIGTERM stopped a run (after its summary,
 * report and JSON line were written); 1 only for an internal bug (one line
 * too; `GRADCLIP_DEBUG=1` adds the stack trace).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { addRunOptions, givenOptions, intParser } from './options.js';
import { EXIT, oneLine, UsageError } from './errors.js';
import { CLI_BACKENDS } from './backend-names.js';
import { describeIoError, findErrnoError } from '../run-folder/io-errors.js';
import { RUN_FILES } from '../run-folder/layout.js';

/** Help of `--flow-every` (train, compare, demo; DESIGN.md section 8). */
const FLOW_EVERY_HELP = 'record the gradient flow through time in steps.jsonl at step 1 and every n steps: ‖∂L/∂h_t‖ for every t, its growth per step backward, the spectral norm and radius of the recurrent matrix (rnn) or mean state Jacobian (lstm, gru); recurrent models and the cliff; 0: off (docs/flow.md)';

/** Steps `gradclip calibrate` runs when `--steps` is not given (the run flags' default, 2000, is for training). */
export const CALIBRATE_DEFAULT_STEPS = 300;

/** The version of the gradclip-cli package: its package.json, two folders above src/cli/ and dist/cli/. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Where the commands leave the exit code (set by the action that ran). */
export interface ProgramContext {
  /** The exit code of the command that ran (0 until one sets it). */
  exitCode: number;
}

/**
 * Commander's error text as the one line of the CLI: `gradclip: ` instead
 * of `error: `, and the suggestion commander prints on a second line
 * (`(Did you mean --steps?)`) kept on the same line.
 */
export function formatCommanderError(text: string): string {
  return `gradclip: ${oneLine(text.replace(/^error:\s*/, ''))}\n`;
}

/** The CLI program (exported for tests); each action stores its exit code in `ctx`. */
export function buildProgram(ctx: ProgramContext = { exitCode: 0 }): Command {
  const program = new Command();
  program
    .name('gradclip')
    .description('Train models on exploding-gradient problems with and without gradient clipping, and report what happens.')
    .version(packageVersion())
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (str, write) => write(formatCommanderError(str)) });

  addRunOptions(
    program.command('train').description(`train one run and write its run folder (${RUN_FILES.steps}, TensorBoard events, ${RUN_FILES.summary}, ${RUN_FILES.report}); one run per folder`),
  )
    .option('--out <dir>', 'run folder, new or empty (default runs/<task>-<model>-<clip>-seed<seed>)')
    .option('--overwrite', 'empty a non-empty --out first (only a folder that holds nothing but gradclip output)', false)
    .option('--json', 'print the JSON summary as the last line of stdout', false)
    .option('--no-report', `skip ${RUN_FILES.report} and the PNG charts`)
    .option('--no-progress', 'no progress bar')
    .option('--flow-every <n>', FLOW_EVERY_HELP, intParser('flow-every', '50'), 0)
    .option('--checkpoint-every <n>', 'write checkpoint.json (weights, optimizer state, data position, evals) after every n steps', intParser('checkpoint-every', '0'))
    .option('--resume <dir>', 'continue the run of <dir> from its checkpoint.json (its config.json gives the configuration; only --steps, --checkpoint-every, --backend, --json, --no-report, --no-progress may be given)')
    .action(async (opts, cmd: Command) => {
      ctx.exitCode = await (await import('./commands/train.js')).trainCommand(opts, givenOptions(cmd));
    });

  addRunOptions(
    program.command('compare').description('run the same model, data and seed under each clipping method and write one comparison report'),
    'comma-separated clip specs, e.g. none,norm:1.0,value:0.5,autoclip:10,zclip:2.5,adagc:1.05',
  )
    .option('--seeds <list>', 'run every method for each seed: 1,2,3 or 1-5')
    .option('--out <dir>', 'output folder, new or empty (default runs/compare-<task>-<model>)')
    .option('--overwrite', 'empty a non-empty --out first (only a folder that holds nothing but gradclip output)', false)
    .option('--json', 'print a JSON object with every run summary as the last line of stdout', false)
    .option('--no-report', 'skip the HTML reports and PNG charts')
    .option('--no-progress', 'no progress bars')
    .option('--flow-every <n>', FLOW_EVERY_HELP, intParser('flow-every', '50'), 0)
    .action(async (opts, cmd: Command) => {
      ctx.exitCode = await (await import('./commands/compare.js')).compareCommand(opts, givenOptions(cmd));
    });

  addRunOptions(program.command('calibrate').description('run unclipped steps on a copy of the model and recommend a clipping threshold (writes no files)'))
    .option('--json', 'print the result as JSON', false)
    .action(async (opts, cmd: Command) => {
      // Only a --steps left at its default becomes the calibration default: an explicit --steps 2000 stays 2000.
      const steps = cmd.getOptionValueSource('steps') === 'default' ? CALIBRATE_DEFAULT_STEPS : opts.steps;
      ctx.exitCode = await (await import('./commands/calibrate.js')).calibrateCommand({ ...opts, steps }, givenOptions(cmd));
    });

  program
    .command('report')
    .description(`rebuild ${RUN_FILES.report} from run folders (and a comparison report when several are given, or a comparison folder of compare/demo); a folder without ${RUN_FILES.summary} is reported from ${RUN_FILES.steps}, marked incomplete`)
    .argument('<dirs...>', 'run folders, or one comparison folder')
    .option('--out <dir>', 'folder for the comparison report of two or more runs (default runs/comparison)')
    .action(async (dirs: string[], opts, cmd: Command) => {
      ctx.exitCode = await (await import('./commands/report.js')).reportCommand(dirs, opts, givenOptions(cmd));
    });

  program
    .command('diagnose')
    .description('print the diagnosis of a run: its likely causes ranked (exploding or vanishing through time or depth, saturation after an explosion, a learning rate too high, a bad batch), each with its evidence and fixes, then the findings')
    .argument('<dir>', 'run folder, or a comparison folder (each of its runs)')
    .option('--json', 'print the diagnosis as JSON', false)
    .action(async (dir: string, opts) => {
      ctx.exitCode = await (await import('./commands/diagnose.js')).diagnoseCommand(dir, opts);
    });

  program
    .command('demo')
    .description('the main job: the same RNN with and without clipping — one run goes non-finite, the clipped one learns (about 30 seconds on 2 cores)')
    .option('--out <dir>', 'output folder, new or empty', 'runs/demo')
    .option('--overwrite', 'empty a non-empty --out first (only a folder that holds nothing but gradclip output)', false)
    .option('--steps <n>', 'steps per run (default 3000)', intParser('steps', '3000'))
    .option('--recover', 'both runs roll back to the last good snapshot on a non-finite loss or gradient norm, halving the learning rate (as train --recover)', false)
    .option('--flow-every <n>', 'both runs record the gradient flow through time every n steps (as train --flow-every; 0: off)', intParser('flow-every', '50'), 0)
    .addOption(new Option('--backend <name>', 'TF.js backend').choices([...CLI_BACKENDS]).default('wasm'))
    .action(async (opts) => {
      ctx.exitCode = await (await import('./commands/demo.js')).demoCommand(opts);
    });

  program
    .command('serve')
    .description('serve the dashboard and the run viewer for a runs folder (loopback only unless --host is given)')
    .argument('[runs]', 'runs folder', 'runs')
    .option('--port <n>', 'port', '8080')
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .action(async (dir: string, opts) => {
      await (await import('./commands/serve.js')).serveCommand(dir, opts);
      ctx.exitCode = EXIT.ok;
    });

  return program;
}

/** True when `GRADCLIP_DEBUG` asks for stack traces. */
function debugging(): boolean {
  const v = process.env.GRADCLIP_DEBUG;
  return v !== undefined && v !== '' && v !== '0';
}

/**
 * Prints an error that reached the top as one line (plus the stack trace
 * with `GRADCLIP_DEBUG=1`) and returns the exit code: 2 for usage and
 * file-system errors, 1 for anything else (a bug).
 */
export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
    return EXIT.usage; // commander printed its one line through formatCommanderError
  }
  let line: string;
  let code: number;
  if (e instanceof UsageError) {
    line = e.message;
    code = EXIT.usage;
  } else if (findErrnoError(e) !== null) {
    line = describeIoError(e, findErrnoError(e)?.syscall ?? 'access');
    code = EXIT.usage;
  } else {
    const err = e instanceof Error ? e : new Error(String(e));
    line = `internal error (a bug of gradclip, please report it): ${err.name}: ${err.message}${debugging() ? '' : ' (GRADCLIP_DEBUG=1 shows the stack trace)'}`;
    code = EXIT.bug;
  }
  process.stderr.write(`gradclip: ${oneLine(line)}\n`);
  if (debugging() && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return code;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const ctx: ProgramContext = { exitCode: EXIT.ok };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    return reportError(e);
  }
}

/**
 * The `gradclip` command: train, compare, calibrate, report, diagnose, demo
 * (and serve, for the dashboard). Usage mistakes print one line and exit 2;
 * a run that diverges is a result (exit 0), not a crash.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { addRunOptions } from './options.js';
import { UsageError } from './errors.js';
import { CLI_BACKENDS } from './backend.js';
import { RUN_FILES } from '../run-folder/layout.js';

/** Steps `gradclip calibrate` runs when `--steps` is not given (the run flags' default, 2000, is for training). */
export const CALIBRATE_DEFAULT_STEPS = 300;

/** The version of the gradclip-cli package: its package.json, two folders above src/cli/ and dist/cli/. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The CLI program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('gradclip')
    .description('Train models on exploding-gradient problems with and without gradient clipping, and report what happens.')
    .version(packageVersion())
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });

  addRunOptions(
    program.command('train').description(`train one run and write its run folder (${RUN_FILES.steps}, TensorBoard events, ${RUN_FILES.summary}, ${RUN_FILES.report})`),
  )
    .option('--out <dir>', 'run folder (default runs/<task>-<model>-<clip>-seed<seed>)')
    .option('--json', 'print the JSON summary as the last line of stdout', false)
    .option('--no-report', `skip ${RUN_FILES.report} and the PNG charts`)
    .option('--no-progress', 'no progress bar')
    .action(async (opts) => (await import('./commands/train.js')).trainCommand(opts));

  addRunOptions(
    program.command('compare').description('run the same model, data and seed under each clipping method and write one comparison report'),
    'comma-separated clip specs, e.g. none,norm:1.0,value:0.5,autoclip:10,zclip:2.5',
  )
    .option('--seeds <list>', 'run every method for each seed: 1,2,3 or 1-5')
    .option('--out <dir>', 'output folder (default runs/compare-<task>-<model>)')
    .option('--json', 'print a JSON object with every run summary as the last line of stdout', false)
    .option('--no-report', 'skip the HTML reports and PNG charts')
    .option('--no-progress', 'no progress bars')
    .action(async (opts) => (await import('./commands/compare.js')).compareCommand(opts));

  addRunOptions(program.command('calibrate').description('run unclipped steps on a copy of the model and recommend a clipping threshold'))
    .option('--json', 'print the result as JSON', false)
    .action(async (opts, cmd: Command) => {
      // Only a --steps left at its default becomes the calibration default: an explicit --steps 2000 stays 2000.
      const steps = cmd.getOptionValueSource('steps') === 'default' ? CALIBRATE_DEFAULT_STEPS : opts.steps;
      return (await import('./commands/calibrate.js')).calibrateCommand({ ...opts, steps });
    });

  program
    .command('report')
    .description(`rebuild ${RUN_FILES.report} from run folders (and a comparison report when several are given)`)
    .argument('<dirs...>', 'run folders')
    .option('--out <dir>', 'folder for the comparison report (default runs/comparison)')
    .action(async (dirs: string[], opts) => (await import('./commands/report.js')).reportCommand(dirs, opts));

  program
    .command('diagnose')
    .description('print the diagnosis of a run: healthy, exploding or vanishing gradients, with the evidence and the fix')
    .argument('<dir>', 'run folder')
    .option('--json', 'print the diagnosis as JSON', false)
    .action(async (dir: string, opts) => (await import('./commands/diagnose.js')).diagnoseCommand(dir, opts));

  program
    .command('demo')
    .description('the main job: the same RNN with and without clipping — one run goes non-finite, the clipped one learns (about 30 seconds on 2 cores)')
    .option('--out <dir>', 'output folder', 'runs/demo')
    .option('--steps <n>', 'steps per run (default 3000)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--steps must be an integer >= 1, got "${v}"`);
      return n;
    })
    .addOption(new Option('--backend <name>', 'TF.js backend').choices([...CLI_BACKENDS]).default('wasm'))
    .action(async (opts) => (await import('./commands/demo.js')).demoCommand(opts));

  program
    .command('serve')
    .description('serve the dashboard and the run viewer for a runs folder (loopback only unless --host is given)')
    .argument('[runs]', 'runs folder', 'runs')
    .option('--port <n>', 'port', '8080')
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .action(async (dir: string, opts) => (await import('./commands/serve.js')).serveCommand(dir, opts));

  return program;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`gradclip: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`gradclip: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

/**
 * The run flags (DESIGN.md section 4, **contract**) and their parsers: the
 * syntax of each value is checked here (decimal numbers only: `0x10`,
 * `Infinity` and blanks are errors), the ranges and the rules between flags
 * in `resolveRunConfig`.
 *
 * @module
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { RUN_TASKS, OPTIMIZER_NAMES, type RunConfig } from '../train/config.js';
import { parseDecimal, parseInteger } from '../train/numbers.js';
import { MODEL_NAMES } from '../tasks/models/types.js';
import { CLI_BACKENDS } from './backend-names.js';

/** A commander parser for an integer flag (decimal digits, optionally `1e4`). */
export function intParser(name: string, example = '100'): (v: string) => number {
  return (v: string): number => {
    const n = parseInteger(v.trim() === v ? v : '');
    if (n === null) throw new InvalidArgumentError(`--${name} must be an integer (decimal digits, an exponent allowed: e.g. ${example} or 1e3), got "${v}"`);
    return n;
  };
}

/** A commander parser for a number flag (decimal notation, finite). */
export function numParser(name: string, example = '0.01'): (v: string) => number {
  return (v: string): number => {
    const n = parseDecimal(v.trim() === v ? v : '');
    if (n === null) throw new InvalidArgumentError(`--${name} must be a finite number in decimal notation (e.g. ${example}), got "${v}"`);
    return n;
  };
}

/** Adds the run flags of DESIGN.md section 4 (contract) to a command. */
export function addRunOptions(cmd: Command, clipHelp = 'clipping: none, norm:<max>, value:<v>, autoclip:<percentile>, agc:<lambda>, zclip:<z>, adagc:<lambdaRel>'): Command {
  return cmd
    .addOption(new Option('--task <name>', 'task').choices([...RUN_TASKS]).default('addition'))
    .addOption(new Option('--model <name>', 'model (charlm defaults to transformer)').choices([...MODEL_NAMES]))
    .option('--length <T>', 'sequence length', intParser('length', '50'), 50)
    .option('--batch <n>', 'sequences per batch', intParser('batch', '20'), 20)
    .option('--steps <n>', 'optimizer steps', intParser('steps', '2000'), 2000)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices([...OPTIMIZER_NAMES]).default('sgd'))
    .option('--lr <rate>', 'learning rate (peak rate with --warmup)', numParser('lr', '0.01'), 0.01)
    .option('--init <init>', 'initialisation: rnn basic-tanh | smart-tanh | sigmoid | normal:<std>; lstm/gru glorot | normal:<std>; transformer normal:<std>')
    .option('--clip <spec>', clipHelp, 'none')
    .option('--seed <n>', 'random seed', intParser('seed', '1'), 1)
    .option('--hidden <n>', 'hidden units of recurrent models', intParser('hidden', '50'), 50)
    .option('--eval-size <n>', 'fresh sequences for the error rate', intParser('eval-size', '1000'), 1000)
    .option('--eval-every <n>', 'evaluate every n steps (0: only at the end)', intParser('eval-every', '100'), 0)
    .option('--warmup <n>', 'linear learning-rate warm-up steps (default 100 for the transformer)', intParser('warmup', '100'))
    .option('--weight-decay <wd>', 'decoupled weight decay (--optimizer adamw or stableadamw)', numParser('weight-decay', '0.01'), 0.01)
    .option('--momentum <m>', 'momentum coefficient (--optimizer momentum)', numParser('momentum', '0.9'), 0.9)
    .option('--skip-non-finite', 'skip steps with NaN/Inf gradients instead of applying them', false)
    .option('--no-stop-on-divergence', 'keep training after a non-finite loss or weight')
    .option('--recover', 'roll back to the last good snapshot on a non-finite loss or gradient norm (withRecovery: a snapshot every 10 steps, 2 kept, the learning rate halved at each rollback, at most 5 rollbacks, then the run ends as diverged)', false)
    .option('--cliff-w <w>', 'cliff task: initial w', numParser('cliff-w', '6'), 6)
    .option('--cliff-b <b>', 'cliff task: initial b', numParser('cliff-b', '-2.93'), -2.93)
    .option('--text <file>', 'charlm: train on this UTF-8 text file instead of the generated text (the last 10% is held out for evaluation)')
    .addOption(new Option('--backend <name>', 'TF.js backend').choices([...CLI_BACKENDS]).default('wasm'));
}

/**
 * The parsed run flags as commander gives them: the run configuration's
 * fields (model and warm-up may be left to their task-dependent defaults)
 * plus the backend.
 */
export type RunFlags = Omit<RunConfig, 'model' | 'optimizer' | 'warmup'> & {
  model?: string;
  optimizer: string;
  warmup?: number;
  backend: string;
};

/** Converts flags to a (partial) run configuration; validation happens in resolveRunConfig. */
export function flagsToConfig(f: RunFlags, clip = f.clip, seed = f.seed): Partial<RunConfig> {
  const { backend: _backend, ...run } = f;
  return { ...run, optimizer: f.optimizer as RunConfig['optimizer'], clip, seed };
}

/**
 * The options of `cmd` the user gave on the command line (commander's value
 * source `cli`), by attribute name (`evalSize`, `stopOnDivergence`, ...):
 * the `given` set of `resolveRunConfig`, for the flags that have no effect.
 */
export function givenOptions(cmd: Command): string[] {
  return cmd.options.map((o) => o.attributeName()).filter((k) => cmd.getOptionValueSource(k) === 'cli');
}

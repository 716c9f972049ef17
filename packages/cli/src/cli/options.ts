import { Command, InvalidArgumentError, Option } from 'commander';
import { RUN_TASKS, OPTIMIZER_NAMES, type RunConfig } from '../train/config.js';
import { MODEL_NAMES } from '../tasks/models/types.js';
import { CLI_BACKENDS } from './backend.js';

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`--${name} must be an integer, got "${v}"`);
    return n;
  };
}

function num(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`--${name} must be a number, got "${v}"`);
    return n;
  };
}

/** Adds the run flags of DESIGN.md section 4 (contract) to a command. */
export function addRunOptions(cmd: Command, clipHelp = 'clipping: none, norm:<max>, value:<v>, autoclip:<percentile>, agc:<lambda>, zclip:<z>'): Command {
  return cmd
    .addOption(new Option('--task <name>', 'task').choices([...RUN_TASKS]).default('addition'))
    .addOption(new Option('--model <name>', 'model (charlm defaults to transformer)').choices([...MODEL_NAMES]))
    .option('--length <T>', 'sequence length', int('length'), 50)
    .option('--batch <n>', 'sequences per batch', int('batch'), 20)
    .option('--steps <n>', 'optimizer steps', int('steps'), 2000)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices([...OPTIMIZER_NAMES]).default('sgd'))
    .option('--lr <rate>', 'learning rate (peak rate with --warmup)', num('lr'), 0.01)
    .option('--init <init>', 'initialisation: rnn basic-tanh | smart-tanh | sigmoid | normal:<std>; lstm/gru glorot | normal:<std>')
    .option('--clip <spec>', clipHelp, 'none')
    .option('--seed <n>', 'random seed', int('seed'), 1)
    .option('--hidden <n>', 'hidden units of recurrent models', int('hidden'), 50)
    .option('--eval-size <n>', 'fresh sequences for the error rate', int('eval-size'), 1000)
    .option('--eval-every <n>', 'evaluate every n steps (0: only at the end)', int('eval-every'), 0)
    .option('--warmup <n>', 'linear learning-rate warm-up steps (default 100 for the transformer)', int('warmup'))
    .option('--weight-decay <wd>', 'AdamW decoupled weight decay', num('weight-decay'), 0.01)
    .option('--momentum <m>', 'momentum coefficient', num('momentum'), 0.9)
    .option('--skip-non-finite', 'skip steps with NaN/Inf gradients instead of applying them', false)
    .option('--no-stop-on-divergence', 'keep training after a non-finite loss or weight')
    .option('--cliff-w <w>', 'cliff task: initial w', num('cliff-w'), 6)
    .option('--cliff-b <b>', 'cliff task: initial b', num('cliff-b'), -2.93)
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

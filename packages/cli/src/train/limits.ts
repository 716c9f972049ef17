/**
 * Upper bounds of the run flags, checked by `resolveRunConfig` before
 * anything is trained or written. They stop inputs that would exhaust the
 * memory (or the patience) of the 2-core, 24 GB machine gradclip is developed
 * on, and they sit far above every run the project makes: the default run is
 * 2000 steps of batch 20 × length 50 × 50 hidden units (50,000 elements per
 * activation tensor), the largest documented run 3000 steps.
 *
 * @module
 */
import { TRANSFORMER_DEFAULTS } from '../tasks/models/transformer.js';
import { EVAL_CHUNK } from './problems/common.js';

/** The bounds (inclusive) of the run flags. */
export const RUN_LIMITS = Object.freeze({
  /** `--steps`: 1,000,000 steps keep about 320 MB of StepStats in memory (and as much `steps.jsonl` on disk). */
  steps: 1_000_000,
  /** `--batch`. */
  batch: 10_000,
  /** `--length`. */
  length: 10_000,
  /** `--hidden`: an LSTM of 2048 units has 16.8M recurrent weights (67 MB, three times that with Adam). */
  hidden: 2048,
  /** `--eval-size`: fresh sequences per evaluation (evaluated in chunks of {@link EVAL_CHUNK}). */
  evalSize: 100_000,
  /** `--warmup`. */
  warmup: 1_000_000,
  /** `--seed` (and every `--seeds` entry): the seeds of the app's random streams are 31-bit. */
  seed: 2_147_483_647,
  /**
   * Elements of the largest activation tensor of one step (or one evaluation
   * chunk): rows × sequence length × width (see {@link activationEstimate}).
   * 16,777,216 float32 elements are 64 MiB per tensor; back-propagation
   * through time keeps several of them. Measured on this machine (wasm):
   * an estimate of 50,000,000 (an evaluation chunk of 500 × length 1000 ×
   * 100 units) peaked at 1.8 GB and took 8 minutes per evaluation.
   */
  activationElements: 16_777_216,
  /** `compare`: seeds × clipping methods, i.e. runs started by one command. */
  compareRuns: 100,
  /** `calibrate --steps`: at most this many unclipped steps. */
  calibrateSteps: 100_000,
  /** `calibrate --steps`: at least this many (the library's `recommendThreshold` needs 20 finite norms by default). */
  calibrateMinSteps: 20,
  /** `--text`: the largest file read (64 MiB). */
  textBytes: 64 * 1024 * 1024,
} as const);

/** The fields of a run the activation estimate reads. */
export interface ActivationInput {
  /** Task name (`cliff` has no data: no estimate). */
  task: string;
  /** Model name. */
  model: string;
  /** `--batch`. */
  batch: number;
  /** `--length`. */
  length: number;
  /** `--hidden`. */
  hidden: number;
  /** `--eval-size`. */
  evalSize: number;
}

/** An estimate of the largest activation tensor of a run, with the formula in words. */
export interface ActivationEstimate {
  /** Elements of the tensor. */
  elements: number;
  /** How they were counted, with the flags named (for the error message). */
  formula: string;
  /** The flags that set the count, for the advice (`--batch`, `--eval-size`, `--length`, ...). */
  flags: string[];
}

/** Fused gate blocks per recurrent cell. */
const GATES: Readonly<Record<string, number>> = { rnn: 1, gru: 3, lstm: 4 };

/**
 * The largest activation tensor a run builds, in elements: rows × length ×
 * width, where rows is the larger of `--batch` and one evaluation chunk
 * (`min(--eval-size, 500)`), width is the recurrent cell's fused gate width
 * (`--hidden`, three or four times it for GRU and LSTM) or, for the
 * transformer, its MLP width plus one attention row per head
 * (`4 × 64 + 4 × --length`), and, for charlm, at least the vocabulary size
 * (the one-hot inputs and the logits). Null for the cliff (no data).
 *
 * @param c - the run's fields
 * @param vocabulary - charlm's vocabulary size, when known
 */
export function activationEstimate(c: ActivationInput, vocabulary?: number): ActivationEstimate | null {
  if (c.task === 'cliff') return null;
  const rows = Math.max(c.batch, Math.min(c.evalSize, EVAL_CHUNK));
  const rowsText = rows === c.batch ? `--batch ${c.batch}` : `an evaluation chunk of ${rows} sequences (--eval-size, at most ${EVAL_CHUNK} at a time)`;
  const flags = [rows === c.batch ? '--batch' : '--eval-size', '--length'];
  let width: number;
  let widthText: string;
  if (c.model === 'transformer') {
    const t = TRANSFORMER_DEFAULTS;
    width = t.mlpRatio * t.dModel + t.heads * c.length;
    widthText = `(${t.mlpRatio * t.dModel} + ${t.heads} × --length) (transformer MLP and attention)`;
  } else {
    const gates = GATES[c.model] ?? 1;
    width = gates * c.hidden;
    widthText = gates === 1 ? `--hidden ${c.hidden}` : `${gates} × --hidden ${c.hidden} (${c.model} gates)`;
    flags.push('--hidden');
  }
  if (vocabulary !== undefined && vocabulary > width) {
    width = vocabulary;
    widthText = `the ${vocabulary}-character vocabulary of --text (one-hot inputs and logits)`;
    flags.splice(2, flags.length - 2, '--text');
  }
  return { elements: rows * c.length * width, formula: `${rowsText} × --length ${c.length} × ${widthText}`, flags };
}

/** Formats an integer with thousands separators (`16777216` → `16,777,216`). */
export function withCommas(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

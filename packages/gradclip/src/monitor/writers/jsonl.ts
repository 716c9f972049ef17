/**
 * Pure encoder for `steps.jsonl` (browser-safe).
 *
 * Format: JSON Lines (https://jsonlines.org): one {@link encodeStepStats}
 * object per line, UTF-8, `\n` line ends. NaN and infinities are written as
 * the strings `"NaN"`, `"Infinity"`, `"-Infinity"` (plain JSON has no such
 * numbers; `JSON.stringify` would write `null`).
 *
 * @packageDocumentation
 */
import { encodeStepStats, type StepStats } from '../../core/step-stats.js';

/**
 * One line of `steps.jsonl`, without the trailing newline. The text never
 * contains a raw newline (`JSON.stringify` escapes them inside strings).
 *
 * @param stats - the step record
 * @returns the JSON text of `encodeStepStats(stats)`
 */
export function encodeJsonlLine(stats: StepStats): string {
  return JSON.stringify(encodeStepStats(stats));
}

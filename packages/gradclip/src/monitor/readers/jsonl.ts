/**
 * `steps.jsonl` reader (pure, browser-safe: used by the dashboard and
 * `gradclip serve`).
 *
 * @packageDocumentation
 */
import { decodeStepStats, type StepStats } from '../../core/step-stats.js';
import { GradclipArgumentError, describeValue } from '../../core/errors.js';

/** What {@link readStepsJsonl} returns. */
export interface StepsJsonlResult {
  /** Records of every well-formed line, in file order. */
  steps: StepStats[];
  /** One message per skipped line, starting with `line <n>:` (1-based). */
  warnings: string[];
}

/**
 * Parses the text of a `steps.jsonl` file.
 *
 * - Blank lines are ignored; `\r\n` line ends are accepted.
 * - A line that is not valid JSON, or not a step record
 *   (`decodeStepStats` fails), is skipped with a warning naming its line.
 * - The last line may lack its `\n`: it is accepted when it is a complete
 *   JSON object (only the newline was lost), and otherwise reported as an
 *   incomplete last line (a write cut by a crash). A cut JSON object never
 *   parses, so a half-written record cannot be mistaken for a whole one.
 *
 * @param text - the file contents
 * @returns the records and warnings
 */
export function readStepsJsonl(text: string): StepsJsonlResult {
  if (typeof text !== 'string') {
    throw new GradclipArgumentError(`readStepsJsonl: text must be the file contents as a string (e.g. fs.readFileSync(path, 'utf8')), got ${describeValue(text)}`);
  }
  const steps: StepStats[] = [];
  const warnings: string[] = [];
  const lines = text.split('\n');
  const lastIndex = lines.length - 1; // the part after the final '\n' ('' when the text ends with one)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const where = `line ${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      if (i === lastIndex) {
        warnings.push(`${where}: incomplete last line (no newline, not valid JSON; a write cut short?), ignored`);
      } else {
        warnings.push(`${where}: not valid JSON (${e instanceof Error ? e.message : String(e)}), skipped`);
      }
      continue;
    }
    try {
      steps.push(decodeStepStats(obj));
    } catch (e) {
      warnings.push(`${where}: not a step record (${e instanceof Error ? e.message : String(e)}), skipped`);
    }
  }
  return { steps, warnings };
}

/**
 * Pure CSV encoding of step records (browser-safe).
 *
 * Layout: a header line, then one line per step, RFC 4180 quoting, `\n` line
 * ends. Columns: the fixed {@link CSV_BASE_COLUMNS}, then one column
 * `layer:<name>` per per-layer norm. Cells:
 * - finite numbers in JavaScript's shortest round-trip form (`String(x)`);
 * - non-finite numbers as `NaN`, `Infinity`, `-Infinity` (read as floats by
 *   pandas, R and spreadsheets);
 * - `null`/absent values (and layers missing from a record) as empty cells;
 * - `clipped` / `skipped` as `1` / `0`, so a column mean is the clip rate.
 *
 * @packageDocumentation
 */
import type { StepStats } from '../../core/step-stats.js';
import { GradclipArgumentError, requireStepRecord, requireStringArray } from '../../core/errors.js';

/** The fixed leading columns (**contract**), in order. */
export const CSV_BASE_COLUMNS = [
  'step',
  'loss',
  'preClipNorm',
  'postClipNorm',
  'clipCoef',
  'clipped',
  'skipped',
  'time',
] as const;

/** Prefix of the per-layer norm columns: `layer:<variable name>`. */
export const CSV_LAYER_PREFIX = 'layer:';

/**
 * Quotes one CSV cell when needed (RFC 4180: a cell holding `,`, `"`, CR or
 * LF is wrapped in double quotes, inner quotes doubled).
 *
 * @param cell - the raw cell text
 * @returns the cell as it appears in the file
 */
export function quoteCsvCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

function numberCell(x: number | null | undefined): string {
  if (x === null || x === undefined) return '';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  return String(x);
}

/**
 * The column names for a given set of layers: {@link CSV_BASE_COLUMNS}
 * followed by `layer:<name>` for each name, in the order given.
 *
 * @param layerNames - variable names of the per-layer columns
 * @returns the column names (unquoted)
 */
export function csvColumns(layerNames: readonly string[]): string[] {
  requireStringArray('csvColumns', 'layerNames', layerNames);
  return [...CSV_BASE_COLUMNS, ...layerNames.map((n) => CSV_LAYER_PREFIX + n)];
}

/**
 * The header line (without the newline).
 *
 * @param layerNames - variable names of the per-layer columns
 * @returns the quoted, comma-joined column names
 */
export function encodeCsvHeader(layerNames: readonly string[]): string {
  return csvColumns(layerNames).map(quoteCsvCell).join(',');
}

/**
 * One data line (without the newline). Layers of `stats.layerNorms` that are
 * not in `layerNames` are not written; names of `layerNames` missing from the
 * record give empty cells.
 *
 * @param stats - the step record
 * @param layerNames - the per-layer columns of the file, as in its header
 * @returns the comma-joined cells
 */
export function encodeCsvRow(stats: StepStats, layerNames: readonly string[]): string {
  requireStepRecord('encodeCsvRow', 'stats', stats);
  requireStringArray('encodeCsvRow', 'layerNames', layerNames);
  const cells = [
    String(stats.step),
    numberCell(stats.loss),
    numberCell(stats.preClipNorm),
    numberCell(stats.postClipNorm),
    numberCell(stats.clipCoef),
    stats.clipped ? '1' : '0',
    stats.skipped ? '1' : '0',
    numberCell(stats.time),
  ];
  const ln = stats.layerNorms;
  for (const name of layerNames) {
    cells.push(ln !== undefined && Object.prototype.hasOwnProperty.call(ln, name) ? numberCell(ln[name]) : '');
  }
  return cells.join(',');
}

/**
 * Splits one CSV line into cells, undoing {@link quoteCsvCell}. Throws when a
 * quoted cell is not closed on the line.
 *
 * @param line - one line of the file, without its newline
 * @returns the cells
 */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new GradclipArgumentError(`splitCsvLine: unterminated quoted cell in line ${JSON.stringify(line)}`);
        cell += line.slice(i, q);
        if (line[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(cell);
      if (i === line.length) return cells;
      if (line[i] !== ',') throw new GradclipArgumentError(`splitCsvLine: expected "," after a quoted cell at column ${i} of ${JSON.stringify(line)}`);
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        cells.push(line.slice(i));
        return cells;
      }
      cells.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

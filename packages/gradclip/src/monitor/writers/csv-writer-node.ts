/**
 * CSV writer for step records (Node-only: uses `node:fs`). Format: see `csv.ts`.
 *
 * @packageDocumentation
 */
import type { StepStats } from '../../core/step-stats.js';
import { AppendFile, terminateTruncatedLine } from './append-file-node.js';
import { CSV_BASE_COLUMNS, CSV_LAYER_PREFIX, encodeCsvHeader, encodeCsvRow, splitCsvLine } from './csv.js';
import type { StepWriter } from './types.js';
import { GradclipArgumentError } from '../../core/errors.js';
import { checkOptions } from '../../core/options.js';

/** Options of {@link CsvWriter}. */
export interface CsvWriterOptions {
  /**
   * Per-layer columns to use instead of the names of the first record's
   * `layerNorms`. Ignored when appending to a file that already has a header.
   * @default the keys of the first record's `layerNorms`, in insertion order
   */
  layers?: readonly string[];
  /**
   * Called once for each layer name that appears after the header was fixed
   * (its values are not written to this file).
   * @default emits a Node process warning (`process.emitWarning`)
   */
  onWarning?: (message: string) => void;
}

/**
 * Writes step records as CSV: header `step,loss,preClipNorm,postClipNorm,
 * clipCoef,clipped,skipped,time` followed by `layer:<name>` columns.
 *
 * The layer columns are fixed when the header is written, with the first
 * record (a CSV file has one header, and rewriting it would break the
 * append-only crash-safety guarantee). Later records:
 * - missing a layer → empty cell;
 * - adding a new layer name → the value is **not** written to the CSV; the
 *   name is added to {@link CsvWriter.droppedLayers} and reported once through
 *   `onWarning`. The JSONL and TensorBoard writers keep every layer, so use
 *   them when the set of variables changes during a run.
 *
 * Each line goes to disk in one `fs.writeSync` (the header together with the
 * first row). Opening a non-empty file resumes it: its header is read back
 * (the layer columns included) and must start with the base columns.
 */
export class CsvWriter implements StepWriter {
  /** Path of the file. */
  readonly path: string;
  /** Layer names that arrived after the header was fixed and are not written. */
  readonly droppedLayers = new Set<string>();
  private readonly file: AppendFile;
  private layers: string[] | null = null;
  private layerSet = new Set<string>();
  private readonly optionLayers: readonly string[] | undefined;
  private readonly onWarning: (message: string) => void;

  /**
   * @param path - the `.csv` file (created if missing, appended to otherwise)
   * @param options - see {@link CsvWriterOptions}
   */
  constructor(path: string, options: CsvWriterOptions = {}) {
    const o = checkOptions<CsvWriterOptions>('CsvWriter', options, { layers: 'array', onWarning: 'function' });
    this.path = path;
    this.optionLayers = o.layers;
    this.onWarning = o.onWarning ?? ((m) => process.emitWarning(m, 'GradclipCsvWarning'));
    this.file = new AppendFile(path, 'CsvWriter');
    if (this.file.initialSize > 0) {
      try {
        this.layers = this.readHeader();
        this.layerSet = new Set(this.layers);
        terminateTruncatedLine(this.file);
      } catch (e) {
        this.file.close();
        throw e;
      }
    }
  }

  private readHeader(): string[] {
    const head = Buffer.from(this.file.readAt(0, Math.min(this.file.initialSize, 1 << 20))).toString('utf8');
    const nl = head.indexOf('\n');
    const cells = splitCsvLine(nl < 0 ? head : head.slice(0, nl));
    const base = cells.slice(0, CSV_BASE_COLUMNS.length);
    const ok = nl >= 0 && base.length === CSV_BASE_COLUMNS.length && base.every((c, i) => c === CSV_BASE_COLUMNS[i]);
    const rest = cells.slice(CSV_BASE_COLUMNS.length);
    if (!ok || !rest.every((c) => c.startsWith(CSV_LAYER_PREFIX))) {
      throw new GradclipArgumentError(
        `CsvWriter: ${this.path} exists but its first line is not a gradclip steps header ` +
          `(${CSV_BASE_COLUMNS.join(',')}[,layer:<name>...]); choose another path or delete the file`,
      );
    }
    return rest.map((c) => c.slice(CSV_LAYER_PREFIX.length));
  }

  /** The per-layer columns, or `null` before the header is fixed. */
  get layerColumns(): readonly string[] | null {
    return this.layers;
  }

  /** Appends `stats` as one row (the first call also writes the header). */
  write(stats: StepStats): void {
    let prefix = '';
    if (this.layers === null) {
      if (this.file.closed) throw new GradclipArgumentError(`CsvWriter.write: the writer for ${this.path} is closed; open a new one`);
      this.layers = [...(this.optionLayers ?? Object.keys(stats.layerNorms ?? {}))];
      this.layerSet = new Set(this.layers);
      prefix = encodeCsvHeader(this.layers) + '\n';
    }
    if (stats.layerNorms) {
      for (const name of Object.keys(stats.layerNorms)) {
        if (!this.layerSet.has(name) && !this.droppedLayers.has(name)) {
          this.droppedLayers.add(name);
          this.onWarning(
            `CsvWriter: layer "${name}" first appeared at step ${stats.step}, after the CSV header of ${this.path} ` +
              'was fixed; its norms are not written to the CSV (they are in steps.jsonl and the TensorBoard file)',
          );
        }
      }
    }
    this.file.append(prefix + encodeCsvRow(stats, this.layers) + '\n');
  }

  /** `fsync`s the file. */
  flush(): void {
    this.file.flush();
  }

  /** Flushes and closes the file; idempotent. */
  close(): void {
    this.file.close();
  }
}

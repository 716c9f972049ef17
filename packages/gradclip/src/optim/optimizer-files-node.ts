/**
 * Node file helpers for {@link saveOptimizerState} / {@link loadOptimizerState}
 * (tfjs without tfjs-node has no `file://` handler): a folder with
 * `optimizer-state.json` (the state and the tensors' layout) and
 * `optimizer-state.bin` (their bytes, little-endian), each written atomically.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { DataType, Tensor } from '@tensorflow/tfjs-core';
import { GradclipArgumentError, requireNonEmptyString } from '../core/errors.js';
import { loadOptimizerState, saveOptimizerState, type LoadOptimizerStateOptions } from './optimizer-state.js';
import type { RecoveringOptimizer } from './recovery.js';
import type { TransformingOptimizer } from './transforming-optimizer.js';

/** File names in the folder of {@link saveOptimizer}. */
export const OPTIMIZER_STATE_FILES = {
  /** The state's JSON and the tensors' layout `{name, shape, dtype, byteOffset, byteLength}`. */
  json: 'optimizer-state.json',
  /** The tensors' bytes, concatenated (little-endian). */
  bin: 'optimizer-state.bin',
} as const;

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  byteOffset: number;
  byteLength: number;
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/**
 * Saves `optimizer`'s whole training state ({@link saveOptimizerState}) into
 * the folder `dir` (created when missing): `optimizer-state.bin` first, then
 * `optimizer-state.json`, each through a temporary file and a rename, so a
 * crash leaves the previous pair readable or the new one complete. One
 * asynchronous device read.
 *
 * @example
 * <!-- no-run: writes a folder -->
 * ```ts
 * const opt = withClipping(tf.train.adam(1e-3), {globalClipnorm: 1});
 * model.compile({optimizer: opt, loss: 'meanSquaredError'});
 * await model.fit(xs, ys, {epochs: 1, verbose: 0});
 * await saveOptimizer(opt, 'checkpoint');          // beside the weights (model.save)
 * const fresh = withClipping(tf.train.adam(1e-3), {globalClipnorm: 1});
 * await loadOptimizer(fresh, 'checkpoint');
 * ```
 * @param optimizer - made by `withTransforms`, `withClipping` or `withRecovery`
 * @param dir - the folder
 */
export async function saveOptimizer(optimizer: TransformingOptimizer | RecoveringOptimizer, dir: string): Promise<void> {
  const folder = requireNonEmptyString('saveOptimizer', 'dir', dir);
  if (existsSync(folder) && !statSync(folder).isDirectory()) {
    throw new GradclipArgumentError(`saveOptimizer: dir ${JSON.stringify(folder)} is a file, not a folder; pass a folder path (it is created if missing)`);
  }
  const saved = saveOptimizerState(optimizer);
  try {
    const entries: TensorEntry[] = [];
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const { name, tensor } of saved.tensors) {
      if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
        throw new GradclipArgumentError(`saveOptimizer: optimizer state tensor ${name} has dtype ${tensor.dtype}; only float32 and int32 are supported`);
      }
      const data = await tensor.data();
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      entries.push({ name, shape: [...tensor.shape], dtype: tensor.dtype, byteOffset: offset, byteLength: bytes.byteLength });
      chunks.push(bytes);
      offset += bytes.byteLength;
    }
    const bin = new Uint8Array(offset);
    let at = 0;
    for (const c of chunks) {
      bin.set(c, at);
      at += c.byteLength;
    }
    mkdirSync(folder, { recursive: true });
    writeAtomic(join(folder, OPTIMIZER_STATE_FILES.bin), bin);
    writeAtomic(join(folder, OPTIMIZER_STATE_FILES.json), JSON.stringify({ state: saved.json, tensors: entries }) + '\n');
  } finally {
    tf.dispose(saved.tensors.map((t) => t.tensor));
  }
}

/**
 * Restores into `optimizer` (built like the saved one) the state that
 * {@link saveOptimizer} wrote to `dir` ({@link loadOptimizerState}).
 *
 * @param optimizer - a gradclip optimizer built like the saved one
 * @param dir - the folder `saveOptimizer` wrote
 * @param options - as {@link loadOptimizerState}'s (`variableNames`)
 * @throws GradclipArgumentError when the files are missing or malformed
 */
export async function loadOptimizer(
  optimizer: TransformingOptimizer | RecoveringOptimizer,
  dir: string,
  options: LoadOptimizerStateOptions = {},
): Promise<void> {
  const fn = 'loadOptimizer';
  const folder = requireNonEmptyString(fn, 'dir', dir);
  let meta: { state?: unknown; tensors?: unknown };
  let bin: Uint8Array;
  try {
    meta = JSON.parse(readFileSync(join(folder, OPTIMIZER_STATE_FILES.json), 'utf8')) as { state?: unknown; tensors?: unknown };
    bin = readFileSync(join(folder, OPTIMIZER_STATE_FILES.bin));
  } catch (e) {
    throw new GradclipArgumentError(
      `${fn}: cannot read ${OPTIMIZER_STATE_FILES.json} and ${OPTIMIZER_STATE_FILES.bin} in ${JSON.stringify(folder)} (${(e as Error).message}); pass the folder saveOptimizer wrote`,
    );
  }
  if (typeof meta !== 'object' || meta === null || typeof meta.state !== 'string' || !Array.isArray(meta.tensors)) {
    throw new GradclipArgumentError(`${fn}: ${OPTIMIZER_STATE_FILES.json} in ${JSON.stringify(folder)} is not a saved optimizer state`);
  }
  const tensors: Array<{ name: string; tensor: Tensor }> = [];
  try {
    for (const raw of meta.tensors as unknown[]) {
      const e = raw as Partial<TensorEntry>;
      const ok =
        typeof e === 'object' && e !== null && typeof e.name === 'string' && Array.isArray(e.shape) && (e.dtype === 'float32' || e.dtype === 'int32') &&
        Number.isInteger(e.byteOffset) && Number.isInteger(e.byteLength) && (e.byteOffset as number) >= 0 && (e.byteOffset as number) + (e.byteLength as number) <= bin.byteLength &&
        e.shape.reduce((a: number, b: number) => a * b, 1) * 4 === e.byteLength;
      if (!ok) throw new GradclipArgumentError(`${fn}: ${OPTIMIZER_STATE_FILES.json} in ${JSON.stringify(folder)} lists a malformed tensor entry`);
      // a copy: a Buffer from readFileSync may be a view into a shared pool
      const bytes = Uint8Array.from(bin.subarray(e.byteOffset as number, (e.byteOffset as number) + (e.byteLength as number)));
      const values = e.dtype === 'float32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
      tensors.push({ name: e.name as string, tensor: tf.tensor(values, e.shape as number[], e.dtype as DataType) });
    }
    loadOptimizerState(optimizer, { json: meta.state, tensors }, options);
  } finally {
    tf.dispose(tensors.map((t) => t.tensor));
  }
}

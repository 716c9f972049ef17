/**
 * Reading a `--text` file for the `charlm` task (Node only: `node:fs`; keep
 * it out of the dashboard bundle, which imports `charlm/index.ts`).
 *
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import { GradclipArgumentError } from 'gradclip';
import { CharVocab } from './vocab.js';
import { countCharacters, decodeTextFile } from './text-file.js';

/** A `--text` file read and checked. */
export interface TextFile {
  /** The path as given. */
  path: string;
  /** The decoded text (without a byte-order mark). */
  text: string;
  /** Size of the file in bytes. */
  bytes: number;
  /** Characters (code points) of the text. */
  characters: number;
  /** Distinct characters (the vocabulary size). */
  vocabulary: number;
}

/**
 * Reads the UTF-8 text file `path`.
 *
 * @param path - the file
 * @param maxBytes - the largest file accepted
 * @throws GradclipArgumentError naming the file when it is missing, a
 *   folder, unreadable, larger than `maxBytes`, empty, binary or not UTF-8
 */
export function readTextFile(path: string, maxBytes: number): TextFile {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new GradclipArgumentError(`--text ${path} is a folder: give a UTF-8 text file`);
    size = st.size;
  } catch (e) {
    if (e instanceof GradclipArgumentError) throw e;
    throw new GradclipArgumentError(`--text ${path}: ${describeReadError(e)}`);
  }
  if (size > maxBytes) {
    throw new GradclipArgumentError(`--text ${path} is ${size} bytes, above the limit of ${maxBytes} bytes (${maxBytes / 1024 / 1024} MiB): give a shorter text`);
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new GradclipArgumentError(`--text ${path}: ${describeReadError(e)}`);
  }
  const text = decodeTextFile(bytes, path);
  return { path, text, bytes: bytes.length, characters: countCharacters(text), vocabulary: CharVocab.fromText(text).size };
}

function describeReadError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied (cannot read it)';
  if (code === 'ENOTDIR') return 'no such file (a part of the path is not a folder)';
  return `cannot read it (${code ?? (e as Error).message})`;
}

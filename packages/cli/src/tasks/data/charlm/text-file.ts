/**
 * A user's own text for the `charlm` task (`gradclip train --task charlm
 * --text <file>`): the checks on its bytes and on its length, with messages
 * that name the file and say what is wrong. Browser-safe (no `node:fs`; the
 * file is read by `readTextFile` of `text-file-node.ts`).
 *
 * @module
 */
import { GradclipArgumentError } from 'gradclip';
import { DEFAULT_VALID_FRACTION, minTextCharacters } from './corpus.js';

/**
 * Offset of the first byte of `bytes` that is not part of a well-formed
 * UTF-8 sequence (an overlong form, a surrogate, a code point above
 * U+10FFFF, a stray or missing continuation byte), or -1 when all of it is
 * well-formed UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => k < n && bytes[k] >= lo && bytes[k] <= hi;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
    } else if (b >= 0xc2 && b <= 0xdf) {
      if (!cont(i + 1)) return i;
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      const lo = b === 0xe0 ? 0xa0 : 0x80;
      const hi = b === 0xed ? 0x9f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2)) return i;
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const lo = b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xf4 ? 0x8f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2) || !cont(i + 3)) return i;
      i += 4;
    } else {
      return i;
    }
  }
  return -1;
}

/**
 * Decodes the bytes of a `--text` file as UTF-8 (a leading byte-order mark
 * is dropped).
 *
 * @param bytes - the file's content
 * @param path - the file, for the messages
 * @throws GradclipArgumentError when the file is empty, holds a NUL byte
 *   (a binary file) or is not valid UTF-8; the message names the file and
 *   the offset of the first bad byte
 */
export function decodeTextFile(bytes: Uint8Array, path: string): string {
  if (bytes.length === 0) throw new GradclipArgumentError(`--text ${path} is empty: give a UTF-8 text file`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new GradclipArgumentError(`--text ${path} looks binary (a NUL byte at offset ${nul}): give a UTF-8 text file`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new GradclipArgumentError(`--text ${path} is not valid UTF-8 (the byte at offset ${at} is 0x${bytes[Math.max(at, 0)].toString(16).padStart(2, '0')}): give a UTF-8 text file (convert it with iconv -t UTF-8)`);
  }
}

/** Number of characters (Unicode code points) of `text`. */
export function countCharacters(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * Throws unless a text of `characters` characters is long enough for
 * windows of `length` characters in both the training part and the
 * held-out tail (see `minTextCharacters`).
 *
 * @param path - the file, for the message
 */
export function checkTextLength(characters: number, length: number, path: string): void {
  const need = minTextCharacters(length);
  if (characters < need) {
    throw new GradclipArgumentError(
      `--text ${path} is too short for --length ${length}: it has ${characters} characters and needs at least ${need} ` +
        `(the last ${DEFAULT_VALID_FRACTION * 100}% is held out for evaluation, and each part needs --length + 1 = ${length + 1}); give a longer text or a smaller --length`,
    );
  }
}

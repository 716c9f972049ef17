/**
 * TFRecord frame reader (pure, browser-safe). Framing: see
 * `../writers/tfrecord.ts`.
 *
 * @packageDocumentation
 */
import { crc32c, maskCrc32c } from '../writers/crc32c.js';

/** What {@link readTfRecords} returns. */
export interface TfRecordsResult {
  /** Payloads of the complete frames whose two CRCs check, in file order (views into the input). */
  records: Uint8Array[];
  /** One message per problem: truncated tail, CRC mismatch, with the byte offset. */
  warnings: string[];
  /** Byte length of the prefix that was parsed as whole frames (bad-data-CRC frames included). */
  validLength: number;
}

/**
 * Splits a TFRecord file into its payloads, verifying the masked CRC32C of
 * every length field and payload.
 *
 * - A frame cut short at the end of `bytes` (a crash while writing) is
 *   ignored with a warning; every complete frame before it is returned.
 * - A frame whose payload CRC fails is skipped with a warning and reading
 *   continues (its length field was verified, so the next frame is found).
 * - A length field whose CRC fails stops reading with a warning (the frame
 *   boundaries after it are unknown), like TensorFlow's record reader.
 *
 * @param bytes - the file contents
 * @returns the payloads, warnings and length of the readable prefix
 */
export function readTfRecords(bytes: Uint8Array): TfRecordsResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  const warnings: string[] = [];
  const n = bytes.length;
  let pos = 0;
  while (pos < n) {
    const left = n - pos;
    if (left < 12) {
      warnings.push(`truncated record header at byte ${pos}: ${left} trailing bytes ignored`);
      break;
    }
    const lenCrc = view.getUint32(pos + 8, true);
    if (maskCrc32c(crc32c(bytes, pos, pos + 8)) !== lenCrc) {
      warnings.push(`length CRC mismatch at byte ${pos}: the remaining ${left} bytes are ignored`);
      break;
    }
    const len = view.getUint32(pos + 4, true) * 2 ** 32 + view.getUint32(pos, true);
    if (len > left - 16) {
      warnings.push(`truncated record at byte ${pos}: needs ${len + 16} bytes, ${left} present; ignored`);
      break;
    }
    const start = pos + 12;
    const end = start + len;
    if (maskCrc32c(crc32c(bytes, start, end)) !== view.getUint32(end, true)) {
      warnings.push(`data CRC mismatch in the record at byte ${pos} (${len} bytes): skipped`);
    } else {
      records.push(bytes.subarray(start, end));
    }
    pos = end + 4;
  }
  return { records, warnings, validLength: pos };
}

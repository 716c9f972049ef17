/**
 * TFRecord framing (pure, browser-safe).
 *
 * A TFRecord file is a sequence of frames:
 * ```
 * uint64 length (little-endian)
 * uint32 masked_crc32c(length bytes)
 * byte   data[length]
 * uint32 masked_crc32c(data)
 * ```
 * Source: `tensorflow/core/lib/io/record_writer.h` and the TFRecord section of
 * the TensorFlow guide ("TFRecord and tf.train.Example").
 *
 * @packageDocumentation
 */
import { crc32c, maskCrc32c } from './crc32c.js';

/** Bytes a frame adds around its payload: 8 (length) + 4 (length CRC) + 4 (data CRC). */
export const TFRECORD_OVERHEAD = 16;

/**
 * Wraps `data` in one TFRecord frame.
 *
 * The result is a single buffer so a writer can hand it to the OS in one
 * write call: a crash then leaves either the whole frame or a truncated tail
 * that readers detect and ignore.
 *
 * @param data - the record payload (here: a serialized `tensorflow.Event`)
 * @returns `16 + data.length` bytes
 */
export function encodeTfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(TFRECORD_OVERHEAD + data.length);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  // Payloads here are far below 2^32 bytes: the high word stays 0.
  view.setUint32(0, data.length, true);
  view.setUint32(4, 0, true);
  view.setUint32(8, maskCrc32c(crc32c(out, 0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskCrc32c(crc32c(data)), true);
  return out;
}

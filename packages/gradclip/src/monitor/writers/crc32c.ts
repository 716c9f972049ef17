/**
 * CRC-32C (Castagnoli) checksums as used by TFRecord framing.
 *
 * Pure (no I/O), safe for the browser bundle.
 *
 * @packageDocumentation
 */
import { GradclipArgumentError } from '../../core/errors.js';

/** Reflected Castagnoli polynomial (iSCSI, RFC 3720 section 12.1; TFRecord). */
export const CRC32C_POLYNOMIAL = 0x82f63b78;

/** Constant added by the TFRecord CRC mask (`tensorflow/core/lib/hash/crc32c.h`). */
export const CRC32C_MASK_DELTA = 0xa282ead8;

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CRC32C_POLYNOMIAL : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const TABLE = buildTable();

/**
 * CRC-32C of `bytes` (table-driven, one byte per step).
 *
 * Formula: the reflected CRC with polynomial 0x82F63B78, initial value
 * 0xFFFFFFFF and final XOR 0xFFFFFFFF (Castagnoli, Braeuer, Herrmann 1993;
 * RFC 3720 appendix B.4). Check value: `crc32c("123456789") = 0xE3069283`.
 *
 * @param bytes - data to checksum
 * @param start - byte offset of the first byte to include (default 0)
 * @param end - byte offset one past the last byte to include (default `bytes.length`)
 * @returns the checksum as an unsigned 32-bit integer
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > bytes.length || start > end) {
    throw new GradclipArgumentError(
      `crc32c: range must satisfy 0 <= start <= end <= bytes.length (${bytes.length}), got start=${start}, end=${end}`,
    );
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Masks a CRC the way TFRecord stores it:
 * `((crc >>> 15) | (crc << 17)) + 0xa282ead8 (mod 2^32)`.
 *
 * Source: `tensorflow/core/lib/hash/crc32c.h` (`Mask`), which explains that
 * checksumming data that itself contains CRCs is error-prone without it.
 *
 * @param crc - an unsigned 32-bit CRC
 * @returns the masked CRC as an unsigned 32-bit integer
 */
export function maskCrc32c(crc: number): number {
  const rot = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rot + CRC32C_MASK_DELTA) >>> 0;
}

/**
 * Inverse of {@link maskCrc32c}: `rotl15(masked - 0xa282ead8)`.
 *
 * @param masked - a masked CRC as stored in a TFRecord
 * @returns the original CRC as an unsigned 32-bit integer
 */
export function unmaskCrc32c(masked: number): number {
  const rot = (masked - CRC32C_MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

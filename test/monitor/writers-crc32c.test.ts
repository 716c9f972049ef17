import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32c, maskCrc32c, unmaskCrc32c } from '../../packages/gradclip/src/monitor/writers/crc32c.js';
import { crcBitwise, maskRef } from '../helpers/crc-reference.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

test('crc32c: standard check value crc32c("123456789") = 0xE3069283', () => {
  assert.equal(crc32c(ascii('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('crc32c: RFC 3720 appendix B.4 test vectors', () => {
  const zeros = new Uint8Array(32);
  const ones = new Uint8Array(32).fill(0xff);
  const inc = Uint8Array.from({ length: 32 }, (_, i) => i);
  const dec = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
  // iSCSI SCSI Read (10) command PDU from the RFC.
  const pdu = Uint8Array.from([
    0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
    0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  ]);
  // The RFC lists the CRC bytes in transmission (little-endian) order: aa 36 91 8a etc.
  assert.equal(crc32c(zeros), 0x8a9136aa);
  assert.equal(crc32c(ones), 0x62a8ab43);
  assert.equal(crc32c(inc), 0x46dd794e);
  assert.equal(crc32c(dec), 0x113fdb5c);
  assert.equal(crc32c(pdu), 0xd9963a56);
});

test('crc32c: matches a bitwise reference on random data and sub-ranges (property, seeded)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
      assert.equal(crc32c(bytes), crcBitwise(bytes));
      const lo = bytes.length === 0 ? 0 : a % (bytes.length + 1);
      const hi = lo + (bytes.length - lo === 0 ? 0 : b % (bytes.length - lo + 1));
      assert.equal(crc32c(bytes, lo, hi), crcBitwise(bytes.subarray(lo, hi)));
    }),
    { seed: 20240601, numRuns: 300 },
  );
});

test('maskCrc32c / unmaskCrc32c: formula and inverse (property, seeded)', () => {
  // Hand-computed: mask(0) = 0 rotated + 0xa282ead8 = 0xa282ead8;
  // mask(0x00008000) = rotr15 gives 1, + 0xa282ead8 = 0xa282ead9.
  assert.equal(maskCrc32c(0), 0xa282ead8);
  assert.equal(maskCrc32c(0x00008000), 0xa282ead9);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (c) => {
      assert.equal(maskCrc32c(c), maskRef(c));
      assert.equal(unmaskCrc32c(maskCrc32c(c)), c);
    }),
    { seed: 7, numRuns: 1000 },
  );
});

test('crc32c: a bad range names the arguments', () => {
  assert.throws(() => crc32c(new Uint8Array(4), 3, 2), {
    message: 'crc32c: range must satisfy 0 <= start <= end <= bytes.length (4), got start=3, end=2',
  });
  assert.throws(() => crc32c(new Uint8Array(4), 0, 5), /got start=0, end=5/);
});

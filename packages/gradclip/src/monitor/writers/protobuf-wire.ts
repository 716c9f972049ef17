/**
 * Protocol buffers wire format, written by hand: just what the TensorBoard
 * `Event`/`Summary` messages need (varints, 64-bit varints for `int64`,
 * little-endian `fixed64` doubles and `fixed32` floats, length-delimited
 * strings and sub-messages, and skipping of every other wire type). No code
 * generation (`Function`/`eval`), so it runs under a strict page
 * Content-Security-Policy. Pure and browser-safe.
 *
 * Wire format reference: "Encoding" in the protocol buffers documentation
 * (protobuf.dev/programming-guides/encoding). A field is a key
 * `varint((field_number << 3) | wire_type)` followed by its value:
 * ```
 * wire type 0  VARINT  base-128, least significant group first, at most 10 bytes
 * wire type 1  I64     8 bytes little-endian (double, fixed64)
 * wire type 2  LEN     varint length, then that many bytes (string, bytes, message)
 * wire type 3  SGROUP  start of a (deprecated) group, up to the matching EGROUP
 * wire type 4  EGROUP  end of a group
 * wire type 5  I32     4 bytes little-endian (float, fixed32)
 * ```
 *
 * @packageDocumentation
 */

/** Wire types of the protobuf encoding. */
export const WireType = {
  /** int32, int64, uint32, uint64, sint*, bool, enum. */
  varint: 0,
  /** fixed64, sfixed64, double. */
  i64: 1,
  /** string, bytes, embedded messages, packed repeated fields. */
  len: 2,
  /** Start of a group (deprecated; only ever skipped here). */
  startGroup: 3,
  /** End of a group. */
  endGroup: 4,
  /** fixed32, sfixed32, float. */
  i32: 5,
} as const;

/** One of the {@link WireType} values. */
export type WireTypeValue = (typeof WireType)[keyof typeof WireType];

/** The error thrown for malformed protobuf bytes; the message says what is wrong and at which byte. */
export class ProtobufDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufDecodeError';
  }
}

const utf8Encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the string, not a byte-order mark.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * A growable byte buffer that writes protobuf fields in order. Sub-messages
 * are written with {@link ProtoWriter.message}, which encodes the child
 * first so its length prefix is known.
 */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Writes an unsigned 32-bit varint (`0 <= v < 2^32`). */
  uint32(v: number): this {
    this.reserve(5);
    let x = v >>> 0;
    while (x > 0x7f) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
    return this;
  }

  /**
   * Writes a 64-bit varint given as two's-complement halves (`lo`, `hi`
   * each taken as unsigned 32 bits): up to 10 bytes; negative `int64` values
   * take all 10.
   */
  uint64(lo: number, hi: number): this {
    this.reserve(10);
    let l = lo >>> 0;
    let h = hi >>> 0;
    while (h !== 0 || l > 0x7f) {
      this.buf[this.pos++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    this.buf[this.pos++] = l;
    return this;
  }

  /** Writes an `int64` varint from a safe integer (negative values as 10-byte two's complement). */
  int64(v: number): this {
    const neg = v < 0;
    const a = Math.abs(v);
    let lo = a % 2 ** 32;
    let hi = Math.floor(a / 2 ** 32);
    if (neg) {
      // Two's complement of the 64-bit magnitude: invert and add one.
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
      lo = (lo + 1) >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
    }
    return this.uint64(lo, hi);
  }

  /** Writes a field key: `varint(field << 3 | wireType)`. */
  key(field: number, wireType: WireTypeValue): this {
    return this.uint32(((field << 3) | wireType) >>> 0);
  }

  /** Writes 8 bytes: an IEEE 754 double, little-endian. */
  double(v: number): this {
    this.reserve(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Writes 4 bytes: `v` rounded to an IEEE 754 float32, little-endian. */
  float(v: number): this {
    this.reserve(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  /** Writes a varint length and then the bytes. */
  bytes(b: Uint8Array): this {
    this.uint32(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Writes a length-delimited UTF-8 string (lone surrogates become U+FFFD, as `TextEncoder` does). */
  string(s: string): this {
    return this.bytes(utf8Encoder.encode(s));
  }

  /** Writes a length-delimited sub-message encoded by `encode` into a fresh writer. */
  message(encode: (w: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    encode(child);
    return this.bytes(child.finish());
  }

  /** The bytes written so far (a copy of exactly that length). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** One field as read by {@link ProtoReader.next}: its number and wire type. */
export interface ProtoField {
  /** Field number (>= 1). */
  field: number;
  /** Wire type (0..5). */
  wireType: WireTypeValue;
  /** Byte offset of the field's key within the reader's bytes. */
  offset: number;
}

/**
 * Reads protobuf fields from a byte range, in order. Every read checks the
 * bounds and throws {@link ProtobufDecodeError} with the byte offset on
 * truncated or malformed input; {@link ProtoReader.skip} skips a field of any
 * wire type (unknown fields).
 */
export class ProtoReader {
  private readonly view: DataView;
  private pos: number;

  /**
   * @param bytes - the message bytes
   * @param base - offset of `bytes` in the outermost message, for error messages
   */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly base = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  private fail(what: string, at: number): never {
    throw new ProtobufDecodeError(`${what} at byte ${this.base + at}`);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length) {
      this.fail(`truncated ${what}: needs ${n} bytes, ${this.bytes.length - this.pos} left`, this.pos);
    }
  }

  /** Reads a 64-bit varint as unsigned 32-bit halves `[lo, hi]`. */
  uint64(): [number, number] {
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) this.fail('truncated varint', start);
      const b = this.bytes[this.pos++];
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if ((b & 0x80) === 0) return [lo >>> 0, hi >>> 0];
    }
    return this.fail('varint longer than 10 bytes', start);
  }

  /** Reads a varint and keeps its low 32 bits, unsigned (`uint32` semantics). */
  uint32(): number {
    return this.uint64()[0];
  }

  /**
   * Reads an `int64` varint as a JS number: exact within ±2^53, rounded
   * beyond (as protobufjs does with `longs: Number`).
   */
  int64(): number {
    const [lo, hi] = this.uint64();
    return (hi | 0) * 2 ** 32 + lo;
  }

  /** Reads the next field key; call only when not {@link done}. */
  next(): ProtoField {
    const offset = this.pos;
    const k = this.uint32();
    const wireType = k & 7;
    const field = k >>> 3;
    if (field === 0) this.fail('invalid field number 0', offset);
    if (wireType > 5) this.fail(`invalid wire type ${wireType} (field ${field})`, offset);
    return { field, wireType: wireType as WireTypeValue, offset };
  }

  /** Reads 8 bytes as a little-endian double. */
  double(): number {
    this.need(8, 'double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads 4 bytes as a little-endian float32. */
  float(): number {
    this.need(4, 'float');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a length-delimited field's bytes (a view into the input, not a copy). */
  bytesView(): Uint8Array {
    const start = this.pos;
    const [lo, hi] = this.uint64();
    const left = this.bytes.length - this.pos;
    if (hi !== 0 || lo > left) {
      this.fail(`length-delimited field of ${hi === 0 ? lo : 'more than 2^32'} bytes runs past the end (${left} bytes left)`, start);
    }
    const out = this.bytes.subarray(this.pos, this.pos + lo);
    this.pos += lo;
    return out;
  }

  /** Offset (within the outermost message) of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Reads a length-delimited field as a sub-reader over its bytes. */
  sub(): ProtoReader {
    const b = this.bytesView();
    return new ProtoReader(b, this.base + this.pos - b.length);
  }

  /** Reads a length-delimited UTF-8 string (invalid sequences become U+FFFD). */
  string(): string {
    return utf8Decoder.decode(this.bytesView());
  }

  /**
   * Skips the value of a field whose key was just read: any wire type,
   * groups included (up to their matching end-group key).
   */
  skip(f: ProtoField): void {
    switch (f.wireType) {
      case WireType.varint:
        this.uint64();
        return;
      case WireType.i64:
        this.need(8, `fixed64 field ${f.field}`);
        this.pos += 8;
        return;
      case WireType.len:
        this.bytesView();
        return;
      case WireType.i32:
        this.need(4, `fixed32 field ${f.field}`);
        this.pos += 4;
        return;
      case WireType.startGroup:
        for (;;) {
          if (this.done) this.fail(`unterminated group (field ${f.field})`, f.offset);
          const g = this.next();
          if (g.wireType === WireType.endGroup) {
            if (g.field !== f.field) this.fail(`end of group ${g.field} inside group ${f.field}`, g.offset);
            return;
          }
          this.skip(g);
        }
      case WireType.endGroup:
        this.fail(`unexpected end of group (field ${f.field})`, f.offset);
    }
  }
}

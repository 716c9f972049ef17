/**
 * A small, seeded, platform-independent pseudo-random number generator.
 *
 * Generator: **sfc32** ("small fast chaotic", Chris Doty-Humphrey, PractRand
 * 0.9x), a 128-bit state generator (three 32-bit chaotic words plus a 32-bit
 * counter, so every state lies on a cycle of length at least 2^32) that passes
 * PractRand and BigCrush. Its state is initialised from the seed through
 * **splitmix32** (a 32-bit adaptation of Steele, Lea & Flood's SplitMix,
 * OOPSLA 2014, with the 32-bit finaliser constants `0x21f0aaad` / `0x735a2d97`
 * from Chris Wellons' "hash prospector"), and the first 12 outputs are thrown
 * away so that nearby seeds (1, 2, 3, ...) decorrelate.
 *
 * Determinism: everything except {@link Rng.normal} uses only 32-bit integer
 * arithmetic (`Math.imul`, shifts, `>>> 0`) and exact double operations, so the
 * streams are bit-identical on every JavaScript engine and platform.
 * `normal()` additionally calls `Math.log`, `Math.sqrt`, `Math.cos` and
 * `Math.sin`; V8 (Node, Chromium) implements these with the same fdlibm port on
 * every platform, other engines may differ in the last ulp.
 *
 * This module is pure TypeScript and does not import TF.js.
 *
 * @example
 * ```ts
 * const rng = createRng(1);
 * rng.uniform();        // in [0, 1)
 * rng.int(6);           // 0..5, unbiased
 * rng.normal(0, 0.1);   // N(0, 0.1^2)
 * const [a, b] = rng.fork(2); // independent child streams
 * ```
 */

/** A stream's position (see {@link Rng.getState}). */
export interface RngState {
  a: number;
  b: number;
  c: number;
  d: number;
  spare: number | null;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** One step of splitmix32 on a mutable 1-word state; returns [output, newState]. */
function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z ^= z >>> 16;
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return [z >>> 0, s];
}

/** Number of sfc32 outputs discarded after seeding. */
const WARMUP = 12;

/**
 * A seeded random stream (sfc32). Create one with {@link createRng}; derive
 * independent streams with {@link Rng.fork}.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Second Box–Muller variate kept for the next `normal()` call, or NaN. */
  private spare = Number.NaN;

  /**
   * Builds a stream from raw sfc32 state words (each taken modulo 2^32) and
   * runs the 12-output warm-up. Prefer {@link createRng}.
   */
  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    for (let i = 0; i < WARMUP; i++) this.uint32();
  }

  /**
   * Next raw 32-bit output, an integer in [0, 2^32).
   *
   * sfc32 step: `t = a + b + d; d += 1; a = b ^ (b >>> 9); b = c + (c << 3);
   * c = rotl(c, 21) + t; return t` (all mod 2^32).
   */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /**
   * Uniform double in [low, high) (default [0, 1)).
   *
   * The [0, 1) variate has 53 random bits, built from two 32-bit outputs:
   * `((x >>> 5) * 2^26 + (y >>> 6)) / 2^53` (the construction of
   * `genrand_res53` in Matsumoto & Nishimura's MT19937 reference code), so it
   * is a multiple of 2^-53 and never equals 1. With bounds it returns
   * `low + (high - low) * u`.
   *
   * @param low lower bound (inclusive). @default 0
   * @param high upper bound (exclusive). @default 1
   */
  uniform(low = 0, high = 1): number {
    const x = this.uint32() >>> 5;
    const y = this.uint32() >>> 6;
    const u = (x * 67108864 + y) / TWO_POW_53;
    if (low === 0 && high === 1) return u;
    if (!Number.isFinite(low) || !Number.isFinite(high) || !(low < high)) {
      throw new Error(`uniform(low, high) needs finite low < high, got low=${low}, high=${high}`);
    }
    return low + (high - low) * u;
  }

  /**
   * Unbiased uniform integer in [0, n).
   *
   * Rejection sampling on 32-bit outputs: values at or above
   * `2^32 - (2^32 mod n)` are redrawn, so every residue is equally likely
   * (no modulo bias). Draws one output most of the time.
   *
   * @param n number of outcomes, an integer in [1, 2^32].
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new Error(`int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % n;
    }
  }

  /**
   * Normal variate N(mean, std^2) by the Box–Muller transform (Box & Muller,
   * 1958): with `u1` in (0, 1] and `u2` in [0, 1),
   * `z0 = sqrt(-2 ln u1) cos(2 pi u2)`, `z1 = sqrt(-2 ln u1) sin(2 pi u2)`;
   * `z0` is returned now and `z1` on the next call.
   *
   * @param mean @default 0
   * @param std standard deviation, >= 0. @default 1
   */
  normal(mean = 0, std = 1): number {
    if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
      throw new Error(`normal(mean, std) needs finite mean and std >= 0, got mean=${mean}, std=${std}`);
    }
    let z: number;
    if (!Number.isNaN(this.spare)) {
      z = this.spare;
      this.spare = Number.NaN;
    } else {
      const u1 = 1 - this.uniform();
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = 2 * Math.PI * u2;
      z = r * Math.cos(theta);
      this.spare = r * Math.sin(theta);
    }
    return mean + std * z;
  }

  /** One element of `items`, each with probability 1/length. Throws on an empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('choice(items) needs a non-empty array, got length 0');
    return items[this.int(items.length)];
  }

  /**
   * Shuffles `items` in place with the Fisher–Yates algorithm (Durstenfeld's
   * version, Knuth TAOCP vol. 2, Algorithm P): for i from n-1 down to 1, swap
   * item i with item `int(i + 1)`. Every permutation is equally likely.
   * Returns the same array.
   */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates on the identity), like NumPy's `permutation(n)`. */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0) throw new Error(`permutation(n) needs an integer n >= 0, got ${n}`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return p;
  }

  /**
   * Derives `k` independent child streams (for example one for data, one for
   * initialisation, one for evaluation). Each child's state words are three
   * outputs of this stream passed through splitmix32 (so children do not
   * share sfc32 state structure with the parent), plus counter 1, followed by
   * the usual warm-up. Advances this stream by `3k` outputs; the same parent
   * state always yields the same children.
   *
   * @param k number of streams, an integer >= 1.
   */
  fork(k: number): Rng[] {
    if (!Number.isInteger(k) || k < 1) throw new Error(`fork(k) needs an integer k >= 1, got ${k}`);
    const out: Rng[] = [];
    for (let i = 0; i < k; i++) {
      const a = splitmix32(this.uint32())[0];
      const b = splitmix32(this.uint32())[0];
      const c = splitmix32(this.uint32())[0];
      out.push(new Rng(a, b, c, 1));
    }
    return out;
  }

  /**
   * The stream's position as plain JSON-safe data (the four sfc32 words and
   * the kept Box–Muller variate, null when none): {@link setState} with it
   * continues with the same outputs, in this process or another.
   */
  getState(): RngState {
    return { a: this.a, b: this.b, c: this.c, d: this.d, spare: Number.isNaN(this.spare) ? null : this.spare };
  }

  /** Moves the stream to a position read with {@link getState}. @throws Error on a malformed state */
  setState(state: RngState): void {
    const words = [state.a, state.b, state.c, state.d];
    if (!words.every((w) => Number.isInteger(w) && w >= -2147483648 && w <= 2147483647)) throw new Error('Rng.setState: the words a, b, c, d must be 32-bit signed integers');
    if (state.spare !== null && !Number.isFinite(state.spare)) throw new Error('Rng.setState: spare must be a finite number or null');
    this.a = state.a;
    this.b = state.b;
    this.c = state.c;
    this.d = state.d;
    this.spare = state.spare === null ? Number.NaN : state.spare;
  }

  /** An independent copy of this stream at its current position (same future outputs). */
  clone(): Rng {
    const r = Object.create(Rng.prototype) as Rng;
    r.a = this.a;
    r.b = this.b;
    r.c = this.c;
    r.d = this.d;
    r.spare = this.spare;
    return r;
  }
}

/**
 * Creates a seeded stream.
 *
 * Seeding: the seed (an integer in [0, 2^53)) is split into a low word `lo`
 * and a high word `hi`; splitmix32 started at `lo` gives three words
 * `a, b, c`, then `c ^= hi`, and the counter `d = 1`. Distinct seeds therefore
 * give distinct sfc32 states; 12 outputs are discarded before use.
 *
 * @param seed non-negative safe integer.
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`seed must be an integer in [0, 2^53), got ${seed}`);
  }
  const lo = seed % TWO_POW_32;
  const hi = Math.floor(seed / TWO_POW_32);
  let s = lo | 0;
  let a: number;
  let b: number;
  let c: number;
  [a, s] = splitmix32(s);
  [b, s] = splitmix32(s);
  [c, s] = splitmix32(s);
  c = (c ^ hi) >>> 0;
  return new Rng(a, b, c, 1);
}

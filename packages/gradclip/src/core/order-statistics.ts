/**
 * Persistent (immutable, structure-sharing) containers for transform states
 * that keep a long history and must stay cheap to update: a sorted multiset
 * with order-statistic access ({@link SortedBlocks}, AutoClip's norm history)
 * and a FIFO queue ({@link BlockQueue}, AutoClip's bounded window).
 *
 * Both store their numbers in float64 blocks of bounded size (at most
 * {@link BLOCK_MAX} values): an edit copies one or two blocks and the small
 * block index (O(√n)-sized for the sizes that matter, at most n / 256 entries),
 * never the whole history, and every earlier version stays valid and
 * unchanged (blocks are never written after they are made; views share them).
 * So an update is O(B + n/B) with B ≈ 1024 instead of O(n), and a state can
 * be branched (kept, reverted to, updated twice) like an immutable array.
 *
 * Plain data, no TF.js.
 *
 * @module
 */

/** Target number of values per block (a block built from a sorted array gets this many). */
export const BLOCK_TARGET = 1024;
/** A block that would grow past this is split in two halves. */
export const BLOCK_MAX = 2 * BLOCK_TARGET;
/** A block that shrinks below this is merged with a neighbour (when there is one). */
export const BLOCK_MIN = BLOCK_TARGET / 4;

const NO_BLOCKS: readonly Float64Array[] = Object.freeze([]);
const NO_ENDS = new Int32Array(0);

/** Index of the first value in `a` that is `> x` (`a` ascending). */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first value in `a` that is `>= x` (`a` ascending). */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Cumulative block sizes: `ends[i]` = number of values in blocks `0..i`; entries before `from` are copied from `prev`. */
function endsOf(blocks: readonly Float64Array[], prev: Int32Array, from: number): Int32Array {
  const ends = new Int32Array(blocks.length);
  const keep = Math.min(from, prev.length, blocks.length);
  ends.set(prev.subarray(0, keep));
  let acc = keep > 0 ? ends[keep - 1] : 0;
  for (let i = keep; i < blocks.length; i++) {
    acc += blocks[i].length;
    ends[i] = acc;
  }
  return ends;
}

/** `a` with `x` inserted at `pos` (a new block). */
function withValue(a: Float64Array, pos: number, x: number): Float64Array {
  const out = new Float64Array(a.length + 1);
  out.set(a.subarray(0, pos));
  out[pos] = x;
  out.set(a.subarray(pos), pos + 1);
  return out;
}

/** `a` without the value at `pos` (a view when it is the first or last value). */
function withoutValue(a: Float64Array, pos: number): Float64Array {
  if (pos === 0) return a.subarray(1);
  if (pos === a.length - 1) return a.subarray(0, pos);
  const out = new Float64Array(a.length - 1);
  out.set(a.subarray(0, pos));
  out.set(a.subarray(pos + 1), pos);
  return out;
}

/** Float64 blocks of at most {@link BLOCK_TARGET} values holding `values` in order (copied). */
function chunk(values: ArrayLike<number>): Float64Array[] {
  const blocks: Float64Array[] = [];
  for (let i = 0; i < values.length; i += BLOCK_TARGET) {
    const n = Math.min(BLOCK_TARGET, values.length - i);
    const b = new Float64Array(n);
    for (let j = 0; j < n; j++) b[j] = values[i + j];
    blocks.push(b);
  }
  return blocks;
}

/** The values of `blocks` in order, as a plain array. */
function flatten(blocks: readonly Float64Array[], size: number): number[] {
  const out: number[] = [];
  if (size === 0) return out;
  for (const b of blocks) for (let j = 0; j < b.length; j++) out.push(b[j]);
  return out;
}

/**
 * A persistent sorted multiset of numbers (ascending; equal values kept):
 * sorted float64 blocks of at most {@link BLOCK_MAX} values and their
 * cumulative sizes. `insert` and `remove` return a new list and leave this
 * one unchanged; they copy one block (split or merged at the size bounds)
 * and the block index: O(B + n/B) time, the rest is shared. `at(k)` (the
 * k-th smallest) is O(log n). The values must not be NaN.
 *
 * The same multiset as the flat array `insertSorted`/`removeSorted` of
 * test/helpers/sorted-reference.ts maintain, with the same order of equal values (an insert
 * goes after equal values): `toArray()` equals that array.
 */
export class SortedBlocks {
  /** The empty list. */
  static readonly EMPTY = new SortedBlocks(NO_BLOCKS, NO_ENDS);

  private constructor(
    private readonly blocks: readonly Float64Array[],
    /** `ends[i]`: number of values in blocks `0..i`. */
    private readonly ends: Int32Array,
  ) {}

  /** A list holding `sorted` (ascending, no NaN; not checked), copied into blocks. O(n). */
  static fromSorted(sorted: ArrayLike<number>): SortedBlocks {
    if (sorted.length === 0) return SortedBlocks.EMPTY;
    const blocks = chunk(sorted);
    return new SortedBlocks(blocks, endsOf(blocks, NO_ENDS, 0));
  }

  /** Number of values. */
  get size(): number {
    return this.ends.length === 0 ? 0 : this.ends[this.ends.length - 1];
  }

  /** The `k`-th smallest value, `0 <= k < size` (0-based; `undefined` outside). O(log n). */
  at(k: number): number | undefined {
    const ends = this.ends;
    if (!(k >= 0 && k < this.size)) return undefined;
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] > k) hi = mid;
      else lo = mid + 1;
    }
    return this.blocks[lo][k - (lo > 0 ? ends[lo - 1] : 0)];
  }

  /** Index of the first block whose last value is `> x` (`>= x` with `orEqual`); blocks.length when none. */
  private firstBlockAbove(x: number, orEqual: boolean): number {
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const b = blocks[mid];
      const last = b[b.length - 1];
      if (last > x || (orEqual && last === x)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** A new list with `x` added after any equal values. */
  insert(x: number): SortedBlocks {
    if (this.blocks.length === 0) {
      const blocks = [Float64Array.of(x)];
      return new SortedBlocks(blocks, endsOf(blocks, NO_ENDS, 0));
    }
    // the first block whose last value is > x holds the insertion point; past the end: the last block
    const b = Math.min(this.firstBlockAbove(x, false), this.blocks.length - 1);
    const block = this.blocks[b];
    const grown = withValue(block, upperBound(block, x), x);
    const blocks = this.blocks.slice();
    if (grown.length <= BLOCK_MAX) blocks[b] = grown;
    else blocks.splice(b, 1, grown.subarray(0, grown.length >>> 1), grown.subarray(grown.length >>> 1));
    return new SortedBlocks(blocks, endsOf(blocks, this.ends, b));
  }

  /** A new list with one value equal to `x` removed; this list itself when there is none. */
  remove(x: number): SortedBlocks {
    const b = this.firstBlockAbove(x, true);
    if (b === this.blocks.length) return this;
    const block = this.blocks[b];
    const pos = lowerBound(block, x);
    if (block[pos] !== x) return this;
    const shrunk = withoutValue(block, pos);
    const blocks = this.blocks.slice();
    let from = b;
    if (shrunk.length === 0) {
      blocks.splice(b, 1);
    } else if (shrunk.length < BLOCK_MIN && blocks.length > 1) {
      // merge with the smaller neighbour (split again if that overflows)
      const left = b > 0 ? blocks[b - 1].length : Number.POSITIVE_INFINITY;
      const right = b < blocks.length - 1 ? blocks[b + 1].length : Number.POSITIVE_INFINITY;
      const with_ = left <= right ? b - 1 : b + 1;
      const [first, second] = with_ < b ? [blocks[with_], shrunk] : [shrunk, blocks[with_]];
      const merged = new Float64Array(first.length + second.length);
      merged.set(first);
      merged.set(second, first.length);
      from = Math.min(b, with_);
      if (merged.length <= BLOCK_MAX) blocks.splice(from, 2, merged);
      else blocks.splice(from, 2, merged.subarray(0, merged.length >>> 1), merged.subarray(merged.length >>> 1));
    } else {
      blocks[b] = shrunk;
    }
    return blocks.length === 0 ? SortedBlocks.EMPTY : new SortedBlocks(blocks, endsOf(blocks, this.ends, from));
  }

  /** The values in ascending order, as a new plain array. O(n). */
  toArray(): number[] {
    return flatten(this.blocks, this.size);
  }

  /** Number of blocks (for tests of the size bounds). */
  get blockCount(): number {
    return this.blocks.length;
  }
}

/**
 * A persistent FIFO queue of numbers in float64 blocks of at most
 * {@link BLOCK_TARGET} values: `push` copies the last block and the block
 * index, `shift` takes a view of the first block; both return a new queue
 * and leave this one unchanged. O(B + n/B) per operation.
 */
export class BlockQueue {
  /** The empty queue. */
  static readonly EMPTY = new BlockQueue(NO_BLOCKS, 0);

  private constructor(
    private readonly blocks: readonly Float64Array[],
    /** Number of values. */
    readonly size: number,
  ) {}

  /** A queue holding `values` (oldest first), copied into blocks. O(n). */
  static from(values: ArrayLike<number>): BlockQueue {
    return values.length === 0 ? BlockQueue.EMPTY : new BlockQueue(chunk(values), values.length);
  }

  /** A new queue with `x` appended (newest). */
  push(x: number): BlockQueue {
    const blocks = this.blocks.slice();
    const last = blocks[blocks.length - 1];
    if (last !== undefined && last.length < BLOCK_TARGET) blocks[blocks.length - 1] = withValue(last, last.length, x);
    else blocks.push(Float64Array.of(x));
    return new BlockQueue(blocks, this.size + 1);
  }

  /** The oldest value and the queue without it; `undefined` when empty. */
  shift(): { value: number; rest: BlockQueue } | undefined {
    if (this.size === 0) return undefined;
    const first = this.blocks[0];
    const value = first[0];
    if (this.size === 1) return { value, rest: BlockQueue.EMPTY };
    const blocks = this.blocks.slice();
    if (first.length === 1) blocks.shift();
    else blocks[0] = first.subarray(1);
    return { value, rest: new BlockQueue(blocks, this.size - 1) };
  }

  /** The values oldest first, as a new plain array. O(n). */
  toArray(): number[] {
    return flatten(this.blocks, this.size);
  }
}

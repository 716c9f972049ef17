// The persistent containers behind autoClip's history (core/order-statistics.ts):
// the same multiset and order as the flat sorted array that insertSorted /
// removeSorted keep, exact order statistics and percentiles, block sizes kept
// within their bounds, and every earlier version left unchanged (branching).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BLOCK_MAX, BLOCK_MIN, BlockQueue, SortedBlocks } from '../../packages/gradclip/src/core/order-statistics.js';
import { insertSorted, removeSorted } from '../helpers/sorted-reference.js';
import { percentileAt, percentileOfSorted } from '../../packages/gradclip/src/core/stats/index.js';
import { rng } from '../helpers/rng.js';

const SEED = 20250611;

/** Every value through at(), in order. */
function viaAt(s: SortedBlocks): number[] {
  return Array.from({ length: s.size }, (_, k) => s.at(k) as number);
}

test('SortedBlocks: inserts and removes give the flat array of insertSorted/removeSorted, through thousands of edits', () => {
  const r = rng(SEED);
  let flat: number[] = [];
  let blocks = SortedBlocks.EMPTY;
  const versions: Array<[SortedBlocks, number[]]> = [];
  for (let i = 0; i < 12000; i++) {
    // few distinct values (many equal ones) in one phase, spread values in the others
    const x = i % 3000 < 1500 ? Math.floor(r() * 50) / 4 : r() * 1e3;
    const op = r();
    if (op < 0.62 || flat.length === 0) {
      flat = insertSorted(flat, x);
      blocks = blocks.insert(x);
    } else {
      // remove a present value most of the time, an absent one sometimes (a no-op)
      const y = op < 0.95 ? flat[Math.floor(r() * flat.length)] : -1 - r();
      const before = blocks;
      flat = removeSorted(flat, y);
      blocks = blocks.remove(y);
      if (y < 0) assert.equal(blocks, before, 'removing an absent value returns the same list');
    }
    if (i % 997 === 0) versions.push([blocks, flat]);
  }
  assert.equal(blocks.size, flat.length);
  assert.deepEqual(blocks.toArray(), flat);
  assert.deepEqual(viaAt(blocks), flat);
  // earlier versions are untouched by later edits
  for (const [v, f] of versions) assert.deepEqual(v.toArray(), f);
  assert.ok(blocks.blockCount > 1);
});

test('SortedBlocks: blocks stay within their size bounds', () => {
  let s = SortedBlocks.EMPTY;
  for (let i = 0; i < 20000; i++) s = s.insert(i % 7 === 0 ? 1e6 - i : i); // appends and inserts in the middle
  assert.ok(s.blockCount >= Math.ceil(20000 / BLOCK_MAX), `${s.blockCount} blocks for 20000 values`);
  assert.ok(s.blockCount <= Math.ceil(20000 / (BLOCK_MAX / 2)) + 1, `${s.blockCount} blocks for 20000 values (splits make halves)`);
  // remove most values from the low end: small blocks merge, the count shrinks with the size
  const arr = s.toArray();
  for (let i = 0; i < 19000; i++) s = s.remove(arr[i]);
  assert.equal(s.size, 1000);
  assert.ok(s.blockCount <= Math.ceil(1000 / BLOCK_MIN), `${s.blockCount} blocks for 1000 values`);
  assert.deepEqual(s.toArray(), arr.slice(19000));
});

test('SortedBlocks.fromSorted and the empty list', () => {
  const xs = Array.from({ length: 5000 }, (_, i) => i * 0.5);
  const s = SortedBlocks.fromSorted(xs);
  assert.equal(s.size, 5000);
  assert.deepEqual(s.toArray(), xs);
  assert.equal(s.at(-1), undefined);
  assert.equal(s.at(5000), undefined);
  assert.equal(s.at(4999), 2499.5);
  assert.equal(SortedBlocks.fromSorted([]), SortedBlocks.EMPTY);
  assert.equal(SortedBlocks.EMPTY.size, 0);
  assert.equal(SortedBlocks.EMPTY.remove(1), SortedBlocks.EMPTY);
  assert.deepEqual(SortedBlocks.EMPTY.insert(3).toArray(), [3]);
  assert.deepEqual(SortedBlocks.EMPTY.insert(3).remove(3).toArray(), []);
});

test('percentileAt over SortedBlocks equals percentileOfSorted of the array, bit for bit', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
      fc.double({ min: 0, max: 100, noNaN: true }),
      (xs, p) => {
        let s = SortedBlocks.EMPTY;
        for (const x of xs) s = s.insert(x);
        const flat = Float64Array.from(xs).sort();
        assert.equal(percentileAt(s.size, (k) => s.at(k) as number, p), percentileOfSorted(flat, p));
      },
    ),
    { seed: SEED, numRuns: 200 },
  );
  assert.throws(() => percentileAt(0, () => 0, 50), /percentileAt: sorted must not be empty/);
  assert.throws(() => percentileAt(1, () => 0, 101, 'x'), /x: percentile must be in \[0, 100\], got 101/);
});

test('BlockQueue: a FIFO with every version kept', () => {
  let q = BlockQueue.EMPTY;
  const ref: number[] = [];
  const versions: Array<[BlockQueue, number[]]> = [];
  const r = rng(SEED + 1);
  for (let i = 0; i < 9000; i++) {
    if (r() < 0.6 || ref.length === 0) {
      q = q.push(i);
      ref.push(i);
    } else {
      const s = q.shift();
      assert.ok(s);
      assert.equal(s.value, ref.shift());
      q = s.rest;
    }
    assert.equal(q.size, ref.length);
    if (i % 1111 === 0) versions.push([q, [...ref]]);
  }
  assert.deepEqual(q.toArray(), ref);
  for (const [v, f] of versions) assert.deepEqual(v.toArray(), f);
  assert.equal(BlockQueue.EMPTY.shift(), undefined);
  assert.deepEqual(BlockQueue.from([1, 2, 3]).push(4).toArray(), [1, 2, 3, 4]);
  assert.equal(BlockQueue.from([]), BlockQueue.EMPTY);
  // branching: two pushes onto the same version do not see each other
  const base = BlockQueue.from([1, 2]);
  const a = base.push(3);
  const b = base.push(4);
  assert.deepEqual([base.toArray(), a.toArray(), b.toArray()], [[1, 2], [1, 2, 3], [1, 2, 4]]);
});

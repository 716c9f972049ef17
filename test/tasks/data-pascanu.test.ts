import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRng } from '../../packages/cli/src/core/random.js';
import {
  TASKS,
  TASK_NAMES,
  getTask,
  isTaskName,
  sampleLength,
  type SequenceBatch,
} from '../../packages/cli/src/tasks/data/index.js';

// Helpers written for the tests: read a time-major [T, B, D] array.
const at = (batch: SequenceBatch, t: number, b: number, c: number): number =>
  batch.inputs[(t * batch.batch + b) * batch.inputDim + c];

/** Index of the single 1 of a one-hot row, failing if the row is not one-hot. */
function oneHotIndex(row: ArrayLike<number>, where: string): number {
  let idx = -1;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === 1) {
      assert.equal(idx, -1, `${where}: more than one 1`);
      idx = i;
    } else assert.equal(row[i], 0, `${where}: entry ${i} is ${row[i]}`);
  }
  assert.notEqual(idx, -1, `${where}: no 1`);
  return idx;
}

const inputRow = (batch: SequenceBatch, t: number, b: number): Float32Array =>
  batch.inputs.subarray((t * batch.batch + b) * batch.inputDim, (t * batch.batch + b + 1) * batch.inputDim);

test('registry: the six task names of the contract, with the paper/code input and output sizes', () => {
  assert.deepEqual([...TASK_NAMES].sort(), [
    '3bit-temporal-order',
    'addition',
    'memorization',
    'multiplication',
    'random-permutation',
    'temporal-order',
  ]);
  // nin / nout / classifType of the authors' task classes.
  const expected: Record<string, [number, number, string, string]> = {
    addition: [2, 1, 'mse', 'last'],
    multiplication: [2, 1, 'mse', 'last'],
    'temporal-order': [6, 4, 'softmax-xent', 'last'],
    '3bit-temporal-order': [6, 8, 'softmax-xent', 'last'],
    'random-permutation': [100, 100, 'softmax-xent', 'last'],
    memorization: [7, 6, 'softmax-xent', 'sequence'],
  };
  for (const name of TASK_NAMES) {
    const task = getTask(name);
    assert.equal(task.name, name);
    assert.deepEqual([task.inputDim, task.outputDim, task.loss, task.targetKind], expected[name], name);
    assert.ok(task.description.length > 50);
    assert.equal(TASKS[name]().name, name);
    assert.ok(isTaskName(name));
  }
  assert.ok(!isTaskName('toString'));
});

test('unknown task name: error lists the valid names', () => {
  assert.throws(() => getTask('adding'), {
    message:
      'unknown task "adding"; valid tasks: addition, multiplication, temporal-order, 3bit-temporal-order, random-permutation, memorization',
  });
  assert.throws(() => getTask('constructor'), /unknown task "constructor"/);
});

test('addition: shapes, extra length, two markers in their windows, target = mean of the marked values', () => {
  const task = getTask('addition');
  const rng = createRng(1);
  for (const L of [10, 50, 137, 200]) {
    const seenExtra = new Set<number>();
    for (let rep = 0; rep < 30; rep++) {
      const B = 7;
      const batch = task.sample(rng, B, L);
      const T = batch.time;
      seenExtra.add(T - L);
      assert.ok(T >= L && T <= L + Math.floor(0.1 * L) - 1, `time ${T} for L=${L}`);
      assert.equal(batch.inputs.length, T * B * 2);
      assert.equal(batch.targets.length, B);
      assert.equal(batch.mask, undefined);
      assert.deepEqual([batch.batch, batch.inputDim, batch.outputDim, batch.targetKind, batch.loss], [B, 2, 1, 'last', 'mse']);
      const w0 = Math.floor(0.1 * T);
      const w1 = Math.floor(0.4 * T);
      for (let b = 0; b < B; b++) {
        const marked: number[] = [];
        for (let t = 0; t < T; t++) {
          const m = at(batch, t, b, 0);
          const v = at(batch, t, b, 1);
          assert.ok(v >= 0 && v < 1);
          if (m === 1) marked.push(t);
          else assert.equal(m, 0);
        }
        assert.equal(marked.length, 2, `sequence ${b}: ${marked.length} markers`);
        const [p0, p1] = marked;
        assert.ok(p0 < w0, `first marker ${p0} not in [0, ${w0})`);
        assert.ok(p1 >= w0 && p1 < w0 + w1, `second marker ${p1} not in [${w0}, ${w0 + w1})`);
        const expected = (at(batch, p0, b, 1) + at(batch, p1, b, 1)) / 2;
        assert.equal(batch.targets[b], Math.fround(expected));
      }
    }
    // Extra length is one draw per batch, uniform over 0..floor(0.1 L) - 1.
    if (L === 50) assert.deepEqual([...seenExtra].sort(), [0, 1, 2, 3, 4]);
    if (L === 10) assert.deepEqual([...seenExtra], [0]);
  }
});

test('addition: marker positions cover their whole windows (uniform windows as in the authors code)', () => {
  const task = getTask('addition');
  const rng = createRng(2);
  const first = new Set<number>();
  const second = new Set<number>();
  for (let rep = 0; rep < 200; rep++) {
    const batch = task.sample(rng, 10, 20); // time is always 20 + int(2) = 20 or 21
    for (let b = 0; b < 10; b++) {
      const marked: number[] = [];
      for (let t = 0; t < batch.time; t++) if (at(batch, t, b, 0) === 1) marked.push(t);
      if (batch.time === 20) {
        first.add(marked[0]);
        second.add(marked[1]);
      }
    }
  }
  // T = 20: p0 in [0, 2), p1 in [2, 2 + 8).
  assert.deepEqual([...first].sort((a, b) => a - b), [0, 1]);
  assert.deepEqual([...second].sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8, 9]);
});

test('multiplication: same inputs as addition, target = product of the marked values', () => {
  const task = getTask('multiplication');
  const rng = createRng(3);
  for (const L of [10, 60, 200]) {
    const batch = task.sample(rng, 9, L);
    for (let b = 0; b < 9; b++) {
      const marked: number[] = [];
      for (let t = 0; t < batch.time; t++) if (at(batch, t, b, 0) === 1) marked.push(t);
      assert.equal(marked.length, 2);
      const expected = at(batch, marked[0], b, 1) * at(batch, marked[1], b, 1);
      assert.equal(batch.targets[b], Math.fround(expected));
    }
  }
});

function checkTemporalOrder(name: 'temporal-order' | '3bit-temporal-order', starts: number[]): void {
  const task = getTask(name);
  const rng = createRng(name.length);
  const classes = 1 << starts.length;
  const seenClasses = new Set<number>();
  const seenDistractors = new Set<number>();
  for (const L of [10, 33, 100, 200]) {
    const B = 16;
    const batch = task.sample(rng, B, L);
    assert.equal(batch.time, L, 'no extra length');
    assert.equal(batch.inputs.length, L * B * 6);
    assert.equal(batch.targets.length, B * classes);
    const width = Math.floor(0.1 * L);
    for (let b = 0; b < B; b++) {
      const relevant: [number, number][] = [];
      for (let t = 0; t < L; t++) {
        const s = oneHotIndex(inputRow(batch, t, b), `${name} t=${t} b=${b}`);
        if (s < 2) relevant.push([t, s]);
        else seenDistractors.add(s);
      }
      assert.equal(relevant.length, starts.length, `${name}: number of A/B symbols`);
      let cls = 0;
      relevant.forEach(([t, s], k) => {
        const lo = Math.floor(starts[k] * L);
        assert.ok(t >= lo && t < lo + width, `${name}: symbol ${k} at ${t}, window [${lo}, ${lo + width})`);
        cls += s * 2 ** k;
      });
      const target = oneHotIndex(batch.targets.subarray(b * classes, (b + 1) * classes), `${name} target`);
      assert.equal(target, cls);
      seenClasses.add(cls);
    }
  }
  assert.equal(seenClasses.size, classes);
  assert.deepEqual([...seenDistractors].sort(), [2, 3, 4, 5]);
}

test('temporal-order: 6 one-hot symbols, A/B at [0.1T, 0.2T) and [0.5T, 0.6T), class = v0 + 2 v1', () => {
  checkTemporalOrder('temporal-order', [0.1, 0.5]);
});

test('3bit-temporal-order: A/B at [0.1T,0.2T), [0.3T,0.4T), [0.6T,0.7T), class = v0 + 2 v1 + 4 v2', () => {
  checkTemporalOrder('3bit-temporal-order', [0.1, 0.3, 0.6]);
});

test('random-permutation: first symbol 0/1, the rest in 2..99, target = first symbol', () => {
  const task = getTask('random-permutation');
  const rng = createRng(5);
  const seenFirst = new Set<number>();
  let seenMax = 0;
  let seenMin = 100;
  for (const L of [1, 2, 50, 120]) {
    const B = 12;
    const batch = task.sample(rng, B, L);
    assert.equal(batch.time, L);
    assert.equal(batch.inputs.length, L * B * 100);
    assert.equal(batch.targets.length, B * 100);
    for (let b = 0; b < B; b++) {
      const first = oneHotIndex(inputRow(batch, 0, b), 'step 0');
      assert.ok(first === 0 || first === 1);
      seenFirst.add(first);
      for (let t = 1; t < L; t++) {
        const s = oneHotIndex(inputRow(batch, t, b), `step ${t}`);
        assert.ok(s >= 2 && s <= 99);
        seenMax = Math.max(seenMax, s);
        seenMin = Math.min(seenMin, s);
      }
      assert.equal(oneHotIndex(batch.targets.subarray(b * 100, (b + 1) * 100), 'target'), first);
    }
  }
  assert.equal(seenFirst.size, 2);
  assert.deepEqual([seenMin, seenMax], [2, 99]);
});

test('memorization: pattern, blank and go channels, per-step targets recomputed from the inputs', () => {
  for (const [V, P, L] of [
    [5, 10, 50],
    [5, 10, 1],
    [2, 5, 17],
  ]) {
    const task = getTask('memorization', { nValues: V, nPos: P });
    assert.equal(task.inputDim, V + 2);
    assert.equal(task.outputDim, V + 1);
    const B = 6;
    const batch = task.sample(createRng(V * 100 + L), B, L);
    const T = L + 2 * P;
    assert.equal(batch.time, T);
    assert.equal(batch.inputs.length, T * B * (V + 2));
    assert.equal(batch.targets.length, T * B * (V + 1));
    assert.ok(batch.mask !== undefined);
    assert.equal(batch.mask.length, T * B);
    assert.ok(batch.mask.every((m) => m === 1), 'the authors train on every step');
    for (let b = 0; b < B; b++) {
      const pattern: number[] = [];
      let go = -1;
      for (let t = 0; t < T; t++) {
        const s = oneHotIndex(inputRow(batch, t, b), `t=${t}`);
        if (t < P) {
          assert.ok(s < V, 'pattern symbol');
          pattern.push(s);
        } else if (s === V + 1) {
          assert.equal(go, -1, 'one go cue');
          go = t;
        } else assert.equal(s, V, 'blank after the pattern');
      }
      assert.equal(go, L + P, 'go cue after the delay');
      for (let t = 0; t < T; t++) {
        const row = batch.targets.subarray((t * B + b) * (V + 1), (t * B + b + 1) * (V + 1));
        const expected = t < go ? V : pattern[t - go];
        assert.equal(oneHotIndex(row, `target t=${t}`), expected);
      }
    }
  }
  // Every value appears in the pattern over a batch.
  const big = getTask('memorization').sample(createRng(9), 20, 5);
  const seen = new Set<number>();
  for (let b = 0; b < 20; b++) for (let t = 0; t < 10; t++) seen.add(oneHotIndex(inputRow(big, t, b), 'p'));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
});

test('determinism: same seed gives identical batches, a different seed a different one', () => {
  for (const name of TASK_NAMES) {
    const task = getTask(name);
    const a = task.sample(createRng(77), 4, 40);
    const b = task.sample(createRng(77), 4, 40);
    const c = task.sample(createRng(78), 4, 40);
    assert.deepEqual(a, b, name);
    assert.notDeepEqual(a.inputs, c.inputs, name);
  }
});

test('property: every task produces consistent shapes for any batch/length (fast-check, fixed seed)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...TASK_NAMES),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 10, max: 80 }),
      fc.integer({ min: 0, max: 1000 }),
      (name, B, L, seed) => {
        const task = getTask(name);
        const batch = task.sample(createRng(seed), B, L);
        const perStep = batch.targetKind === 'sequence';
        return (
          batch.inputs.length === batch.time * B * task.inputDim &&
          batch.targets.length === (perStep ? batch.time : 1) * B * task.outputDim &&
          batch.time >= L &&
          task.errorRate(batch.targets, batch) === 0
        );
      },
    ),
    { seed: 42, numRuns: 60 },
  );
});

test('errorRate (regression): squared error > 0.04 is an error, <= 0.04 is not, NaN is', () => {
  const task = getTask('addition');
  const batch = task.sample(createRng(10), 5, 20);
  const t = batch.targets;
  assert.equal(task.errorRate(t, batch), 0);
  // Hand-built predictions: offsets 0.19 (0.0361), -0.199 (0.039601) are fine,
  // 0.21 (0.0441) and -0.3 (0.09) are errors, NaN is an error: 3 of 5.
  const pred = Float64Array.from([t[0] + 0.19, t[1] - 0.199, t[2] + 0.21, t[3] - 0.3, Number.NaN]);
  assert.equal(task.errorRate(pred, batch), 3 / 5);
  assert.throws(() => task.errorRate(new Float32Array(4), batch), {
    message: 'addition: predictions must have the shape of batch.targets [batch=5, outputDim=1] = 5 values, got 4',
  });
});

test('errorRate (last-step classification): wrong argmax counts, logits or probabilities, ties to the lowest index', () => {
  const task = getTask('temporal-order');
  const B = 8;
  const batch = task.sample(createRng(11), B, 30);
  const labels = Array.from({ length: B }, (_, b) => oneHotIndex(batch.targets.subarray(b * 4, b * 4 + 4), 'label'));
  const logits = new Float32Array(B * 4);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < 4; k++) logits[b * 4 + k] = -1 - k;
    logits[b * 4 + labels[b]] = 5;
  }
  assert.equal(task.errorRate(logits, batch), 0);
  // Make rows 0 and 3 wrong.
  for (const b of [0, 3]) logits[b * 4 + ((labels[b] + 1) % 4)] = 9;
  assert.equal(task.errorRate(logits, batch), 2 / 8);
  // A tie between the right class and a lower index resolves to the lower index.
  const tie = new Float32Array(B * 4);
  for (let b = 0; b < B; b++) tie[b * 4 + labels[b]] = 1;
  tie[0] = 1; // row 0 ties class 0 with its label
  const expectedWrong = labels[0] === 0 ? 0 : 1;
  assert.equal(task.errorRate(tie, batch), expectedWrong / B);
});

test('errorRate (memorization): a sequence is wrong if any step is wrong; masked-out steps do not count', () => {
  const task = getTask('memorization');
  const B = 4;
  const batch = task.sample(createRng(12), B, 8);
  const D = batch.outputDim;
  const pred = Float32Array.from(batch.targets);
  assert.equal(task.errorRate(pred, batch), 0);
  // Sequence 2 wrong at one blank step (t = 3), sequence 1 wrong at the last recall step.
  const flip = (t: number, b: number): void => {
    const off = (t * B + b) * D;
    const right = oneHotIndex(batch.targets.subarray(off, off + D), 'row');
    pred[off + right] = 0;
    pred[off + ((right + 1) % D)] = 1;
  };
  flip(3, 2);
  flip(batch.time - 1, 1);
  assert.equal(task.errorRate(pred, batch), 2 / 4);
  // With step 3 masked out, only sequence 1 is wrong.
  const mask = Float32Array.from(batch.mask as Float32Array);
  mask[3 * B + 2] = 0;
  assert.equal(task.errorRate(pred, { ...batch, mask }), 1 / 4);
  assert.throws(() => task.errorRate(new Float32Array(5), batch), {
    message: `memorization: predictions must have the shape of batch.targets [time=${batch.time}, batch=4, outputDim=6] = ${batch.targets.length} values, got 5`,
  });
});

test('bad arguments: lengths, batch sizes and memorization options name the argument', () => {
  const rng = createRng(1);
  assert.throws(() => getTask('addition').sample(rng, 2, 9), {
    message: 'addition: length must be an integer >= 10 (the first marker is drawn from the first floor(0.1 * length) steps), got 9',
  });
  assert.throws(() => getTask('temporal-order').sample(rng, 2, 5.5), {
    message:
      'temporal-order: length must be an integer >= 10 (each relevant symbol is drawn from a window of floor(0.1 * length) steps), got 5.5',
  });
  assert.throws(() => getTask('multiplication').sample(rng, 0, 50), {
    message: 'multiplication: batch must be an integer >= 1, got 0',
  });
  assert.throws(() => getTask('random-permutation').sample(rng, 1, 0), /random-permutation: length must be an integer >= 1/);
  assert.throws(() => getTask('memorization', { nValues: 1 }), { message: 'memorization: nValues must be an integer >= 2, got 1' });
  assert.throws(() => getTask('memorization', { nPos: 0 }), { message: 'memorization: nPos must be an integer >= 1, got 0' });
});

test('sampleLength: uniform over [min, max) per batch like the authors loop; fixed when max = min', () => {
  const rng = createRng(3);
  const seen = new Set<number>();
  for (let i = 0; i < 3000; i++) {
    const L = sampleLength(rng, 50, 60);
    assert.ok(L >= 50 && L < 60);
    seen.add(L);
  }
  assert.equal(seen.size, 10);
  assert.equal(sampleLength(rng, 80), 80);
  assert.equal(sampleLength(rng, 80, 80), 80);
  assert.throws(() => sampleLength(rng, 50, 40), { message: 'maxLength must be an integer >= minLength (50), got 40' });
  assert.throws(() => sampleLength(rng, 0), { message: 'minLength must be an integer >= 1, got 0' });
});

/**
 * Bad input to every public clipping entry point gets an Error whose message
 * names the function, the argument, what was received and how to fix it
 * (DESIGN.md §2, "Bad input"). Nothing is silently clamped.
 *
 * Thresholds: the PyTorch-style functions (`clipGradNorm`, `clipGradsWithNorm`,
 * `clipGradValue`) accept 0 (it zeroes the gradients, as in PyTorch); the
 * TF/Keras-style ones (`clipByGlobalNorm`, `clipByNorm`, `withClipping`, the
 * clip transforms) require > 0. Every failing call must also leave no tensor
 * behind (validation happens before anything is allocated).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { Tensor } from '@tensorflow/tfjs';
import { BACKENDS, tf, useBackend } from '../helpers/backends.js';
import {
  clipByGlobalNorm,
  clipByNorm,
  clipGradNorm,
  clipGradsWithNorm,
  clipGradValue,
  fusedNormAvailable,
  getTotalNorm,
  globalNorm,
  GradclipArgumentError,
  transforms,
  withClipping,
  withTransforms,
} from 'gradclip';

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Asserts `fn` throws a GradclipArgumentError matching `re`, and leaks nothing. */
function throwsArg(fn: () => unknown, re: RegExp): void {
  const before = tf.memory().numTensors;
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GradclipArgumentError, `expected GradclipArgumentError, got ${String(e)}`);
    assert.ok(e instanceof Error);
    assert.match(e.message, re);
    return true;
  });
  assert.equal(tf.memory().numTensors, before, 'a failing call must not leak tensors');
}

/** Asserts a plain Error matching `re`. */
function throwsErr(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

/** A threshold-taking entry point: how to call it with value v. */
interface ThresholdFn {
  fn: string;
  arg: string;
  allowZero: boolean;
  call: (v: unknown) => unknown;
}

function thresholdFns(g: Tensor[]): ThresholdFn[] {
  const sgd = tf.train.sgd(0.1);
  return [
    { fn: 'clipGradNorm', arg: 'maxNorm', allowZero: true, call: (v) => clipGradNorm(g, v as number) },
    { fn: 'clipGradsWithNorm', arg: 'maxNorm', allowZero: true, call: (v) => clipGradsWithNorm(g, v as number, 1) },
    { fn: 'clipGradValue', arg: 'clipValue', allowZero: true, call: (v) => clipGradValue(g, v as number) },
    { fn: 'clipByGlobalNorm', arg: 'clipNorm', allowZero: false, call: (v) => clipByGlobalNorm(g, v as number) },
    { fn: 'clipByNorm', arg: 'clipNorm', allowZero: false, call: (v) => clipByNorm(g[0], v as number) },
    { fn: 'withClipping', arg: 'clipnorm', allowZero: false, call: (v) => withClipping(sgd, { clipnorm: v as number }) },
    { fn: 'withClipping', arg: 'globalClipnorm', allowZero: false, call: (v) => withClipping(sgd, { globalClipnorm: v as number }) },
    { fn: 'withClipping', arg: 'clipvalue', allowZero: false, call: (v) => withClipping(sgd, { clipvalue: v as number }) },
    { fn: 'transforms.clipByGlobalNorm', arg: 'maxNorm', allowZero: false, call: (v) => transforms.clipByGlobalNorm(v as number) },
    { fn: 'transforms.clipByValue', arg: 'maxDelta', allowZero: false, call: (v) => transforms.clipByValue(v as number) },
    { fn: 'transforms.clipByNorm', arg: 'maxNorm', allowZero: false, call: (v) => transforms.clipByNorm(v as number) },
  ];
}

for (const backend of BACKENDS) {
  describe(`bad input (${backend})`, () => {
    let g: Tensor[] = [];
    before(async () => {
      await useBackend(backend);
      g = [tf.tensor1d([3, 4]), tf.tensor2d([[1, 2]])];
    });
    after(() => tf.dispose(g));

    it('thresholds: NaN and non-numbers name the argument and ask for a finite number', () => {
      for (const t of thresholdFns(g)) {
        const kind = t.allowZero ? 'non-negative' : 'positive';
        for (const [v, shown] of [
          [Number.NaN, 'NaN'],
          ['1', '"1"'],
          [null, 'null'],
          [[1], 'object'],
        ] as const) {
          throwsArg(() => t.call(v), new RegExp(`^${esc(t.fn)}: ${t.arg} must be a number, got ${esc(shown)}; pass a finite ${kind} number`));
        }
        if (t.fn !== 'withClipping') {
          // (for withClipping an undefined option means "not set")
          throwsArg(() => t.call(undefined), new RegExp(`^${esc(t.fn)}: ${t.arg} must be a number, got undefined`));
        }
      }
    });

    it('thresholds: ±Infinity is rejected with the advice not to clip at all', () => {
      for (const t of thresholdFns(g)) {
        for (const v of [Infinity, -Infinity]) {
          throwsArg(() => t.call(v), new RegExp(`^${esc(t.fn)}: ${t.arg} must be finite, got ${v}; to disable clipping do not apply the clip`));
        }
      }
    });

    it('thresholds: negatives always, and zero for the TF/Keras-style functions, are errors', () => {
      for (const t of thresholdFns(g)) {
        const op = t.allowZero ? '>= 0' : '> 0';
        for (const v of [-1, -1e-30]) {
          throwsArg(() => t.call(v), new RegExp(`^${esc(t.fn)}: ${t.arg} must be ${esc(op)}, got ${esc(String(v))}; pass a`));
        }
        if (!t.allowZero) {
          throwsArg(() => t.call(0), new RegExp(`^${esc(t.fn)}: ${t.arg} must be > 0, got 0; pass a positive threshold`));
        }
      }
    });

    it('zero is valid for clipGradNorm, clipGradsWithNorm and clipGradValue and zeroes the gradients', () => {
      const before = tf.memory().numTensors;
      const a = clipGradNorm(g, 0);
      const b = clipGradsWithNorm(g, 0, 5);
      const c = clipGradValue(g, 0);
      for (const out of [a.grads, b, c]) {
        for (const t of out) for (const x of t!.dataSync()) assert.equal(Math.abs(x), 0);
      }
      tf.dispose([...a.grads, a.totalNorm, ...b, ...c] as Tensor[]);
      assert.equal(tf.memory().numTensors, before);
    });

    it('normType must be a number > 0 or Infinity', () => {
      for (const [name, call] of [
        ['getTotalNorm', (p: unknown) => getTotalNorm(g, { normType: p as number })],
        ['clipGradNorm', (p: unknown) => clipGradNorm(g, 1, { normType: p as number })],
      ] as const) {
        for (const p of [0, -1, -0.5, -Infinity]) {
          throwsArg(() => call(p), new RegExp(`^${name}: normType must be > 0 or Infinity, got ${esc(String(p))}; use 2 for the Euclidean norm`));
        }
        for (const [p, shown] of [[Number.NaN, 'NaN'], ['2', '"2"']] as const) {
          throwsArg(() => call(p), new RegExp(`^${name}: normType must be a number > 0 or Infinity, got ${esc(shown)}; use 2`));
        }
      }
    });

    it('non-float tensors: the entry is named and the cast suggested', () => {
      const i32 = tf.tensor1d([1, 2], 'int32');
      const b = tf.tensor1d([true, false], 'bool');
      for (const [t, dtype] of [
        [i32, 'int32'],
        [b, 'bool'],
      ] as const) {
        const cast = esc("cast with tf.cast(t, 'float32')");
        const tail = `must be a float32 tensor, got dtype ${dtype}; gradients are floating point — ${cast}`;
        throwsArg(() => getTotalNorm([g[0], t]), new RegExp(`^getTotalNorm: grads\\[1\\] ${tail}`));
        throwsArg(() => clipGradNorm({ w: t }, 1), new RegExp(`^clipGradNorm: grads\\["w"\\] ${tail}`));
        throwsArg(() => clipGradsWithNorm([{ name: 'dense/kernel', tensor: t }], 1, 1), new RegExp(`^clipGradsWithNorm: grads\\[0\\] \\("dense/kernel"\\) ${tail}`));
        throwsArg(() => clipGradValue([t], 1), new RegExp(`^clipGradValue: grads\\[0\\] ${tail}`));
        throwsArg(() => globalNorm([t]), new RegExp(`^globalNorm: tensors\\[0\\] ${tail}`));
        throwsArg(() => clipByGlobalNorm([t], 1), new RegExp(`^clipByGlobalNorm: tensors\\[0\\] ${tail}`));
        throwsArg(() => clipByNorm(t, 1), new RegExp(`^clipByNorm: t ${tail}`));
      }
      tf.dispose([i32, b]);
    });

    it('disposed tensors: the entry is named and the fix given', () => {
      const d = tf.tensor1d([1, 2]);
      d.dispose();
      const tail = 'has been disposed; clip the gradients before disposing them \\(or clone them with tf.clone\\)';
      throwsArg(() => getTotalNorm([g[0], d]), new RegExp(`^getTotalNorm: grads\\[1\\] ${tail}`));
      throwsArg(() => clipGradNorm({ a: d }, 1), new RegExp(`^clipGradNorm: grads\\["a"\\] ${tail}`));
      throwsArg(() => clipGradsWithNorm([d], 1, 1), new RegExp(`^clipGradsWithNorm: grads\\[0\\] ${tail}`));
      throwsArg(() => clipGradValue([d], 1), new RegExp(`^clipGradValue: grads\\[0\\] ${tail}`));
      throwsArg(() => globalNorm([d]), new RegExp(`^globalNorm: tensors\\[0\\] ${tail}`));
      throwsArg(() => clipByGlobalNorm([d], 1), new RegExp(`^clipByGlobalNorm: tensors\\[0\\] ${tail}`));
      throwsArg(() => clipByNorm(d, 1), new RegExp(`^clipByNorm: t ${tail}`));
    });

    it('entries that are not tensors are named', () => {
      throwsArg(() => getTotalNorm({ a: 3 } as never), /^getTotalNorm: grads\["a"\] must be a tf\.Tensor, got 3$/);
      throwsArg(() => clipGradValue([g[0], 'x'] as never, 1), /^clipGradValue: grads\[1\] must be a tf\.Tensor, got "x"$/);
      throwsArg(
        () => clipGradNorm([{ name: 'w', tensor: [1, 2] }] as never, 1),
        /^clipGradNorm: grads\[0\] \("w"\) must be a tf\.Tensor, got object$/,
      );
    });

    it('useNorm of clipByGlobalNorm must be a finite scalar >= 0 (number or live rank-0 float32 tensor)', () => {
      for (const v of [Number.NaN, Infinity, -Infinity, -1]) {
        throwsArg(
          () => clipByGlobalNorm(g, 1, v),
          new RegExp(`^clipByGlobalNorm: useNorm must be a finite scalar >= 0, got ${esc(String(v))}; pass globalNorm\\(tensors\\) or omit it`),
        );
      }
      const r1 = tf.tensor1d([1, 2]);
      throwsArg(() => clipByGlobalNorm(g, 1, r1 as never), /^clipByGlobalNorm: useNorm must be a finite scalar, got a rank-1 tensor of shape \[2\]$/);
      const r2 = tf.tensor2d([[5]]);
      throwsArg(() => clipByGlobalNorm(g, 1, r2 as never), /^clipByGlobalNorm: useNorm must be a finite scalar, got a rank-2 tensor of shape \[1, 1\]$/);
      const dead = tf.scalar(5);
      dead.dispose();
      throwsArg(() => clipByGlobalNorm(g, 1, dead), /^clipByGlobalNorm: useNorm has been disposed; compute it again with globalNorm\(tensors\)$/);
      const i32 = tf.scalar(5, 'int32');
      throwsArg(() => clipByGlobalNorm(g, 1, i32), /^clipByGlobalNorm: useNorm must be float32, got int32$/);
      throwsArg(() => clipByGlobalNorm(g, 1, '5' as never), /^clipByGlobalNorm: useNorm must be a finite scalar \(number or rank-0 tensor\), got string$/);
      throwsArg(() => clipByGlobalNorm(g, 1, null as never), /^clipByGlobalNorm: useNorm must be a finite scalar \(number or rank-0 tensor\), got null$/);
      tf.dispose([r1, r2, i32]);
    });

    it('totalNorm of clipGradsWithNorm must be >= 0 and a live float32 scalar', () => {
      throwsArg(() => clipGradsWithNorm(g, 1, -1), /^clipGradsWithNorm: totalNorm must be >= 0, got -1; pass the value of getTotalNorm\(grads\)$/);
      const r1 = tf.tensor1d([5]);
      throwsArg(() => clipGradsWithNorm(g, 1, r1 as never), /^clipGradsWithNorm: totalNorm must be a scalar tf\.Tensor or a number, got a rank-1 tensor; pass getTotalNorm\(grads\)$/);
      throwsArg(() => clipGradsWithNorm(g, 1, '5' as never), /^clipGradsWithNorm: totalNorm must be a scalar tf\.Tensor or a number, got string/);
      const dead = tf.scalar(5);
      dead.dispose();
      throwsArg(() => clipGradsWithNorm(g, 1, dead), /^clipGradsWithNorm: totalNorm has been disposed; compute it again with getTotalNorm\(grads\)$/);
      const i32 = tf.scalar(5, 'int32');
      throwsArg(() => clipGradsWithNorm(g, 1, i32), /^clipGradsWithNorm: totalNorm must be float32, got int32$/);
      tf.dispose([r1, i32]);
    });

    it('containers: mixed Tensor/NamedTensor arrays, a bare tensor, non-objects', () => {
      const mixed = [g[0], { name: 'b', tensor: g[1] }];
      const mixedMsg = (fn: string, arg: string) =>
        new RegExp(`^${fn}: ${arg} mixes Tensor and \\{name, tensor\\} entries \\(entry 1\\); pass either a Tensor\\[\\] or a NamedTensor\\[\\]$`);
      throwsArg(() => getTotalNorm(mixed as never), mixedMsg('getTotalNorm', 'grads'));
      throwsArg(() => clipGradNorm(mixed as never, 1), mixedMsg('clipGradNorm', 'grads'));
      throwsArg(() => clipGradsWithNorm(mixed as never, 1, 1), mixedMsg('clipGradsWithNorm', 'grads'));
      throwsArg(() => clipGradValue(mixed as never, 1), mixedMsg('clipGradValue', 'grads'));
      throwsArg(() => globalNorm(mixed as never), mixedMsg('globalNorm', 'tensors'));
      throwsArg(() => clipByGlobalNorm(mixed as never, 1), mixedMsg('clipByGlobalNorm', 'tensors'));
      // the other order, with a hole in between
      throwsArg(
        () => getTotalNorm([{ name: 'a', tensor: g[0] }, null, g[1]] as never),
        /^getTotalNorm: grads mixes Tensor and \{name, tensor\} entries \(entry 2\)/,
      );

      const single = (fn: string, arg: string) =>
        new RegExp(`^${fn}: ${arg} must be a container of gradients, got a single Tensor; wrap it in an array: \\[t\\]$`);
      throwsArg(() => getTotalNorm(g[0] as never), single('getTotalNorm', 'grads'));
      throwsArg(() => clipGradNorm(g[0] as never, 1), single('clipGradNorm', 'grads'));
      throwsArg(() => clipGradsWithNorm(g[0] as never, 1, 1), single('clipGradsWithNorm', 'grads'));
      throwsArg(() => clipGradValue(g[0] as never, 1), single('clipGradValue', 'grads'));
      throwsArg(() => globalNorm(g[0] as never), single('globalNorm', 'tensors'));
      throwsArg(() => clipByGlobalNorm(g[0] as never, 1), single('clipByGlobalNorm', 'tensors'));

      for (const [v, shown] of [
        [null, 'null'],
        [undefined, 'undefined'],
        [5, 'number'],
        ['grads', 'string'],
      ] as const) {
        throwsArg(
          () => getTotalNorm(v as never),
          new RegExp(`^getTotalNorm: grads must be a Tensor\\[\\], a NamedTensorMap \\(\\{name: Tensor\\}\\) or a NamedTensor\\[\\] \\(\\[\\{name, tensor\\}\\]\\), got ${shown}$`),
        );
      }
      throwsArg(() => clipGradValue([{ name: 7, tensor: g[0] }] as never, 1), /^clipGradValue: grads\[0\]\.name must be a string$/);
    });

    it('clipByNorm axes must be integers within the rank', () => {
      for (const a of [2, -3, 0.5]) {
        throwsArg(() => clipByNorm(g[1], 1, a), new RegExp(`^clipByNorm: axes must be integers in \\[-2, 1\\] for a rank-2 tensor, got ${esc(String(a))}$`));
      }
      throwsArg(() => clipByNorm(g[1], 1, [0, 5]), /^clipByNorm: axes must be integers in \[-2, 1\] for a rank-2 tensor, got 5$/);
    });

    it('errorIfNonfinite names the flag and the alternatives, and frees the norm', () => {
      const inf = [tf.tensor1d([1, Infinity])];
      const nan = { w: tf.tensor1d([Number.NaN, 1]) };
      const tail = esc(
        'so they cannot be clipped; set errorIfNonfinite: false to scale by the non-finite norm anyway, or skip such steps with transforms.skipNonFinite()',
      );
      throwsArg(() => getTotalNorm(inf, { errorIfNonfinite: true }), new RegExp(`^getTotalNorm: the total norm of order 2 of the gradients is Infinity, ${tail}$`));
      throwsArg(() => getTotalNorm(inf, { errorIfNonfinite: true, normType: 1 }), /order 1 of the gradients is Infinity/);
      throwsArg(() => getTotalNorm(inf, { errorIfNonfinite: true, normType: Infinity }), /order Infinity of the gradients is Infinity/);
      throwsArg(() => clipGradNorm(nan, 1, { errorIfNonfinite: true }), new RegExp(`^clipGradNorm: the total norm of order 2 of the gradients is NaN, ${tail}$`));
      // without the flag it goes through (PyTorch semantics: finite entries become 0 on Inf)
      const before = tf.memory().numTensors;
      const r = clipGradNorm(inf, 1);
      assert.equal(r.totalNorm.dataSync()[0], Infinity);
      assert.deepEqual(Array.from(r.grads[0]!.dataSync()).map((x) => (Number.isNaN(x) ? 'NaN' : x)), [0, 'NaN']);
      tf.dispose([r.totalNorm, ...r.grads] as Tensor[]);
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([...inf, nan.w]);
    });

    it('Keras-style options: exactly one of clipnorm, globalClipnorm, clipvalue', () => {
      const sgd = tf.train.sgd(0.1);
      throwsArg(
        () => withClipping(sgd, { clipnorm: 1, clipvalue: 1 }),
        /^withClipping: only one of clipnorm, globalClipnorm, clipvalue can be set, got clipnorm and clipvalue; to combine clips use withTransforms\(optimizer, transforms\.chain\(\.\.\.\)\)$/,
      );
      throwsArg(() => withClipping(sgd, { clipnorm: 1, globalClipnorm: 2, clipvalue: 3 }), /got clipnorm and globalClipnorm and clipvalue/);
      throwsArg(
        () => withClipping(sgd, { global_clipnorm: 1 } as never),
        /^withClipping: unknown option\(s\) "global_clipnorm"; valid options are clipnorm, globalClipnorm, clipvalue \(global_clipnorm is spelled globalClipnorm\)$/,
      );
      throwsArg(() => withClipping(sgd, { clipNorm: 1, clipvalue: 1 } as never), /^withClipping: unknown option\(s\) "clipNorm"/);
      throwsArg(() => withClipping(sgd, {}), /^withClipping: set one of clipnorm, globalClipnorm or clipvalue \(for example \{globalClipnorm: 1\}\)$/);
      throwsArg(() => withClipping(sgd, { clipnorm: undefined }), /^withClipping: set one of clipnorm/);
      throwsArg(() => withClipping(sgd, null as never), /^withClipping: options must be an object with one of clipnorm, globalClipnorm, clipvalue$/);
      // an unset key next to a set one is fine
      assert.ok(withClipping(sgd, { clipnorm: undefined, clipvalue: 0.5 }));
    });

    it('transform options and withTransforms arguments', () => {
      throwsArg(() => transforms.clipByGlobalNorm(1, { rule: 'keras' as never }), /^transforms\.clipByGlobalNorm: rule must be 'optax', 'tf' or 'torch', got "keras"$/);
      throwsArg(() => withTransforms({} as never, transforms.clipByValue(1)), /^withTransforms: optimizer must be a tf\.Optimizer \(for example tf\.train\.adam\(1e-3\)\) or an optimizer name such as "adam", got object$/);
      throwsErr(() => withTransforms(tf.train.sgd(1), {} as never), /^withTransforms: transform must be a GradientTransformation/);
      for (const b of [0, 1.5, -1]) {
        throwsErr(
          () => withTransforms(tf.train.sgd(1), transforms.clipByValue(1), { statsBuffer: b }),
          new RegExp(`^withTransforms: statsBuffer must be an integer >= 1, got ${esc(String(b))}$`),
        );
      }
    });

    it('fused: true on a backend with the kernel works, and equals the automatic choice', () => {
      assert.equal(fusedNormAvailable(), true, `${backend} has the fused kernel`);
      const a = getTotalNorm(g, { fused: true });
      const b = getTotalNorm(g);
      assert.equal(a.dataSync()[0], b.dataSync()[0]);
      tf.dispose([a, b]);
    });
  });
}

describe('fused: true on a backend without the kernel', () => {
  const NAME = 'gradclip-test-nokernel';
  before(async () => {
    // A backend registered under a new name has none of gradclip's kernels
    // (kernels are registered per backend name), though it can hold tensors.
    tf.registerBackend(NAME, () => new MathBackendCPU());
    await tf.setBackend(NAME);
  });
  after(async () => {
    await useBackend('cpu');
    tf.removeBackend(NAME);
  });

  it('the error names the backend and the two alternatives', () => {
    assert.equal(tf.getBackend(), NAME);
    assert.equal(fusedNormAvailable(), false);
    const x = tf.tensor1d([3, 4]);
    const tail = `fused: true but the "${NAME}" backend has no gradclip fused kernel; use fused: undefined \\(automatic\\) or false$`;
    throwsArg(() => getTotalNorm([x], { fused: true }), new RegExp(`^getTotalNorm: ${tail}`));
    throwsArg(() => clipGradNorm([x], 1, { fused: true }), new RegExp(`^clipGradNorm: ${tail}`));
    x.dispose();
  });
});

// @ts-nocheck -- AssemblyScript source (compiled by scripts/build-wasm.mjs, not by tsc).
/**
 * Fused optimizer updates that take the clip coefficient `c`, so the separate scaling pass
 * over the gradients disappears (the gradient is read once, multiplied by `c` in a register).
 *
 * Every hyperparameter arrives as float64 and is rounded to float32 exactly where TF.js
 * turns it into a float32 scalar tensor, and the float32 operations happen in the same
 * order as TF.js's un-fused ops, so with the same inputs the results match
 * `clip (mul by c)` followed by `tf.train.sgd` / `tf.train.adam` (tfjs-core 4.22
 * `sgd_optimizer.ts`, `adam_optimizer.ts`) up to float32 rounding (bit-identical when the
 * backend's element-wise ops are correctly rounded IEEE float32).
 */

/**
 * SGD with a clip coefficient: `g' = g * c`, `wOut = wIn + (-lr) * g'` (float32 ops in this
 * order), i.e. `w -= lr * c * g`. tfjs-core `SGDOptimizer.applyGradients`:
 * `value.assign(add(mul(scalar(-lr), gradient), value))`.
 *
 * The new weights go to `wOut`, a buffer of its own: tfjs-backend-wasm caches XNNPACK
 * operators holding packed copies of a matMul's or conv2d's weights keyed by the weight
 * tensor's id, so the caller hands the new values to the variable as a new tensor (DESIGN.md
 * section 7). `wOut == wIn` also works (every element is read before it is written).
 */
export function sgdUpdate(wIn: usize, wOut: usize, g: usize, len: i32, lr: f64, c: f64): void {
  const c32: f32 = <f32>c;
  const nlr32: f32 = <f32>(-lr);
  const kc = f32x4.splat(c32);
  const kl = f32x4.splat(nlr32);
  let j: i32 = 0;
  let pw: usize = wIn;
  let po: usize = wOut;
  let pg: usize = g;
  for (; j + 8 <= len; j += 8, pw += 32, po += 32, pg += 32) {
    const g0 = f32x4.mul(v128.load(pg, 0), kc);
    const g1 = f32x4.mul(v128.load(pg, 16), kc);
    const w0 = v128.load(pw, 0);
    const w1 = v128.load(pw, 16);
    v128.store(po, f32x4.add(f32x4.mul(kl, g0), w0), 0);
    v128.store(po, f32x4.add(f32x4.mul(kl, g1), w1), 16);
  }
  for (; j + 4 <= len; j += 4, pw += 16, po += 16, pg += 16) {
    const g0 = f32x4.mul(v128.load(pg), kc);
    v128.store(po, f32x4.add(f32x4.mul(kl, g0), v128.load(pw)));
  }
  for (; j < len; j++, pw += 4, po += 4, pg += 4) {
    const gc: f32 = load<f32>(pg) * c32;
    store<f32>(po, nlr32 * gc + load<f32>(pw));
  }
}

/**
 * Adam / AdamW step with a clip coefficient, one element at a time (float32):
 * ```
 * g' = g * c
 * w  = w * (1 - lr * weightDecay)          (decoupled decay, Loshchilov & Hutter,
 *                                            arXiv 1711.05101; factor computed in float64
 *                                            then rounded; exactly 1 when weightDecay = 0)
 * m  = m * beta1 + g' * (1 - beta1)
 * v  = v * beta2 + (g' * g') * (1 - beta2)
 * w  = (m / bc1) / (sqrt(v / bc2) + eps) * (-lr) + w
 * ```
 * with `bc1 = 1 - beta1^t`, `bc2 = 1 - beta2^t` at step t = 1, 2, ... (Kingma & Ba,
 * arXiv 1412.6980, Algorithm 1 with eps added to sqrt(v-hat)). This is tfjs-core
 * `AdamOptimizer.applyGradients` term for term (there `bc1 = 1 - accBeta1`, where accBeta1
 * is a float32 variable starting at beta1 and multiplied by beta1 after every step;
 * `1 - beta1` is computed in float64 then made a float32 scalar).
 *
 * Reads `w`, `m`, `v` at `wIn`, `mIn`, `vIn` and writes the new values to `wOut`, `mOut`,
 * `vOut` (buffers of their own, see {@link sgdUpdate}; an out pointer equal to its in pointer
 * also works: each element is read before it is written).
 */
export function adamUpdate(
  wIn: usize, wOut: usize, mIn: usize, mOut: usize, vIn: usize, vOut: usize, g: usize, len: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, c: f64, bc1: f64, bc2: f64, weightDecay: f64,
): void {
  const kc = f32x4.splat(<f32>c);
  const kwd = f32x4.splat(<f32>(1.0 - lr * weightDecay));
  const kb1 = f32x4.splat(<f32>beta1);
  const k1b1 = f32x4.splat(<f32>(1.0 - beta1));
  const kb2 = f32x4.splat(<f32>beta2);
  const k1b2 = f32x4.splat(<f32>(1.0 - beta2));
  const kbc1 = f32x4.splat(<f32>bc1);
  const kbc2 = f32x4.splat(<f32>bc2);
  const keps = f32x4.splat(<f32>eps);
  const knlr = f32x4.splat(<f32>(-lr));
  let j: i32 = 0;
  const n4: i32 = len & ~3;
  for (; j < n4; j += 4) {
    const o: usize = <usize>j << 2;
    const gc = f32x4.mul(v128.load(g + o), kc);
    const w0 = f32x4.mul(v128.load(wIn + o), kwd);
    const m1 = f32x4.add(f32x4.mul(v128.load(mIn + o), kb1), f32x4.mul(gc, k1b1));
    const v1 = f32x4.add(f32x4.mul(v128.load(vIn + o), kb2), f32x4.mul(f32x4.mul(gc, gc), k1b2));
    v128.store(mOut + o, m1);
    v128.store(vOut + o, v1);
    const mh = f32x4.div(m1, kbc1);
    const vh = f32x4.div(v1, kbc2);
    const u = f32x4.div(mh, f32x4.add(f32x4.sqrt(vh), keps));
    v128.store(wOut + o, f32x4.add(f32x4.mul(u, knlr), w0));
  }
  const c32: f32 = <f32>c;
  const wd32: f32 = <f32>(1.0 - lr * weightDecay);
  const b1: f32 = <f32>beta1;
  const ob1: f32 = <f32>(1.0 - beta1);
  const b2: f32 = <f32>beta2;
  const ob2: f32 = <f32>(1.0 - beta2);
  const bc1f: f32 = <f32>bc1;
  const bc2f: f32 = <f32>bc2;
  const e: f32 = <f32>eps;
  const nlr: f32 = <f32>(-lr);
  for (; j < len; j++) {
    const o: usize = <usize>j << 2;
    const gc: f32 = load<f32>(g + o) * c32;
    const w0: f32 = load<f32>(wIn + o) * wd32;
    const m1: f32 = load<f32>(mIn + o) * b1 + gc * ob1;
    const v1: f32 = load<f32>(vIn + o) * b2 + (gc * gc) * ob2;
    store<f32>(mOut + o, m1);
    store<f32>(vOut + o, v1);
    const u: f32 = (m1 / bc1f) / (sqrt<f32>(v1 / bc2f) + e);
    store<f32>(wOut + o, u * nlr + w0);
  }
}

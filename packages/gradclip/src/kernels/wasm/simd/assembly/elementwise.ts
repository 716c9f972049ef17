// @ts-nocheck -- AssemblyScript source (compiled by scripts/build-wasm.mjs, not by tsc).
/**
 * Element-wise float32 kernels: scaling (the second pass of a global-norm clip) and
 * clamping (clip-by-value). `src` and `dst` are byte offsets; they must be equal (in place)
 * or the ranges must not overlap. Each result element is one IEEE float32 operation, so the
 * output is bit-identical to TF.js's `mul` / `clipByValue` on the same float32 inputs.
 */

/**
 * `dst[i] = src[i] * c` for i < len (float32 multiply; `c` is the clip coefficient, e.g.
 * PyTorch's `min(1, maxNorm / (total + 1e-6))`, torch.nn.utils.clip_grads_with_norm_).
 */
export function scale(src: usize, dst: usize, len: i32, c: f32): void {
  const k = f32x4.splat(c);
  let j: i32 = 0;
  let s: usize = src;
  let d: usize = dst;
  for (; j + 16 <= len; j += 16, s += 64, d += 64) {
    const x0 = v128.load(s, 0);
    const x1 = v128.load(s, 16);
    const x2 = v128.load(s, 32);
    const x3 = v128.load(s, 48);
    v128.store(d, f32x4.mul(x0, k), 0);
    v128.store(d, f32x4.mul(x1, k), 16);
    v128.store(d, f32x4.mul(x2, k), 32);
    v128.store(d, f32x4.mul(x3, k), 48);
  }
  for (; j + 4 <= len; j += 4, s += 16, d += 16) v128.store(d, f32x4.mul(v128.load(s), k));
  for (; j < len; j++, s += 4, d += 4) store<f32>(d, load<f32>(s) * c);
}

/**
 * `dst[i] = min(max(src[i], lo), hi)` (clip-by-value, torch.nn.utils.clip_grad_value_ with
 * lo = -clipValue, hi = clipValue). NaN stays NaN (WebAssembly min/max propagate NaN), as in
 * torch.clamp and tf.clipByValue. Requires lo <= hi (checked by the JS wrapper).
 */
export function clampValue(src: usize, dst: usize, len: i32, lo: f32, hi: f32): void {
  const l = f32x4.splat(lo);
  const h = f32x4.splat(hi);
  let j: i32 = 0;
  let s: usize = src;
  let d: usize = dst;
  for (; j + 16 <= len; j += 16, s += 64, d += 64) {
    const x0 = v128.load(s, 0);
    const x1 = v128.load(s, 16);
    const x2 = v128.load(s, 32);
    const x3 = v128.load(s, 48);
    v128.store(d, f32x4.min(f32x4.max(x0, l), h), 0);
    v128.store(d, f32x4.min(f32x4.max(x1, l), h), 16);
    v128.store(d, f32x4.min(f32x4.max(x2, l), h), 32);
    v128.store(d, f32x4.min(f32x4.max(x3, l), h), 48);
  }
  for (; j + 4 <= len; j += 4, s += 16, d += 16) {
    v128.store(d, f32x4.min(f32x4.max(v128.load(s), l), h));
  }
  for (; j < len; j++, s += 4, d += 4) store<f32>(d, min(max(load<f32>(s), lo), hi));
}

/** `dst[i] = src[i]` (SIMD copy; the bandwidth reference of the micro-benchmark). */
export function copy(src: usize, dst: usize, len: i32): void {
  let j: i32 = 0;
  let s: usize = src;
  let d: usize = dst;
  for (; j + 16 <= len; j += 16, s += 64, d += 64) {
    const x0 = v128.load(s, 0);
    const x1 = v128.load(s, 16);
    const x2 = v128.load(s, 32);
    const x3 = v128.load(s, 48);
    v128.store(d, x0, 0);
    v128.store(d, x1, 16);
    v128.store(d, x2, 32);
    v128.store(d, x3, 48);
  }
  for (; j < len; j++, s += 4, d += 4) store<f32>(d, load<f32>(s));
}

/**
 * Plain float32 sum `sum_i x_i` with float32 lanes (no float64 promotion, no checks): the
 * read-only memory-bandwidth reference of the micro-benchmark. Not accurate for big inputs.
 */
export function sumF32(ptr: usize, len: i32): f64 {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let j: i32 = 0;
  let q: usize = ptr;
  for (; j + 16 <= len; j += 16, q += 64) {
    a0 = f32x4.add(a0, v128.load(q, 0));
    a1 = f32x4.add(a1, v128.load(q, 16));
    a2 = f32x4.add(a2, v128.load(q, 32));
    a3 = f32x4.add(a3, v128.load(q, 48));
  }
  const v = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let r: f64 = <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) +
    <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
  for (; j < len; j++, q += 4) r += <f64>load<f32>(q);
  return r;
}

/**
 * Gradient shapes of the benchmark sets (DESIGN.md section 5) and deterministic
 * gradient-like data (uniform in ±1e-3).
 */

/** GPT-2 small parameter shapes: 148 tensors, 124,439,808 elements. */
export function gpt2SmallSizes(): number[] {
  const d = 768;
  const sizes = [50257 * d, 1024 * d];
  for (let l = 0; l < 12; l++) sizes.push(d, d, d * 3 * d, 3 * d, d * d, d, d, d, d * 4 * d, 4 * d, 4 * d * d, d);
  sizes.push(d, d);
  return sizes;
}

/** A 2-layer LSTM with 460 units (W_ih, W_hh, b_ih, b_hh per layer): 8 tensors, 3,393,440 elements. */
export function lstmSizes(): number[] {
  const h = 460;
  const layer = [4 * h * h, 4 * h * h, 4 * h, 4 * h];
  return [...layer, ...layer];
}

/** 2000 tensors of 1000 elements (per-tensor overhead dominates). */
export function manySmallSizes(): number[] {
  return new Array<number>(2000).fill(1000);
}

/**
 * A 4-layer transformer (d = 512, feed-forward 2048, vocabulary 16384, 1024
 * positions): token and position embeddings, then per layer two LayerNorm
 * gains and biases, QKV and output projections, two feed-forward matrices,
 * with their biases: 50 tensors, 21,522,432 elements.
 */
export function transformerSizes(): number[] {
  const d = 512;
  const ff = 4 * d;
  const sizes = [16384 * d, 1024 * d];
  for (let l = 0; l < 4; l++) sizes.push(d, d, d * 3 * d, 3 * d, d * d, d, d, d, d * ff, ff, ff * d, d);
  return sizes;
}

/** A benchmark set: name, description and tensor sizes. */
export interface BenchSet {
  name: string;
  what: string;
  sizes: number[];
}

/** S4: {@link transformerSizes} (50 tensors, 21.5M elements; the browser benchmark's large set). */
export function transformerSet(): BenchSet {
  return { name: 'S4', what: '4-layer transformer, d 512', sizes: transformerSizes() };
}

/** The sets S1..S3; `quick` shrinks S1 (x0.05) for a smoke run. */
export function benchSets(quick: boolean): BenchSet[] {
  const s1 = gpt2SmallSizes().map((n) => (quick ? Math.max(1, Math.round(n * 0.05)) : n));
  return [
    { name: 'S1', what: quick ? 'GPT-2 small shapes x0.05' : 'GPT-2 small shapes', sizes: s1 },
    { name: 'S2', what: 'LSTM 2x460', sizes: lstmSizes() },
    { name: 'S3', what: '2000 x 1000', sizes: manySmallSizes() },
  ];
}

/** Fills `out` with uniform values in [-1e-3, 1e-3) from an LCG seeded with `seed`; returns the next seed. */
export function fillGradientLike(out: Float32Array, seed: number): number {
  let s = seed >>> 0;
  for (let j = 0; j < out.length; j++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[j] = (s / 4294967296 - 0.5) * 2e-3;
  }
  return s;
}

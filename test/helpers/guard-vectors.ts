/**
 * Loader of `test/vectors/guards.json`, the reference vectors of AdaGC and
 * StableAdamW's update clipping generated offline by
 * `scripts/gen_guard_vectors.py` (float64 torch; see its header). Numbers
 * are decoded as in `./vectors.ts`: inputs to float32 (`Math.fround`),
 * references as float64.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { decodeNumber } from './vectors.js';

/** One AdaGC step: the gradients (null: absent) and what the reference returns. */
export interface AdaGCVectorStep {
  grads: Record<string, Float32Array | null>;
  expect: {
    updates: Record<string, Float64Array | null>;
    gamma: Record<string, number>;
    preClipNorm: number;
    postClipNorm: number;
    clipped: boolean;
    warmup: boolean;
  };
}

/** One AdaGC sequence. */
export interface AdaGCVectorCase {
  id: string;
  note: string;
  options: { beta?: number; lambdaAbs?: number; lambdaRel?: number; warmupSteps?: number };
  shapes: Record<string, number[]>;
  steps: AdaGCVectorStep[];
}

/** One StableAdamW step: gradients and the weights after it. */
export interface StableVectorStep {
  grads: Record<string, Float32Array>;
  expect: { weights: Record<string, Float64Array>; rms: Record<string, number> };
}

/** One StableAdamW sequence. */
export interface StableVectorCase {
  id: string;
  note: string;
  options: { learningRate: number; beta1: number; beta2: number; epsilon: number; weightDecay: number; excludeFromWeightDecay?: string[] };
  init: Record<string, { shape: number[]; values: Float32Array }>;
  steps: StableVectorStep[];
}

/** The decoded file. */
export interface GuardVectors {
  torch: string;
  adaGC: AdaGCVectorCase[];
  stableAdamW: StableVectorCase[];
}

const f32 = (xs: unknown[]): Float32Array => Float32Array.from(xs, (x) => Math.fround(decodeNumber(x)));
const f64 = (xs: unknown[]): Float64Array => Float64Array.from(xs, decodeNumber);

function mapValues<T, U>(rec: Record<string, T>, f: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, f(v)]));
}

let cache: GuardVectors | undefined;

/** Loads and decodes `test/vectors/guards.json` (cached). */
export function loadGuardVectors(): GuardVectors {
  if (cache !== undefined) return cache;
  const here = dirname(fileURLToPath(import.meta.url));
  const raw = JSON.parse(readFileSync(join(here, '..', 'vectors', 'guards.json'), 'utf8')) as {
    format: string;
    torch: string;
    adaGC: Array<{ id: string; note: string; options: AdaGCVectorCase['options']; shapes: Record<string, number[]>; steps: Array<{ grads: Record<string, unknown[] | null>; expect: Record<string, unknown> }> }>;
    stableAdamW: Array<{ id: string; note: string; options: StableVectorCase['options']; init: Record<string, { shape: number[]; values: unknown[] }>; steps: Array<{ grads: Record<string, unknown[]>; expect: { weights: Record<string, unknown[]>; rms: Record<string, unknown> } }> }>;
  };
  assert.equal(raw.format, 'gradclip-guard-vectors/1');
  cache = {
    torch: raw.torch,
    adaGC: raw.adaGC.map((c) => ({
      id: c.id,
      note: c.note,
      options: c.options,
      shapes: c.shapes,
      steps: c.steps.map((s) => ({
        grads: mapValues(s.grads, (v) => (v === null ? null : f32(v))),
        expect: {
          updates: mapValues(s.expect.updates as Record<string, unknown[] | null>, (v) => (v === null ? null : f64(v))),
          gamma: mapValues(s.expect.gamma as Record<string, unknown>, decodeNumber),
          preClipNorm: decodeNumber(s.expect.preClipNorm),
          postClipNorm: decodeNumber(s.expect.postClipNorm),
          clipped: s.expect.clipped === true,
          warmup: s.expect.warmup === true,
        },
      })),
    })),
    stableAdamW: raw.stableAdamW.map((c) => ({
      id: c.id,
      note: c.note,
      options: c.options,
      init: mapValues(c.init, (v) => ({ shape: v.shape, values: f32(v.values) })),
      steps: c.steps.map((s) => ({
        grads: mapValues(s.grads, f32),
        expect: { weights: mapValues(s.expect.weights, f64), rms: mapValues(s.expect.rms, decodeNumber) },
      })),
    })),
  };
  return cache;
}

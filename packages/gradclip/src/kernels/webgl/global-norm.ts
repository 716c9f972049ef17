/**
 * `GradclipGlobalNorm` on the `webgl` backend (tfjs-backend-webgl 4.x on
 * WebGL2 with float32 render targets, reached through the kernel's backend
 * object; the package is never imported).
 *
 * One pass over the gradients: each partial program binds up to
 * `MAX_TEXTURE_IMAGE_UNITS` tensors of one layout (packed or unpacked, read
 * as they are: no pack/unpack programs) and writes one record per 4096
 * values; reduce programs combine the records (up to `MAX_TEXTURE_IMAGE_UNITS`
 * record textures each) until one fragment writes the float32 norm. Programs
 * per call for p = 2, 1, ∞: ⌈packed / K⌉ + ⌈unpacked / K⌉ + about ⌈that / K⌉ + 1
 * (K = 32 on SwiftShader, 16 on most GPUs); any other p adds a max pass,
 * `||x||_p = m · (Σ (|x_i| / m)^p)^(1/p)`. No host sync.
 *
 * Accuracy as on WebGPU (`../webgpu/norm-scheme.ts`): a few float32 ulps of
 * the float64 norm for any finite float32 input; NaN anywhere gives NaN,
 * otherwise ±Inf gives Inf; no elements give 0.
 *
 * Without WebGL2 float32 rendering (`WEBGL_VERSION` 1 or
 * `WEBGL_RENDER_FLOAT32_ENABLED` false) the kernel reads the tensors to the
 * host and takes the float64 norm there (a sync; such devices are rare).
 */
import { env, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { pNorm } from '../../core/norms.js';
import { GRADCLIP_GLOBAL_NORM, type GlobalNormAttrs } from '../names.js';
import { integerPower, SUM_P1, SUM_P2 } from '../webgpu/norm-scheme.js';
import { PartialNormProgram, ReduceNormProgram, type PartialMode } from './norm-programs.js';
import { isWebGLBackend, sizeOfShape, type WebGLBackendLike } from './types.js';

/** Values per record (unpacked: elements; packed: 4 per texel). */
export const VALUES_PER_RECORD = 4096;
/** Records one program writes at most (larger inputs get longer chunks). */
export const MAX_RECORDS_PER_PROGRAM = 16384;
/** Records per output record in an intermediate reduce. */
export const RECORDS_PER_REDUCE = 32;
/** At most this many records go to the final program (one fragment). */
export const FINAL_RECORDS = 2048;

/** How a partial program reads one tensor. */
interface Source {
  info: TensorInfo;
  packed: boolean;
  /** Elements (unpacked) or texels (packed) to read. */
  len: number;
  /** Texture width in texels. */
  w: number;
  off: number;
  cp: number;
  rp: number;
  odd: number;
}

/** A record texture and how many records it holds. */
interface Records {
  info: TensorInfo;
  count: number;
}

const unitsCache = new WeakMap<object, number>();

/** Samplers one program may bind: the context's `MAX_TEXTURE_IMAGE_UNITS`. */
export function textureUnits(backend: WebGLBackendLike): number {
  const gl = backend.gpgpu.gl;
  let k = unitsCache.get(gl);
  if (k === undefined) {
    k = Number(gl.getParameter(gl.MAX_TEXTURE_IMAGE_UNITS));
    if (!Number.isInteger(k) || k < 2) k = 16;
    unitsCache.set(gl, k);
  }
  return k;
}

/** True when the kernels can run as shaders (WebGL2 with float32 render targets). */
export function webglShadersUsable(): boolean {
  return env().getNumber('WEBGL_VERSION') === 2 && env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
}

function describe(backend: WebGLBackendLike, t: TensorInfo): Source {
  let td = backend.texData.get(t.dataId);
  if (td.texture == null) {
    backend.uploadToGPU(t.dataId);
    td = backend.texData.get(t.dataId);
  }
  const texShape = td.texShape ?? [1, 1];
  if (td.isPacked) {
    const shape = td.shape;
    const rank = shape.length;
    const cols = rank >= 1 ? shape[rank - 1] : 1;
    const rows = rank >= 2 ? shape[rank - 2] : 1;
    const batch = sizeOfShape(shape.slice(0, Math.max(0, rank - 2)));
    const cp = Math.ceil(cols / 2);
    const rp = Math.ceil(rows / 2);
    return {
      // the texture's own shape: no packed reshape
      info: { dataId: t.dataId, shape: [...shape], dtype: t.dtype },
      packed: true,
      len: batch * rp * cp,
      w: Math.ceil(texShape[1] / 2),
      off: 0,
      cp,
      rp,
      odd: (cols % 2) | ((rows % 2) << 1),
    };
  }
  return { info: t, packed: false, len: sizeOfShape(t.shape), w: texShape[1], off: td.slice?.flatOffset ?? 0, cp: 1, rp: 1, odd: 0 };
}

/** Output layout `[2h, 2w]` (h·w ≥ records) of a record texture. */
function recordGrid(records: number): [number, number] {
  const w = Math.min(records, 128);
  return [Math.ceil(records / w), w];
}

function runPartials(backend: WebGLBackendLike, sources: readonly Source[], mode: PartialMode, k: number, maxIn?: TensorInfo): Records[] {
  const out: Records[] = [];
  for (const packed of [true, false]) {
    const list = sources.filter((s) => s.packed === packed);
    const perRecord = packed ? VALUES_PER_RECORD / 4 : VALUES_PER_RECORD;
    for (let g = 0; g < list.length; g += k) {
      const group = list.slice(g, g + k);
      const total = group.reduce((a, s) => a + s.len, 0);
      let chunk = Math.max(perRecord, Math.ceil(total / MAX_RECORDS_PER_PROGRAM));
      if (!packed) chunk = Math.ceil(chunk / 4) * 4;
      const ends: number[] = [];
      let records = 0;
      for (const s of group) {
        records += Math.ceil(s.len / chunk);
        ends.push(records);
      }
      const [h, w] = recordGrid(records);
      const program = new PartialNormProgram(group.length, packed, mode, h, w);
      const uniforms: number[][] = [
        ends,
        group.map((s) => s.len),
        group.map((s) => s.w),
        group.map((s) => s.off),
        group.map((s) => s.cp),
        group.map((s) => s.rp),
        group.map((s) => s.odd),
        [chunk],
        [w],
      ];
      if (mode.kind === 'pow' && integerPower(mode.p) === undefined) uniforms.push([mode.p]);
      const inputs = group.map((s) => s.info);
      if (maxIn !== undefined) inputs.push(maxIn);
      out.push({ info: backend.runWebGLProgram(program, inputs, 'float32', uniforms, true), count: records });
    }
  }
  return out;
}

/** Reduces record textures until one program writes the norm; disposes `records`. */
function reduceToNorm(backend: WebGLBackendLike, records: Records[], mode: PartialMode, k: number, maxIn?: TensorInfo): TensorInfo {
  const invP = mode.kind === 'pow' ? 1 / mode.p : 1;
  let level = records;
  for (;;) {
    const total = level.reduce((a, r) => a + r.count, 0);
    const slots = maxIn === undefined ? k : k - 1;
    if (level.length <= slots && total <= FINAL_RECORDS) {
      const program = new ReduceNormProgram(level.length, mode, true, 1, 1);
      const inputs = level.map((r) => r.info);
      if (maxIn !== undefined) inputs.push(maxIn);
      const uniforms = [
        level.map((r) => r.count),
        level.map((r) => r.count),
        level.map((r) => widthOf(backend, r.info)),
        [1],
        [1],
        [invP],
      ];
      const norm = backend.runWebGLProgram(program, inputs, 'float32', uniforms);
      for (const r of level) backend.disposeIntermediateTensorInfo(r.info);
      return norm;
    }
    const next: Records[] = [];
    for (let g = 0; g < level.length; g += k) {
      const group = level.slice(g, g + k);
      const ends: number[] = [];
      let outRecords = 0;
      for (const r of group) {
        outRecords += Math.ceil(r.count / RECORDS_PER_REDUCE);
        ends.push(outRecords);
      }
      const [h, w] = recordGrid(outRecords);
      const program = new ReduceNormProgram(group.length, mode, false, h, w);
      const uniforms = [ends, group.map((r) => r.count), group.map((r) => widthOf(backend, r.info)), [RECORDS_PER_REDUCE], [w], [invP]];
      next.push({ info: backend.runWebGLProgram(program, group.map((r) => r.info), 'float32', uniforms, true), count: outRecords });
    }
    for (const r of level) backend.disposeIntermediateTensorInfo(r.info);
    level = next;
  }
}

function widthOf(backend: WebGLBackendLike, info: TensorInfo): number {
  const texShape = backend.texData.get(info.dataId).texShape ?? [2, 2];
  return Math.ceil(texShape[1] / 2);
}

function pass(backend: WebGLBackendLike, sources: readonly Source[], mode: PartialMode, maxIn?: TensorInfo): TensorInfo {
  const k = textureUnits(backend);
  const dataSlots = maxIn === undefined ? k : k - 1;
  return reduceToNorm(backend, runPartials(backend, sources, mode, dataSlots, maxIn), mode, k, maxIn);
}

/**
 * `||x||_p = (Σ_i |x_i|^p)^(1/p)` (`max |x_i|` for p = ∞) of all elements of
 * `tensors` (float32) on a WebGL backend, as a new scalar TensorInfo; 0 for no elements.
 */
export function webglGlobalNorm(backend: WebGLBackendLike, tensors: readonly TensorInfo[], p: number): TensorInfo {
  const live = tensors.filter((t) => sizeOfShape(t.shape) > 0);
  if (live.length === 0) return backend.makeTensorInfo([], 'float32', new Float32Array([0]));
  if (!webglShadersUsable()) {
    const values = live.map((t) => backend.readSync(t.dataId) as ArrayLike<number>);
    return backend.makeTensorInfo([], 'float32', new Float32Array([pNorm(values, p)]));
  }
  const sources = live.map((t) => describe(backend, t));
  if (p === 2) return pass(backend, sources, { kind: 'sum', scheme: SUM_P2 });
  if (p === 1) return pass(backend, sources, { kind: 'sum', scheme: SUM_P1 });
  const m = pass(backend, sources, { kind: 'max' });
  if (p === Number.POSITIVE_INFINITY) return m;
  try {
    return pass(backend, sources, { kind: 'pow', p }, m);
  } finally {
    backend.disposeIntermediateTensorInfo(m);
  }
}

const globalNormWebGL = ((args: { inputs: unknown; backend: unknown; attrs?: unknown }) => {
  const backend = args.backend;
  if (!isWebGLBackend(backend)) throw new Error('GradclipGlobalNorm: the active "webgl" backend is not tfjs-backend-webgl 4.x (no runWebGLProgram)');
  const { normType } = args.attrs as GlobalNormAttrs;
  return webglGlobalNorm(backend, args.inputs as TensorInfo[], normType);
}) as unknown as KernelFunc;

/** Kernel registration for the webgl backend. */
export const globalNormWebGLConfig: KernelConfig = {
  kernelName: GRADCLIP_GLOBAL_NORM,
  backendName: 'webgl',
  kernelFunc: globalNormWebGL,
};

/**
 * `GradclipScale` on the `webgl` backend: `out_i = t_i · coef` for every
 * input tensor in one kernel call, one fragment program per tensor (a WebGL
 * program has one render target here), with `coef` read on the device (no
 * host sync). Each value is one IEEE float32 multiply, as tfjs's own `Mul`
 * shaders do, so the result is bit-identical to `tf.mul(t_i, coef)`.
 *
 * Each tensor keeps its layout: a packed texture (RGBA 2×2 blocks, what most
 * tfjs ops write) is scaled texel by texel into a packed output, an unpacked
 * one into an unpacked output, so no pack/unpack program runs per tensor;
 * `coef` is converted at most once per call to the layout a program reads.
 * Always out of place: the `inPlace` attribute is ignored on WebGL.
 *
 * Without WebGL2 float32 rendering the products are computed on the host from
 * `readSync` (a sync; such devices are rare).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GRADCLIP_SCALE } from '../names.js';
import { webglShadersUsable } from './global-norm.js';
import { isWebGLBackend, sizeOfShape, type WebGLBackendLike, type WebGLProgramLike } from './types.js';

/** `x · c` texel by texel (`packed`: RGBA blocks, `c` packed too). */
export class ScaleProgram implements WebGLProgramLike {
  variableNames = ['x', 'c'];
  outputShape: number[];
  userCode: string;
  packedInputs: boolean;
  packedOutput: boolean;

  constructor(shape: number[], packed: boolean) {
    this.outputShape = shape;
    this.packedInputs = packed;
    this.packedOutput = packed;
    this.userCode = packed
      ? 'void main() { setOutput(getXAtOutCoords() * getC().x); }'
      : 'void main() { setOutput(getXAtOutCoords() * getC()); }';
  }
}

/** Copies a scalar into the other layout (packed ↔ unpacked). */
export class ScalarLayoutProgram implements WebGLProgramLike {
  variableNames = ['c'];
  outputShape: number[] = [];
  userCode: string;
  packedInputs: boolean;
  packedOutput: boolean;

  /** @param toPacked - true: unpacked → packed; false: packed → unpacked */
  constructor(toPacked: boolean) {
    this.packedInputs = !toPacked;
    this.packedOutput = toPacked;
    this.userCode = toPacked ? 'void main() { setOutput(vec4(getC())); }' : 'void main() { setOutput(getC().x); }';
  }
}

/** `out_i = t_i · coef` (one float32 multiply per element) for every tensor of `tensors`, as new TensorInfos with the inputs' shapes. */
export function webglScale(backend: WebGLBackendLike, tensors: readonly TensorInfo[], coef: TensorInfo): TensorInfo[] {
  if (!webglShadersUsable()) {
    const c = (backend.readSync(coef.dataId) as ArrayLike<number>)[0];
    return tensors.map((t) => {
      const x = backend.readSync(t.dataId) as ArrayLike<number>;
      const y = new Float32Array(x.length);
      for (let j = 0; j < y.length; j++) y[j] = x[j] * c;
      return backend.makeTensorInfo(t.shape, 'float32', y);
    });
  }
  const scalar: TensorInfo = { dataId: coef.dataId, shape: [], dtype: coef.dtype };
  const coefTex = backend.texData.get(coef.dataId);
  const coefPacked = coefTex.texture != null && coefTex.isPacked;
  const converted: TensorInfo[] = [];
  let packedCoef: TensorInfo | undefined = coefPacked ? scalar : undefined;
  let unpackedCoef: TensorInfo | undefined = coefPacked ? undefined : scalar;
  try {
    return tensors.map((t): TensorInfo => {
      const n = sizeOfShape(t.shape);
      if (n === 0) return backend.makeTensorInfo(t.shape, 'float32', new Float32Array(0));
      const td = backend.texData.get(t.dataId);
      const packed = td.texture != null && td.isPacked;
      let out: TensorInfo;
      if (packed) {
        if (packedCoef === undefined) {
          packedCoef = backend.runWebGLProgram(new ScalarLayoutProgram(true), [scalar], 'float32', undefined, true);
          converted.push(packedCoef);
        }
        const shape = [...td.shape];
        out = backend.runWebGLProgram(new ScaleProgram(shape, true), [{ dataId: t.dataId, shape, dtype: t.dtype }, packedCoef], 'float32', undefined, true);
      } else {
        if (unpackedCoef === undefined) {
          unpackedCoef = backend.runWebGLProgram(new ScalarLayoutProgram(false), [scalar], 'float32');
          converted.push(unpackedCoef);
        }
        out = backend.runWebGLProgram(new ScaleProgram([n], false), [{ dataId: t.dataId, shape: [n], dtype: t.dtype }, unpackedCoef], 'float32');
      }
      return { dataId: out.dataId, shape: t.shape, dtype: 'float32' };
    });
  } finally {
    for (const c of converted) backend.disposeIntermediateTensorInfo(c);
  }
}

const scaleWebGL = ((args: { inputs: unknown; backend: unknown }) => {
  const backend = args.backend;
  if (!isWebGLBackend(backend)) throw new Error('GradclipScale: the active "webgl" backend is not tfjs-backend-webgl 4.x (no runWebGLProgram)');
  const all = args.inputs as TensorInfo[];
  return webglScale(backend, all.slice(0, all.length - 1), all[all.length - 1]);
}) as unknown as KernelFunc;

/** Kernel registration for the webgl backend. */
export const scaleWebGLConfig: KernelConfig = {
  kernelName: GRADCLIP_SCALE,
  backendName: 'webgl',
  kernelFunc: scaleWebGL,
};

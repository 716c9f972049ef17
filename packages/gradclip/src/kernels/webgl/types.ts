/**
 * The parts of tfjs-backend-webgl 4.x that gradclip's WebGL kernels use,
 * described structurally, so that this library never imports the backend
 * package: a bundle that does not use WebGL does not pull it in, and the
 * kernels get the backend object from the kernel call (`tf.backend()`).
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** GLSL type of a custom uniform (tfjs's `UniformType`). */
export type GlslUniformType = 'float' | 'vec2' | 'vec3' | 'vec4' | 'int' | 'ivec2' | 'ivec3' | 'ivec4';

/** A program for `runWebGLProgram` (tfjs-backend-webgl's `GPGPUProgram`, the fields we set). */
export interface WebGLProgramLike {
  /** Sampler names, in input order (`uniform sampler2D <name>;` is declared for each). */
  variableNames: string[];
  /** Logical output shape. */
  outputShape: number[];
  /** GLSL body: helper functions and `void main()`, after tfjs's prefix. */
  userCode: string;
  /** All inputs are read as packed (RGBA, 2×2 blocks) textures; tfjs converts the others first. */
  packedInputs?: boolean;
  /** The output texture is packed. */
  packedOutput?: boolean;
  /**
   * Shapes go to uniforms instead of the source, so one compiled shader serves
   * every shape of the same rank (fewer compiles).
   */
  enableShapeUniforms?: boolean;
  /** Extra uniforms, `uniform <type> <name>[arrayIndex];`, set from `customUniformValues`. */
  customUniforms?: Array<{ name: string; arrayIndex?: number; type: GlslUniformType }>;
}

/** tfjs-backend-webgl's per-tensor `TextureData`, the fields read here. */
export interface TexDataLike {
  /** The logical shape the texture was laid out for. */
  shape: number[];
  /** Texture rows and columns (for a packed texture: twice its texels, rounded up to even). */
  texShape: [number, number] | null;
  /** RGBA 2×2-block layout (else one value per texel, in the R channel). */
  isPacked: boolean;
  /** GPU texture, null while the values live on the CPU. */
  texture: unknown;
  /** A shallow slice of another tensor's texture, starting at `flatOffset` elements. */
  slice?: { flatOffset: number } | null;
}

/** The WebGL2 context parameters read. */
export interface GlLike {
  MAX_TEXTURE_IMAGE_UNITS: number;
  getParameter(pname: number): unknown;
}

/** tfjs-backend-webgl's `MathBackendWebGL`, the members the kernels use. */
export interface WebGLBackendLike {
  texData: { get(dataId: object): TexDataLike };
  gpgpu: { gl: GlLike };
  runWebGLProgram(
    program: WebGLProgramLike,
    inputs: TensorInfo[],
    outputDtype: DataType,
    customUniformValues?: number[][],
    preventEagerUnpackingOfOutput?: boolean,
  ): TensorInfo;
  uploadToGPU(dataId: object): void;
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array): TensorInfo;
  disposeIntermediateTensorInfo(info: TensorInfo): void;
}

/** True when `b` looks like tfjs-backend-webgl's backend (the members above exist). */
export function isWebGLBackend(b: unknown): b is WebGLBackendLike {
  const o = b as Partial<WebGLBackendLike> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.runWebGLProgram === 'function' &&
    typeof o.uploadToGPU === 'function' &&
    typeof o.disposeIntermediateTensorInfo === 'function' &&
    typeof o.texData?.get === 'function' &&
    typeof o.gpgpu?.gl?.getParameter === 'function'
  );
}

/** Number of elements of a shape. */
export function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

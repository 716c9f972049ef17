/**
 * The parts of tfjs-backend-webgpu 4.x that gradclip's WebGPU kernels use,
 * described structurally, so that this library never imports the backend
 * package: a bundle that does not use WebGPU does not pull it in, and the
 * kernels get the backend object from the kernel call (`tf.backend()`).
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** A program for `runWebGPUProgram` (tfjs-backend-webgpu's `WebGPUProgram`, the fields we set). */
export interface WebGPUProgramLike {
  /** Logical output shape; the output buffer holds its size of elements. */
  outputShape: number[];
  /** Pipeline cache key prefix: must change whenever the generated code does. */
  shaderKey: string;
  /** How output dimensions map onto the dispatch; `{x: [0]}` is a flat 1-D dispatch. */
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  /** Workgroups per dimension. */
  dispatch: [number, number, number];
  /** Invocations per workgroup. */
  workgroupSize: [number, number, number];
  /** Names of the input bindings, in input order. */
  variableNames: string[];
  /** Components per input element (1 = `f32`, 4 = `vec4<f32>`). */
  variableComponents?: number[];
  /** Components per output element. */
  outputComponent?: number;
  /** Extra uniform fields (`name : type,` WGSL struct members). */
  uniforms?: string;
  /** Adds a `size` uniform (output elements / outputComponent). */
  size?: boolean;
  /** The WGSL body: helper functions and `fn main(index : i32)`. */
  getUserCode(): string;
}

/** One program-defined uniform value, in declaration order. */
export interface ProgramUniformLike {
  type: 'int32' | 'float32' | 'uint32';
  data: number[];
}

/** The `GPUDevice` limits the kernels read. */
export interface WebGPUDeviceLike {
  limits: {
    maxStorageBuffersPerShaderStage: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

/** tfjs-backend-webgpu's `WebGPUBackend`, the members the kernels use. */
export interface WebGPUBackendLike {
  device: WebGPUDeviceLike;
  runWebGPUProgram(
    program: WebGPUProgramLike,
    inputs: TensorInfo[],
    outputDtype: DataType,
    programDefinedUniform?: ProgramUniformLike[],
    output?: TensorInfo,
  ): TensorInfo;
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** True when `b` looks like tfjs-backend-webgpu's backend (the members above exist). */
export function isWebGPUBackend(b: unknown): b is WebGPUBackendLike {
  const o = b as Partial<WebGPUBackendLike> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.runWebGPUProgram === 'function' &&
    typeof o.makeTensorInfo === 'function' &&
    typeof o.disposeData === 'function' &&
    typeof o.device?.limits?.maxStorageBuffersPerShaderStage === 'number'
  );
}

/** Number of elements of a tensor. */
export function sizeOf(t: TensorInfo): number {
  let n = 1;
  for (const d of t.shape) n *= d;
  return n;
}

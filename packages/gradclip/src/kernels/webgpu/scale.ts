/**
 * `GradclipScale` on the `webgpu` backend: `out_i = t_i · coef` for every
 * input tensor in one kernel call, one WGSL dispatch per tensor (a WebGPU
 * dispatch has one output buffer here), with `coef` read on the device (no
 * host sync). Each element is one IEEE float32 multiply, as tfjs's own `Mul`,
 * so the result is bit-identical to `tf.mul(t_i, coef)`; tensors whose size is
 * a multiple of 4 are read and written as `vec4<f32>`. Always out of place:
 * the `inPlace` attribute is ignored on WebGPU (the inputs stay untouched).
 * One pipeline serves every shape (tensors are bound flat).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GRADCLIP_SCALE } from '../names.js';
import { isWebGPUBackend, sizeOf, type WebGPUBackendLike, type WebGPUProgramLike } from './types.js';

const WG = 64;
/**
 * Elements (or vec4s) per invocation, `stride` apart (the dispatch's
 * invocation count): fewer invocations, each doing more, halves the time on
 * SwiftShader, whose per-invocation overhead is high.
 */
const PER_INVOCATION = 4;

/**
 * `result = x · coef[0]` over a flat tensor (`vec4` when `components` is 4);
 * invocation i scales elements `i + k · stride`, k < 4.
 */
export class ScaleProgram implements WebGPUProgramLike {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  variableNames = ['x', 'coef'];
  variableComponents: number[];
  outputComponent: number;
  size = true;
  uniforms = 'stride : i32,';

  constructor(n: number, components: 1 | 4) {
    this.outputShape = [n];
    this.variableComponents = [components, 1];
    this.outputComponent = components;
    this.dispatch = [Math.ceil(n / components / WG / PER_INVOCATION), 1, 1];
    this.shaderKey = `gradclipScale_${components}`;
  }

  getUserCode(): string {
    return `
fn main(index : i32) {
  let c = coef[0];
  for (var k = 0; k < ${PER_INVOCATION}; k = k + 1) {
    let j = index + k * uniforms.stride;
    if (j < uniforms.size) { result[j] = x[j] * c; }
  }
}
`;
  }
}

/** `out_i = t_i · coef` (one float32 multiply per element) for every tensor of `tensors`, as new TensorInfos with the inputs' shapes. */
export function webgpuScale(backend: WebGPUBackendLike, tensors: readonly TensorInfo[], coef: TensorInfo): TensorInfo[] {
  const c: TensorInfo = { dataId: coef.dataId, shape: [1], dtype: coef.dtype };
  return tensors.map((t) => {
    const n = sizeOf(t);
    if (n === 0) return backend.makeTensorInfo(t.shape, 'float32', new Float32Array(0));
    const program = new ScaleProgram(n, n % 4 === 0 ? 4 : 1);
    const stride = program.dispatch[0] * program.workgroupSize[0];
    const out = backend.runWebGPUProgram(program, [{ dataId: t.dataId, shape: [n], dtype: t.dtype }, c], 'float32', [{ type: 'int32', data: [stride] }]);
    return { dataId: out.dataId, shape: t.shape, dtype: 'float32' };
  });
}

const scaleWebGPU = ((args: { inputs: unknown; backend: unknown }) => {
  const backend = args.backend;
  if (!isWebGPUBackend(backend)) throw new Error('GradclipScale: the active "webgpu" backend is not tfjs-backend-webgpu 4.x (no runWebGPUProgram)');
  const all = args.inputs as TensorInfo[];
  return webgpuScale(backend, all.slice(0, all.length - 1), all[all.length - 1]);
}) as unknown as KernelFunc;

/** Kernel registration for the webgpu backend. */
export const scaleWebGPUConfig: KernelConfig = {
  kernelName: GRADCLIP_SCALE,
  backendName: 'webgpu',
  kernelFunc: scaleWebGPU,
};

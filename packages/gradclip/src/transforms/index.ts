export { chain, type ChainState } from './chain.js';
export { clipByGlobalNorm, clipByValue, clipByNorm, globalClipCoef, type ClipByGlobalNormOptions, type GlobalNormRule, type EmptyState } from './clip.js';
export * from './adaptive/index.js';
export * from './guards/index.js';
export * from './monitor.js';
export * from './accumulate.js';
export { registerTransform, transformFromSpec, type TransformFactory } from './registry.js';
export type { GradientTransformation, TransformInfo, TransformResult, TransformSpec } from './types.js';

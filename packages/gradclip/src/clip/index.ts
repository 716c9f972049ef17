export { getTotalNorm, type TotalNormOptions } from './total-norm.js';
export { partialNorm, combineNorms, type PartialNorm, type PartialNormOptions } from './partial-norm.js';
export { clipGradNorm, clipGradsWithNorm, TORCH_CLIP_EPS, type ClipGradNormResult, type ClipGradsWithNormOptions } from './clip-grad-norm.js';
export { clipGradValue } from './clip-grad-value.js';
export { globalNorm, clipByGlobalNorm, type GlobalNormOptions } from './global-norm.js';
export { clipByNorm } from './clip-by-norm.js';
export { fusedNormAvailable, fusedScaleAvailable, type FusedOption } from '../kernels/dispatch.js';
export { GradclipArgumentError } from '../core/errors.js';
export type { GradContainer, NamedGrad } from './containers.js';

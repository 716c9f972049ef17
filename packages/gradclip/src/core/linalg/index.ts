/**
 * Float64 linear algebra on plain row-major arrays (no TF.js): eigenvalues
 * and spectral radius of a square matrix, the spectral norm of any matrix,
 * and the growth fit of a gradient flow through time.
 *
 * @module
 */
export { eigenvalues, spectralRadius, type Eigenvalues } from './eigen.js';
export { spectralNorm } from './spectral-norm.js';
export { fitGrowth } from './growth.js';

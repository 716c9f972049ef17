export { TransformingOptimizer, withTransforms, type WithTransformsOptions } from './transforming-optimizer.js';
export { withClipping, kerasClipTransform, type ClippingOptions } from './with-clipping.js';
export type { OptimizerName } from './optimizer-names.js';
export { AdamW, adamw, type AdamWOptions } from './adamw.js';
export { applyClippedUpdate, fusedUpdateAvailable, fusableOptimizerKind, type FusableOptimizerKind } from './fused-update.js';
export { RecoveringOptimizer, withRecovery, type WithRecoveryOptions } from './recovery.js';
export { saveOptimizerState, loadOptimizerState, type SavedOptimizerState } from './optimizer-state.js';

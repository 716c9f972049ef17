/** Adaptive clipping transforms: AutoClip, AGC, ZClip, AdaGC. */
export { autoClip, type AutoClipOptions, type AutoClipState, type AdaptiveClipInfo, type AdaptiveClipTransformation } from './auto-clip.js';
export { adaptiveGradClip, unitwiseNorm, type AdaptiveGradClipOptions, type AdaptiveGradClipState, type NameMatcher } from './agc.js';
export { zClip, type ZClipOptions, type ZClipState } from './zclip.js';
export { adaGC, type AdaGCOptions, type AdaGCState, type AdaGCInfo, type AdaGCTransformation } from './adagc.js';

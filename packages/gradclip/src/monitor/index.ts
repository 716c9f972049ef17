export * from '../core/step-stats.js';
export * from './diagnose/index.js';
export * from './recommend/index.js';
export * from './writers/index.js';
export * from './readers/index.js';
export { gradStatsCallback, GradStatsCallback, type GradStatsCallbackOptions, type StepStatsSource } from './callback.js';
export { calibrate, type CalibrateOptions, type CalibrationResult, type CalibrationLoss, type CalibrationData, type CalibratableModel } from './calibrate.js';
export { ClipRateWindow, rollingClipRate } from '../core/run-metrics.js';

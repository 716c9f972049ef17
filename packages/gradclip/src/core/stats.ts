/** Compatibility re-export for monitor/diagnose.ts (not moved in this change); remove once diagnose imports `./stats/index.js`. @module */
export * from './stats/index.js';

export * from './data/index.js';
export * from './models/index.js';
export * from './losses.js';
export * from './schedules.js';
export { createRng, Rng } from '../core/random.js';

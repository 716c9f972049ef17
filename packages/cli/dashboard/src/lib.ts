/**
 * The one place the dashboard names gradclip: the library through its
 * public, browser-safe entry point (`src/index.ts`, exactly what an
 * application importing `gradclip` gets), and the app's experiment runner
 * (`src/train`, shared with the CLI; not part of the library).
 */
export * from 'gradclip';
export * as experiments from '../../src/train/index.js';

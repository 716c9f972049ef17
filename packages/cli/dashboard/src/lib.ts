/**
 * The dashboard's view of gradclip: the library through its public,
 * browser-safe entry point (`src/index.ts`, exactly what an application
 * importing `gradclip` gets), and the app's experiment runner (`src/train`,
 * shared with the CLI; not part of the library). The small pure helpers the
 * app shares with the library (number formatting, run metrics, run-folder
 * file names) come from `gradclip/internal`, imported directly by the
 * modules that use them so that those stay free of TF.js.
 */
export * from 'gradclip';
export * as experiments from '../../src/train/index.js';

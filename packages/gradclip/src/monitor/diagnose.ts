/**
 * The old path of {@link diagnose}, which now lives in `monitor/diagnose/`
 * (index.ts runs the rules of rules/ over the statistics of context.ts; the
 * exploding / vanishing gradients of Pascanu, Mikolov & Bengio 2013, arXiv
 * 1211.5063, and Bengio, Simard & Frasconi 1994). Kept, re-exporting only,
 * for `test/report/fixtures.ts` and `test/report/png.test.ts`, which import
 * `monitor/diagnose.js`; remove it once they import `monitor/diagnose/index.js`.
 *
 * @module
 */

export * from './diagnose/index.js';

// The paths the API reference (typedoc.config.mjs) and the example checks
// (scripts/check-examples.mjs) depend on, in one place. After the workspace
// split (issue 10) only this file changes: point LIBRARY_ROOT at the library
// package (e.g. 'packages/gradclip') and the rest follows.
//
// Every path is relative to the repository root.

/** The library package: its package.json ("files"), tsconfig.build.json and src/. */
export const LIBRARY_ROOT = 'packages/gradclip';

const lib = (p) => (LIBRARY_ROOT === '.' ? p : `${LIBRARY_ROOT}/${p}`);

/** Public entry points: import specifier -> source file. */
export const ENTRY_POINTS = {
  gradclip: lib('src/index.ts'),
  'gradclip/node': lib('src/node.ts'),
  'gradclip/webgl': lib('src/webgl.ts'),
  'gradclip/webgpu': lib('src/webgpu.ts'),
};

/** The tsconfig TypeDoc compiles the library with. */
export const LIBRARY_TSCONFIG = lib('tsconfig.build.json');

/** The library's package.json (its "files" must ship the examples). */
export const LIBRARY_PACKAGE_JSON = lib('package.json');

/**
 * Where the library's TSDoc lives: every `@example` in a .ts file under these
 * folders is type-checked and run. The app's folders (cli, tasks, train,
 * report, server) are not the library and are not listed.
 */
export const TSDOC_ROOTS = ['core', 'kernels', 'clip', 'transforms', 'optim', 'monitor', 'index.ts', 'node.ts', 'webgl.ts', 'webgpu.ts'].map((p) => lib(`src/${p}`));

/** Folders under TSDOC_ROOTS that hold no TypeScript for tsc (AssemblyScript sources). */
export const TSDOC_EXCLUDE = [lib('src/kernels/wasm/simd/assembly')];

/** Markdown files whose ```ts blocks are type-checked and run, and whose links must resolve. */
export const MARKDOWN_FILES = ['README.md', 'docs/distributed.md'];

/** Runnable example programs the README points to; they ship in the library package. */
export const EXAMPLES_DIR = 'packages/gradclip/examples';

/** The repository's strict compiler settings, which the examples are checked with. */
export const EXAMPLES_TSCONFIG = 'tsconfig.json';

/** Output folder of `npm run docs` (gitignored). */
export const API_DOCS_OUT = 'docs/api';

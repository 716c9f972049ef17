/** Backends the CLI can run on (a module of its own, so that parsing the flags does not load TF.js). */
export const CLI_BACKENDS = ['wasm', 'cpu'] as const;

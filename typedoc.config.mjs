// TypeDoc configuration for the API reference of the library entries
// (`npm run docs` -> docs/api/, HTML; test/library/api-docs.test.ts builds it
// and fails on any warning). Paths come from scripts/docs-config.mjs.
import { API_DOCS_OUT, ENTRY_POINTS, LIBRARY_TSCONFIG } from './scripts/docs-config.mjs';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  entryPoints: Object.values(ENTRY_POINTS),
  tsconfig: LIBRARY_TSCONFIG,
  out: API_DOCS_OUT,
  name: 'gradclip',
  readme: 'none',
  includeVersion: true,
  // No public repository URL to link sources to yet; set sourceLinkTemplate and drop this once there is one.
  disableSources: true,
  excludePrivate: true,
  excludeProtected: true,
  excludeInternal: true,
  excludeExternals: true,
  // Type errors are `npm run build` / `npm run typecheck`'s job (and the docs do not need a clean compile); halves the time.
  skipErrorChecking: true,
  // Every export documented, every {@link} resolved, every referenced type exported.
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
};

export default config;

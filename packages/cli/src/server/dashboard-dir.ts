/**
 * Where the built dashboard is: `dist/dashboard/` next to the compiled
 * server (`dist/server/`), or, when the server runs from the sources
 * (`src/server/` through tsx), the repository's `dist/dashboard/`.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Candidate folders, most likely first. */
export function dashboardDirCandidates(): string[] {
  return [new URL('../dashboard/', import.meta.url), new URL('../../dist/dashboard/', import.meta.url)].map((u) => fileURLToPath(u));
}

/** The first candidate that holds an `index.html`, or null when the dashboard has not been built. */
export function findDashboardDir(): string | null {
  return dashboardDirCandidates().find((d) => existsSync(`${d}index.html`)) ?? null;
}

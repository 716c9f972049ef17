/**
 * The Vega browser runtime (`vega/build/vega.min.js`, BSD-3-Clause,
 * University of Washington Interactive Data Lab), read from the installed
 * package at report time so that every report embeds it inline and works
 * offline.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { scriptSafe } from './escape.js';

let cached: string | null = null;

/** Path of `vega.min.js` in the installed `vega` package. */
export function vegaRuntimePath(): string {
  const require = createRequire(import.meta.url);
  // The package's "exports" maps "." to build/vega.module.js; the UMD build sits beside it.
  const entry = require.resolve('vega');
  return join(dirname(entry), 'vega.min.js');
}

/**
 * Source of the Vega runtime, made safe to inline in a `<script>` element
 * ({@link scriptSafe}), with its licence notice in front. Read once, cached.
 *
 * @throws when the `vega` package is not installed.
 */
export function vegaRuntimeSource(): string {
  if (cached !== null) return cached;
  const path = vegaRuntimePath();
  let src: string;
  try {
    src = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`report: cannot read the Vega runtime at ${path} (${(e as Error).message}); install the "vega" package`);
  }
  cached = `/*! Vega ${vegaVersion()} | BSD-3-Clause | Copyright (c) 2015-2023, University of Washington Interactive Data Lab */\n${scriptSafe(src)}`;
  return cached;
}

/** Version of the installed `vega` package. */
export function vegaVersion(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = join(dirname(require.resolve('vega')), '..', 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

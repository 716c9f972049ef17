/**
 * Documentation examples cannot rot: scripts/check-examples.mjs type-checks
 * and runs every TSDoc `@example` of the library, every ```ts block of the
 * README and every program in examples/, and checks the README's links,
 * commands and the package's "files" (see that script for the conventions).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

test('every TSDoc @example, README ts block and example program compiles and runs', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'check-examples.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`);
  assert.match(r.stdout, /check-examples: \d+ examples/);
});

/**
 * Dependencies run one way (DESIGN.md section 1): inside the library each
 * layer imports only the layers below it, core ← kernels ← clip ← transforms
 * ← optim ← monitor (core imports no TF.js), and the app (packages/cli)
 * reaches the library only through its package entries (`gradclip`,
 * `gradclip/node`, `gradclip/internal`, `gradclip/webgl`, `gradclip/webgpu`),
 * never through a relative path into packages/gradclip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const LIB = join(ROOT, 'packages', 'gradclip', 'src');
const APP = join(ROOT, 'packages', 'cli');
const LAYERS = ['core', 'kernels', 'clip', 'transforms', 'optim', 'monitor'];
const ENTRIES = new Set(['gradclip', 'gradclip/node', 'gradclip/internal', 'gradclip/webgl', 'gradclip/webgpu']);

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'assembly') continue;
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of every import/export-from and dynamic import in a file. */
function specifiers(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

const layerOf = (abs: string): string | undefined => {
  const rel = relative(LIB, abs);
  return rel.startsWith('..') ? undefined : rel.split('/')[0];
};

test('library layers import only the layers below them; core imports no TF.js', () => {
  const bad: string[] = [];
  for (const file of tsFiles(LIB)) {
    const from = layerOf(file);
    const rank = LAYERS.indexOf(from ?? '');
    if (rank < 0) continue; // the entry files (index.ts, node.ts, ...) may import any layer
    for (const spec of specifiers(file)) {
      if (from === 'core' && spec.startsWith('@tensorflow/')) bad.push(`${relative(ROOT, file)} imports ${spec} (core has no TF.js)`);
      if (!spec.startsWith('.')) continue;
      const to = layerOf(resolve(dirname(file), spec));
      if (to !== undefined && LAYERS.indexOf(to) > rank) bad.push(`${relative(ROOT, file)} (${from}) imports ${spec} (${to}, a layer above)`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the app reaches the library only through its package entries', () => {
  const bad: string[] = [];
  let entryImports = 0;
  for (const file of tsFiles(APP)) {
    for (const spec of specifiers(file)) {
      if (spec.startsWith('gradclip')) {
        if (!ENTRIES.has(spec)) bad.push(`${relative(ROOT, file)} imports ${spec} (not a package entry)`);
        else entryImports++;
      } else if (spec.startsWith('.') && relative(LIB, resolve(dirname(file), spec)).split('/')[0] !== '..') {
        bad.push(`${relative(ROOT, file)} imports ${spec}, a path inside packages/gradclip`);
      }
    }
  }
  assert.deepEqual(bad, []);
  assert.ok(entryImports > 10, `only ${entryImports} imports of the library found: is the scan reading the app?`);
});
